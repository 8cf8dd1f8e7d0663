package reports

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// The artifact layout of a run, declared once: the runner writes into it
// (through this package's writers), Reassess and the CLI read it back.
//
//	<root>/<run-id>/
//	  junit.xml                      every scenario of the run
//	  <scenario>/                    a plain run
//	    scenario.resolved.yaml       written at the start, with every override
//	    ledger.json client.ledger backend-*.ledger events.jsonl  (streamed)
//	    verdict.json junit.xml summary.md report.html            (at the end)
//	    diagnostics/
//	  <scenario>/                    a TLS comparison: the verdict, and per part
//	    pairN-side[/round-R]/        scenario.resolved.yaml of the profile
//	      handshake/ keepalive/      plain runs without faults
//	      capacity/                  a CPU-limited search (as below)
//	  <scenario>[-without-K-N]/      a capacity search: the knee's verdict,
//	    capacity.json capacity.md capacity.html
//	    warmup/ step-NN-RATE/        ledgers of the unjudged warm-up and each step
const (
	VerdictFile     = "verdict.json"
	SummaryFile     = "summary.md"
	JUnitFile       = "junit.xml"
	ReportFile      = "report.html"
	ResolvedFile    = "scenario.resolved.yaml"
	EventsFile      = "events.jsonl"
	DiagnosticsDir  = "diagnostics"
	CapacityJSON    = "capacity.json"
	CapacityMD      = "capacity.md"
	CapacityHTML    = "capacity.html"
	WarmupDir       = "warmup"
	TLSHandshakeDir = "handshake"
	TLSKeepAliveDir = "keepalive"
	TLSCapacityDir  = "capacity"
	stepGlob        = "step-*"
)

// RunDir is a run's folder under the artifacts root.
func RunDir(root, runID string) string { return filepath.Join(root, runID) }

// ScenarioDir is a scenario's folder in a run.
func ScenarioDir(root, runID, name string) string { return filepath.Join(root, runID, name) }

// StepDir is the folder of a capacity search's n-th step (1-based).
func StepDir(dir string, n int, rate float64) string {
	return filepath.Join(dir, fmt.Sprintf("step-%02d-%.0f", n, rate))
}

// TLSPart is one profile run of a tlsCompare scenario: the runner runs
// the parts in this order, and Reassess reads them back from the same
// folders.
type TLSPart struct {
	Round   int             // 1-based; rounds after the first only repeat the handshake-bound run
	Pair    int             // index into TLSCompare.Pairs
	Side    int             // 0 baseline, 1 accelerated
	Profile spec.TLSProfile // the side's profile
	Name    string          // pairN-side, as reports and SLO labels name it
	Dir     string          // folder relative to the scenario's: pairN-side[/round-R]
	Label   string          // pairN-side[-round-R], unique among the parts, for progress lines and part verdicts
}

// TLSParts lists c's profile runs: every round, every pair, baseline
// then accelerated.
func TLSParts(c *spec.TLSCompare) []TLSPart {
	var out []TLSPart
	for round := 1; round <= max(1, c.Rounds); round++ {
		for i, pair := range c.Pairs {
			for j, p := range []spec.TLSProfile{pair.Baseline, pair.Accelerated} {
				name := fmt.Sprintf("pair%d-%s", i+1, [...]string{"baseline", "accelerated"}[j])
				part := TLSPart{Round: round, Pair: i, Side: j, Profile: p, Name: name, Dir: name, Label: name}
				if round > 1 {
					part.Dir = filepath.Join(name, fmt.Sprintf("round-%d", round))
					part.Label = fmt.Sprintf("%s-round-%d", name, round)
				}
				out = append(out, part)
			}
		}
	}
	return out
}

// FindDirs returns every folder under roots that holds file, sorted; none
// is no error, a missing root is.
func FindDirs(roots []string, file string) ([]string, error) {
	var out []string
	for _, r := range roots {
		if _, err := os.Stat(r); err != nil {
			return nil, err
		}
		err := filepath.WalkDir(r, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && d.Name() == file {
				out = append(out, filepath.Dir(p))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// VerdictDirs returns every folder under roots holding a verdict.json,
// sorted; none is an error.
func VerdictDirs(roots []string) ([]string, error) {
	out, err := FindDirs(roots, VerdictFile)
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no %s under %v", VerdictFile, roots)
	}
	return out, err
}

// TopLevel drops every folder that lies inside another folder of dirs: a
// composite run's parts, whose verdicts are evidence of the whole.
func TopLevel(dirs []string) []string {
	set := make(map[string]bool, len(dirs))
	for _, d := range dirs {
		set[filepath.Clean(d)] = true
	}
	var out []string
	for _, d := range dirs {
		if !insideAny(filepath.Clean(d), set) {
			out = append(out, d)
		}
	}
	return out
}

// insideAny reports whether an ancestor of dir is in set.
func insideAny(dir string, set map[string]bool) bool {
	for p := filepath.Dir(dir); p != dir; dir, p = p, filepath.Dir(p) {
		if set[p] {
			return true
		}
	}
	return false
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
