package reports

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// Assembly is everything the verdict of one run is assembled from: the
// evidence on disk (ledgers, events), what no ledger holds (a TLS
// comparison's CPU measurements, a capacity search's knee), and what the
// run says about itself (overrides, notes, validity, an interrupt). The
// runner builds it from memory at the end of a run; Reassess builds the
// same from a stored run.
type Assembly struct {
	// Scenario is the scenario as run: provider overrides and --set applied.
	Scenario *spec.Scenario
	// Name is the verdict's scenario name when it is not Scenario.Name (a
	// capacity search without part of the stack: scenario-without-zone-z1).
	Name     string
	RunID    string
	Provider string
	// Dir is the run's folder: a plain run's ledgers, a capacity search's
	// steps.
	Dir string
	// BackendLedgers and Events are a plain run's; nil backends means no
	// reconciliation.
	BackendLedgers []string
	Events         []spec.Event
	Overrides      []Override
	Notes          []string
	// Invalid are the reasons the run could not do what it set out to do
	// (each with its measurement); any makes the outcome invalid.
	Invalid []string
	// Validity, when set, makes Assemble check a plain run's own validity
	// (validity.go); its failures join Invalid.
	Validity *Validity
	// Interrupted marks a partial verdict of a run the user stopped.
	Interrupted bool
	// TLS makes this the verdict of a TLS comparison; Capacity that of a
	// capacity search; Composite (with its Parts' verdicts) that of a
	// composite kind (composite.go).
	TLS       *TLSAssembly
	Capacity  *CapacityFigure
	Composite Composite
	Parts     []PartVerdict
}

// TLSAssembly is a TLS comparison's evidence: the comparison measured
// (gateway CPU, knees), the verdict of every part's handshake-bound run
// in TLSParts order, and the comparison's span (first part to its end).
type TLSAssembly struct {
	Result *TLSResult
	Parts  []TLSPartVerdict
	Span   time.Duration
}

// TLSPartVerdict is one part of a TLS comparison with the verdict of its
// handshake-bound run.
type TLSPartVerdict struct {
	Part    TLSPart
	Verdict *Verdict
}

// Assemble builds the verdict of a plain run, a TLS comparison or a
// capacity search, and decides its outcome: the one place where "passed"
// is decided. Errors are about the evidence (missing or corrupt files, an
// SLO kind it cannot judge); a failed or invalid run is a Verdict.
func Assemble(a Assembly) (*Verdict, error) {
	if a.Scenario == nil {
		return nil, errors.New("assemble: no scenario")
	}
	var v *Verdict
	var err error
	switch {
	case a.Composite != nil:
		v, err = assembleComposite(&a)
	case a.TLS != nil:
		v, err = assembleTLS(a)
	case a.Capacity != nil:
		v, err = assembleCapacity(a)
	default:
		v, err = evaluate(Input{Scenario: a.Scenario, RunID: a.RunID, LedgerDir: a.Dir,
			BackendLedgers: a.BackendLedgers, Events: a.Events, Provider: a.Provider})
	}
	if err != nil {
		return nil, err
	}
	v.SchemaVersion, v.RunID, v.Provider = SchemaVersion, a.RunID, a.Provider
	v.Scenario = cmp.Or(a.Name, a.Scenario.Name)
	v.Expect = cmp.Or(a.Scenario.Expect, spec.ExpectPass)
	v.Overrides, v.Notes = a.Overrides, a.Notes
	if a.Validity != nil && a.TLS == nil && a.Capacity == nil && a.Composite == nil {
		reasons, err := invalidReasons(a, v)
		if err != nil {
			return nil, fmt.Errorf("validity: %w", err)
		}
		a.Invalid = append(slices.Clone(a.Invalid), reasons...)
		v.Conditions = a.Validity.Samples
	}
	decide(v, a)
	return v, nil
}

// decide sets the outcome: interrupted, then invalid, then the SLOs — at
// least one SLO, and every one passed.
func decide(v *Verdict, a Assembly) {
	v.Reasons = nil
	switch {
	case a.Interrupted:
		v.Outcome = OutcomeInterrupted
		v.Reasons = append([]string{"interrupted by the user: the verdict covers what was measured until then"}, a.Invalid...)
	case len(a.Invalid) > 0:
		v.Outcome = OutcomeInvalid
		v.Reasons = slices.Clone(a.Invalid)
	default:
		v.Outcome = OutcomeFailed
		if len(v.SLOs) > 0 && !slices.ContainsFunc(v.SLOs, func(s SLOResult) bool { return !s.Passed }) {
			v.Outcome = OutcomePassed
		}
	}
	v.Passed = v.Outcome == OutcomePassed
}

// assembleTLS builds a TLS comparison's verdict: its requests, latency and
// timeline are the first part's (the summary says so), its SLOs the
// tlsSpeedup SLOs judged from the comparison, then every part's SLOs
// labelled with the part.
func assembleTLS(a Assembly) (*Verdict, error) {
	t := a.TLS
	if t.Result == nil || len(t.Parts) == 0 || t.Parts[0].Verdict == nil {
		return nil, errors.New("assemble: a TLS comparison without its measurements or parts")
	}
	v := *t.Parts[0].Verdict
	v.Duration = Duration(t.Span)
	v.TLS, v.Capacity = t.Result, nil
	low := LowestSpeedup(t.Result)
	v.TLSSpeedup = &low
	v.SLOs = nil
	for _, o := range a.Scenario.SLOs {
		if o.Kind == spec.SLOTLSSpeedup {
			v.SLOs = append(v.SLOs, JudgeTLSSpeedup(o, t.Result)...)
		}
	}
	for _, p := range t.Parts {
		v.SLOs = append(v.SLOs, TLSRunSLOs(p.Part.Name, p.Part.Round, p.Part.Profile.Name, p.Verdict)...)
	}
	return &v, nil
}

// assembleCapacity builds a capacity search's verdict: the verdict of the
// step at the knee (judged, like every step, without the scenario's
// faults, events or backend ledgers), with the search's headline.
func assembleCapacity(a Assembly) (*Verdict, error) {
	c := a.Capacity
	if c.Step == "" {
		return nil, errors.New("assemble: a capacity search without its knee's step")
	}
	v, err := evaluate(Input{Scenario: withoutFaults(a.Scenario), RunID: a.RunID, LedgerDir: filepath.Join(a.Dir, c.Step), Provider: a.Provider})
	if err != nil {
		return nil, fmt.Errorf("capacity step %s: %w", c.Step, err)
	}
	v.Capacity = c
	return v, nil
}

// withoutFaults is s without its fault timeline: what a step of a search
// or a TLS profile's run is judged with.
func withoutFaults(s *spec.Scenario) *spec.Scenario {
	sc := *s
	sc.Faults = nil
	return &sc
}

// JudgeRun assembles a plain run without faults, events or backends: a
// capacity step or a TLS profile's run, which its composite reads.
func JudgeRun(s *spec.Scenario, runID, provider, dir string) (*Verdict, error) {
	return Assemble(Assembly{Scenario: withoutFaults(s), RunID: runID, Provider: provider, Dir: dir})
}
