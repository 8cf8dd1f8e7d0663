package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// judgeComposite judges again a verdict that has no ledger of its own (see
// evaluateRuns): a capacity search's or a tlsCompare scenario's.
func judgeComposite(dir string) (*reports.Verdict, error) {
	old, err := reports.ReadJSON(filepath.Join(dir, runner.VerdictFile))
	if err != nil {
		return nil, err
	}
	s, err := spec.LoadFile(filepath.Join(dir, resolvedFile))
	if err != nil {
		return nil, err
	}
	var v *reports.Verdict
	if old.Capacity != nil {
		v, err = judgeKnee(dir, s, old)
	} else {
		v, err = judgeTLS(dir, s, old)
	}
	if err != nil {
		return nil, err
	}
	return v, runner.WriteArtifacts(dir, v)
}

// judgeKnee judges a capacity search's verdict again. It is the verdict of
// the step at the knee — the step whose ledger started when the verdict
// did — judged, like every step, without the scenario's faults, events or
// backend ledgers (scenarios/runner); the knee itself is carried over, as
// finding it again would mean running the search again.
func judgeKnee(dir string, s *spec.Scenario, old *reports.Verdict) (*reports.Verdict, error) {
	step, err := kneeStep(dir, old.Start)
	if err != nil {
		return nil, err
	}
	sc := *s
	sc.Faults = nil
	return judge(reports.Input{Scenario: &sc, RunID: old.RunID, LedgerDir: step, Provider: old.Provider}, old)
}

// kneeStep is the step folder of dir whose ledger started at start.
func kneeStep(dir string, start time.Time) (string, error) {
	metas, err := filepath.Glob(filepath.Join(dir, "step-*", ledger.MetaFile))
	if err != nil {
		return "", err
	}
	for _, m := range metas {
		meta, err := ledger.ReadMeta(filepath.Dir(m))
		if err != nil {
			return "", err
		}
		if meta.Start.Equal(start) {
			return filepath.Dir(m), nil
		}
	}
	return "", fmt.Errorf("no step-*/ ledger started at %s, when the knee's verdict did: cannot judge it again", start.Format(time.RFC3339Nano))
}

// judgeTLS judges a tlsCompare scenario's verdict again, assembled as the
// runner assembles it: the tlsSpeedup SLOs judged from the carried-over
// tls section, then the SLOs of every profile's handshake-bound run in
// every round, read from the run's folder (judged again just before:
// pairN-side/handshake, pairN-side/round-R/handshake); requests, latency
// and timeline are the first pair's baseline run's.
func judgeTLS(dir string, s *spec.Scenario, old *reports.Verdict) (*reports.Verdict, error) {
	c := s.TLSCompare
	if c == nil {
		return nil, fmt.Errorf("verdict.json has a tls section but %s no tlsCompare", resolvedFile)
	}
	var first *reports.Verdict
	var runs []reports.SLOResult
	for _, part := range runner.TLSParts(c) {
		v, err := reports.ReadJSON(filepath.Join(dir, part.Dir, runner.TLSHandshakeDir, runner.VerdictFile))
		if err != nil {
			return nil, fmt.Errorf("%s (%s), round %d: %w", part.Name, part.Profile.Name, part.Round, err)
		}
		if first == nil {
			first = v
		}
		runs = append(runs, reports.TLSRunSLOs(part.Name, part.Round, part.Profile.Name, v)...)
	}
	if first == nil {
		return nil, fmt.Errorf("%s: tlsCompare has no pairs", resolvedFile)
	}
	v := *first
	// The comparison's span is the runner's (first profile run to its
	// end), which no part holds.
	v.Scenario, v.Expect, v.RunID, v.Provider, v.Overrides, v.Duration = old.Scenario, old.Expect, old.RunID, old.Provider, old.Overrides, old.Duration
	v.TLS, v.TLSSpeedup, v.Capacity = old.TLS, old.TLSSpeedup, nil
	v.SLOs = append(judgeSpeedups(s, old.TLS), runs...)
	v.Passed = allPassed(v.SLOs)
	return &v, nil
}
