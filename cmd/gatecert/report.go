package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/gatecert/gatecert/loadgen/ledger"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/scenarios/spec"
)

func cmdReport(args []string) int {
	fset := flag.NewFlagSet("report", flag.ContinueOnError)
	evaluate := fset.Bool("evaluate", false, "judge again from the stored ledgers, events and scenario.resolved.yaml (rewrites verdict.json)")
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), "Usage: gatecert report [flags] DIR ...\n\nRe-renders summary.md, junit.xml and report.html of every verdict.json under each DIR.")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		return exitBadInput
	}
	if fset.NArg() == 0 {
		fset.Usage()
		return exitBadInput
	}
	find := verdictDirs
	if *evaluate {
		find = ledgerDirs
	}
	dirs, err := find(fset.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatecert report:", err)
		return exitBadInput
	}
	code := exitPass
	for _, d := range dirs {
		v, err := rerender(d, *evaluate)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gatecert report: %s: %v\n", d, err)
			code = exitBadInput
			continue
		}
		fmt.Printf("%s\n      %s\n", reports.FormatLine(v), filepath.Join(d, runner.ReportFile))
	}
	return code
}

// verdictDirs returns every folder under roots that holds a verdict.json,
// sorted.
func verdictDirs(roots []string) ([]string, error) { return dirsWith(roots, runner.VerdictFile) }

// ledgerDirs returns every folder under roots that holds a client ledger,
// sorted: what report -evaluate can judge, with or without a verdict.
func ledgerDirs(roots []string) ([]string, error) { return dirsWith(roots, ledger.MetaFile) }

func dirsWith(roots []string, file string) ([]string, error) {
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
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s under %v", file, roots)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// rerender renders dir's verdict again, after judging it again when
// evaluate is set.
func rerender(dir string, evaluate bool) (*reports.Verdict, error) {
	v, err := reports.ReadJSON(filepath.Join(dir, runner.VerdictFile))
	switch {
	case !evaluate && err != nil:
		return nil, err
	case !evaluate:
		return v, runner.WriteRendered(dir, v)
	case errors.Is(err, fs.ErrNotExist):
		// A run that ended before its verdict: the run id is the parent
		// folder's name (artifacts/<run-id>/<scenario>).
		v = &reports.Verdict{RunID: filepath.Base(filepath.Dir(dir)), Provider: "local"}
	case err != nil:
		return nil, err
	}
	s, err := spec.LoadFile(filepath.Join(dir, "scenario.resolved.yaml"))
	if err != nil {
		return nil, err
	}
	events, err := readEvents(filepath.Join(dir, "events.jsonl"))
	if err != nil {
		return nil, err
	}
	backends, err := filepath.Glob(filepath.Join(dir, ledger.BackendGlob))
	if err != nil {
		return nil, err
	}
	nv, err := reports.Evaluate(reports.Input{Scenario: s, RunID: v.RunID, LedgerDir: dir,
		BackendLedgers: backends, Events: events, Provider: v.Provider})
	if err != nil {
		return nil, err
	}
	nv.Overrides = v.Overrides
	return nv, runner.WriteArtifacts(dir, nv)
}

func readEvents(path string) ([]spec.Event, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []spec.Event
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var e spec.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}
