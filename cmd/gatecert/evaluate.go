package main

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// evaluateRuns is `gatecert report -evaluate`: every run under roots is
// judged again from its stored evidence and its artifacts rewritten.
// Verdicts live in three kinds of folders:
//
//   - a run's folder: client ledger, backend ledgers, events.jsonl and
//     scenario.resolved.yaml; judged again by reports.Evaluate;
//   - one run of a TLS profile (pairN-side[/round-R]/handshake or
//     keepalive): a client ledger and a verdict, the profile's scenario in
//     the parent folder;
//   - a verdict with no ledger of its own: a tlsCompare scenario's (tls
//     section) or a capacity search's (capacity section). Their gateway
//     CPU figures and knees come from measurements no ledger holds, so
//     those sections are carried over; what ledgers do hold is judged
//     again — tlsSpeedup from the tls section, each profile run's SLOs
//     from its folder, a capacity verdict from its knee step's ledger.
//
// These are judged after the ledger folders, so they take up the new
// judgements of their parts. Ledger folders with neither a verdict nor a
// scenario of their own (capacity steps, warm-ups) are evidence of their
// search and left alone.
func evaluateRuns(roots []string) int {
	leaves, err := ledgerDirs(roots)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatecert report:", err)
		return exitBadInput
	}
	composites, err := compositeDirs(roots)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatecert report:", err)
		return exitBadInput
	}
	code, skipped := exitPass, 0
	for _, d := range leaves {
		if !exists(filepath.Join(d, runner.VerdictFile)) && !exists(filepath.Join(d, resolvedFile)) {
			skipped++
			continue
		}
		v, err := judgeLedger(d)
		if !reportLine(d, v, err) {
			code = exitBadInput
		}
	}
	for _, d := range composites {
		v, err := judgeComposite(d)
		if !reportLine(d, v, err) {
			code = exitBadInput
		}
	}
	if skipped > 0 {
		fmt.Printf("%d ledger folder(s) without a verdict or scenario of their own (capacity steps, warm-ups) left alone\n", skipped)
	}
	return code
}

const resolvedFile = "scenario.resolved.yaml"

// compositeDirs are the folders under roots whose verdict has a tls or
// capacity section and no client ledger beside it.
func compositeDirs(roots []string) ([]string, error) {
	dirs, err := findDirs(roots, runner.VerdictFile)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range dirs {
		if exists(filepath.Join(d, ledger.MetaFile)) {
			continue
		}
		v, err := reports.ReadJSON(filepath.Join(d, runner.VerdictFile))
		if err != nil {
			return nil, err
		}
		if v.TLS != nil || v.Capacity != nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// judgeLedger judges the run whose client ledger is in dir again. A
// folder without a verdict is a run that ended before it: the run id is
// then the parent folder's name (artifacts/<run-id>/<scenario>).
func judgeLedger(dir string) (*reports.Verdict, error) {
	old, err := reports.ReadJSON(filepath.Join(dir, runner.VerdictFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		old = nil
	case err != nil:
		return nil, err
	}
	s, err := resolvedScenario(dir, old != nil)
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
	in := reports.Input{Scenario: s, RunID: filepath.Base(filepath.Dir(dir)), Provider: "local",
		LedgerDir: dir, BackendLedgers: backends, Events: events}
	if old != nil {
		in.RunID, in.Provider = old.RunID, old.Provider
	}
	v, err := judge(in, old)
	if err != nil {
		return nil, err
	}
	return v, runner.WriteArtifacts(dir, v)
}

// resolvedScenario loads the scenario a folder's run was judged with: its
// own scenario.resolved.yaml or, for a TLS profile's runs (withParent),
// the profile folder's.
func resolvedScenario(dir string, withParent bool) (*spec.Scenario, error) {
	p := filepath.Join(dir, resolvedFile)
	if withParent && !exists(p) {
		p = filepath.Join(filepath.Dir(dir), resolvedFile)
		if !exists(p) {
			return nil, fmt.Errorf("no %s here or in the parent folder", resolvedFile)
		}
	}
	return spec.LoadFile(p)
}

// judge evaluates in and carries over from old what no ledger holds: the
// --set overrides, the scenario's name as the run recorded it (a capacity
// search's carries what it ran without), and the tls and capacity
// sections. The tlsSpeedup SLOs are judged again from the tls section;
// without one they cannot be judged, which is an error, not a pass.
func judge(in reports.Input, old *reports.Verdict) (*reports.Verdict, error) {
	s := in.Scenario
	var tr *reports.TLSResult
	if old != nil {
		tr = old.TLS
	}
	if slices.ContainsFunc(s.SLOs, isTLSSpeedup) {
		if tr == nil {
			return nil, fmt.Errorf("%s: tlsSpeedup is judged from verdict.json's tls section (gateway CPU measurements, in no ledger), which this folder lacks", in.LedgerDir)
		}
		sc := *s
		sc.SLOs = slices.DeleteFunc(slices.Clone(s.SLOs), isTLSSpeedup)
		in.Scenario = &sc
	}
	v, err := reports.Evaluate(in)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return v, nil
	}
	v.Scenario, v.Overrides = cmp.Or(old.Scenario, v.Scenario), old.Overrides
	v.TLS, v.TLSSpeedup, v.Capacity = old.TLS, old.TLSSpeedup, old.Capacity
	if tr != nil {
		v.SLOs = append(judgeSpeedups(s, tr), v.SLOs...)
		v.Passed = allPassed(v.SLOs)
	}
	return v, nil
}

func isTLSSpeedup(o spec.SLO) bool { return o.Kind == spec.SLOTLSSpeedup }

// judgeSpeedups judges s's tlsSpeedup SLOs against a tls section.
func judgeSpeedups(s *spec.Scenario, tr *reports.TLSResult) []reports.SLOResult {
	var out []reports.SLOResult
	for _, o := range s.SLOs {
		if isTLSSpeedup(o) {
			out = append(out, reports.JudgeTLSSpeedup(o, tr)...)
		}
	}
	return out
}

// allPassed is a verdict's Passed: at least one SLO, every one passed.
func allPassed(slos []reports.SLOResult) bool {
	for _, o := range slos {
		if !o.Passed {
			return false
		}
	}
	return len(slos) > 0
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
