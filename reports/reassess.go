package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// Reassessed is one folder judged again by Reassess, or why it could not
// be.
type Reassessed struct {
	Dir     string
	Verdict *Verdict
	Err     error
}

// Reassess judges every run stored under roots again from its evidence,
// through the same Assemble as the runner, and rewrites its artifacts
// (gatecert report -evaluate). Verdicts live in three kinds of folders:
//
//   - a plain run's: client ledger, backend ledgers, events.jsonl and
//     scenario.resolved.yaml;
//   - a TLS profile's run (pairN-side[/round-R]/handshake or keepalive):
//     a client ledger and a verdict, the profile's scenario in the parent
//     folder;
//   - a composite verdict with no ledger of its own: a TLS comparison's
//     (tls section) or a capacity search's (capacity section). Gateway CPU
//     figures and knees come from measurements no ledger holds, so those
//     sections are carried over; what ledgers hold is judged again.
//
// Composites are judged after the ledger folders, so they take up the
// new judgements of their parts. Ledger folders with neither a verdict
// nor a scenario of their own (capacity steps, warm-ups) are evidence of
// their search: counted in leftAlone. What no evidence holds is carried
// over from the stored verdict: overrides, notes, and an invalid or
// interrupted outcome with its reasons.
func Reassess(roots []string) (out []Reassessed, leftAlone int, err error) {
	leaves, err := FindDirs(roots, ledger.MetaFile)
	if err != nil {
		return nil, 0, err
	}
	verdicts, err := FindDirs(roots, VerdictFile)
	if err != nil {
		return nil, 0, err
	}
	if len(leaves) == 0 && len(verdicts) == 0 {
		return nil, 0, fmt.Errorf("no %s or %s under %v", ledger.MetaFile, VerdictFile, roots)
	}
	for _, d := range leaves {
		if !exists(filepath.Join(d, VerdictFile)) && !exists(filepath.Join(d, ResolvedFile)) {
			leftAlone++
			continue
		}
		v, err := reassessLedger(d)
		out = append(out, Reassessed{d, v, err})
	}
	for _, d := range verdicts {
		if exists(filepath.Join(d, ledger.MetaFile)) {
			continue
		}
		v, err := reassessComposite(d)
		if v == nil && err == nil {
			continue // a verdict of no run kind Reassess knows: left as it is
		}
		out = append(out, Reassessed{d, v, err})
	}
	return out, leftAlone, nil
}

// storedVerdict reads dir's verdict; none is nil without error.
func storedVerdict(dir string) (*Verdict, error) {
	v, err := ReadJSON(filepath.Join(dir, VerdictFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return v, err
}

// carried is the Assembly of what a stored verdict says that no evidence
// holds. A folder without a verdict is a run that ended before it: its
// run id is then the parent folder's name, its provider local.
func carried(dir string, s *spec.Scenario, old *Verdict) Assembly {
	a := Assembly{Scenario: s, RunID: filepath.Base(filepath.Dir(dir)), Provider: "local", Dir: dir}
	if old == nil {
		return a
	}
	a.RunID, a.Provider, a.Name = old.RunID, old.Provider, old.Scenario
	a.Overrides, a.Notes = old.Overrides, old.Notes
	switch old.Outcome {
	case OutcomeInterrupted:
		a.Interrupted = true
		if len(old.Reasons) > 1 {
			a.Invalid = old.Reasons[1:]
		}
	case OutcomeInvalid:
		a.Invalid = old.Reasons
	}
	return a
}

// reassessLedger judges the plain run whose client ledger is in dir.
func reassessLedger(dir string) (*Verdict, error) {
	old, err := storedVerdict(dir)
	if err != nil {
		return nil, err
	}
	s, err := resolvedScenario(dir, old != nil)
	if err != nil {
		return nil, err
	}
	if s.TLSCompare != nil || s.Capacity != nil && old != nil && old.Capacity != nil {
		return nil, fmt.Errorf("%s: a composite scenario's verdict beside a ledger: not a layout this version writes", dir)
	}
	a := carried(dir, s, old)
	if !exists(filepath.Join(dir, ResolvedFile)) {
		// A TLS profile's run: judged, like the runner judges it, without
		// faults, events or backends.
		a.Scenario = withoutFaults(s)
	} else {
		if a.Events, err = ReadEvents(filepath.Join(dir, EventsFile)); err != nil {
			return nil, err
		}
		if a.BackendLedgers, err = filepath.Glob(filepath.Join(dir, ledger.BackendGlob)); err != nil {
			return nil, err
		}
		if err := withSamples(&a, dir); err != nil {
			return nil, err
		}
	}
	v, err := Assemble(a)
	if err != nil {
		return nil, err
	}
	return v, WriteArtifacts(dir, v)
}

// withSamples makes a's validity checked again from the run's samples
// (which replace the stored reasons); a run stored without samples keeps
// its stored validity reasons.
func withSamples(a *Assembly, dir string) error {
	samples, err := ReadSamples(dir)
	if err != nil || samples == nil {
		return err
	}
	a.Invalid, a.Validity = nil, &Validity{Samples: samples, Bounds: DefaultBounds}
	return nil
}

// resolvedScenario loads the scenario a folder's run was judged with: its
// own scenario.resolved.yaml or, for a TLS profile's runs (withParent),
// the profile folder's.
func resolvedScenario(dir string, withParent bool) (*spec.Scenario, error) {
	p := filepath.Join(dir, ResolvedFile)
	if withParent && !exists(p) {
		p = filepath.Join(filepath.Dir(dir), ResolvedFile)
		if !exists(p) {
			return nil, fmt.Errorf("no %s here or in the parent folder", ResolvedFile)
		}
	}
	return spec.LoadFile(p)
}

// reassessComposite judges a verdict with no ledger of its own: a capacity
// search's or a TLS comparison's; nil, nil for any other.
func reassessComposite(dir string) (*Verdict, error) {
	old, err := storedVerdict(dir)
	if err != nil || old == nil || (old.TLS == nil && old.Capacity == nil && old.Composite == "") {
		return nil, err
	}
	s, err := spec.LoadFile(filepath.Join(dir, ResolvedFile))
	if err != nil {
		return nil, err
	}
	a := carried(dir, s, old)
	switch {
	case old.Composite != "":
		if a.Composite = CompositeOf(s); a.Composite == nil || a.Composite.Kind() != old.Composite {
			return nil, fmt.Errorf("verdict.json is a %s composite but %s is not", old.Composite, ResolvedFile)
		}
		a.Invalid = nil // the parts' validity, judged again, is carried up
		if a.Parts, err = storedParts(dir, s, a.Composite); err != nil {
			return nil, err
		}
	case old.Capacity != nil:
		c := *old.Capacity
		if c.Step == "" { // schema 1: the step whose ledger started with the verdict
			if c.Step, err = kneeStep(dir, old.Start); err != nil {
				return nil, err
			}
		}
		a.Capacity = &c
	default:
		if a.TLS, err = storedTLS(dir, s, old); err != nil {
			return nil, err
		}
	}
	v, err := Assemble(a)
	if err != nil {
		return nil, err
	}
	return v, WriteArtifacts(dir, v)
}

// kneeStep is the step folder (relative to dir) whose ledger started at
// start.
func kneeStep(dir string, start time.Time) (string, error) {
	metas, err := filepath.Glob(filepath.Join(dir, stepGlob, ledger.MetaFile))
	if err != nil {
		return "", err
	}
	for _, m := range metas {
		meta, err := ledger.ReadMeta(filepath.Dir(m))
		if err != nil {
			return "", err
		}
		if meta.Start.Equal(start) {
			return filepath.Base(filepath.Dir(m)), nil
		}
	}
	return "", fmt.Errorf("no step-*/ ledger started at %s, when the knee's verdict did: cannot judge it again", start.Format(time.RFC3339Nano))
}

// storedTLS reads a TLS comparison's parts back: each part's
// handshake-bound verdict (judged again just before), with the stored
// comparison and span.
func storedTLS(dir string, s *spec.Scenario, old *Verdict) (*TLSAssembly, error) {
	if s.TLSCompare == nil {
		return nil, fmt.Errorf("verdict.json has a tls section but %s no tlsCompare", ResolvedFile)
	}
	t := &TLSAssembly{Result: old.TLS, Span: old.Duration.D()}
	for _, part := range TLSParts(s.TLSCompare) {
		v, err := ReadJSON(filepath.Join(dir, part.Dir, TLSHandshakeDir, VerdictFile))
		if err != nil {
			return nil, fmt.Errorf("%s (%s), round %d: %w", part.Name, part.Profile.Name, part.Round, err)
		}
		t.Parts = append(t.Parts, TLSPartVerdict{Part: part, Verdict: v})
	}
	return t, nil
}
