package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// faultAt1s is a scenario whose one fault is injected at +1s.
func faultAt1s() (*spec.Scenario, []spec.Event) {
	sc := scenario(zeroLoss)
	sc.Faults = []spec.Fault{{Name: "pod-kill", Kind: spec.FaultPodKill, At: spec.Duration(time.Second)}}
	return sc, []spec.Event{
		event("pod-kill", spec.FaultPodKill, spec.StepInject, time.Second),
		event("pod-kill", spec.FaultPodKill, spec.StepRevert, 2*time.Second),
	}
}

// lagged is 300 requests, one every 10ms, sent lag late before +1s and
// after late from +1s.
func lagged(before, after time.Duration) []ledger.Record {
	recs := steady(300, 10*time.Millisecond)
	for i := range recs {
		recs[i].SendLag = before
		if recs[i].Intended >= time.Second {
			recs[i].SendLag = after
		}
	}
	return recs
}

// judgeValidity assembles r with validity checks at bounds.
func judgeValidity(t *testing.T, r run, s *Samples, b Bounds) *Verdict {
	t.Helper()
	sc, events := faultAt1s()
	in := r.input(t, sc, events...)
	v, err := Assemble(Assembly{Scenario: sc, RunID: "r1", Provider: "local", Dir: in.LedgerDir,
		BackendLedgers: in.BackendLedgers, Events: in.Events, Validity: &Validity{Samples: s, Bounds: b}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func wantInvalid(t *testing.T, v *Verdict, reason string) {
	t.Helper()
	if v.Outcome != OutcomeInvalid || v.Passed || v.Outcome.ExitCode() != ExitUnjudged {
		t.Fatalf("outcome %s (passed %v), want invalid (exit 3); reasons %q", v.Outcome, v.Passed, v.Reasons)
	}
	if len(v.Reasons) != 1 || !strings.Contains(v.Reasons[0], reason) {
		t.Errorf("reasons %q, want one saying %q", v.Reasons, reason)
	}
	if !strings.HasPrefix(FormatLine(v), "INVALID ") {
		t.Errorf("line %q does not start with INVALID", FormatLine(v))
	}
}

// The client behind its schedule before the first fault makes the run
// invalid, however its SLOs came out; lag after the fault is the fault's
// doing (workers waiting on a dead node), not the client's.
func TestValidityClientLag(t *testing.T) {
	tight := Bounds{ClientLag: time.Millisecond, Steal: 1, Busy: 1}
	v := judgeValidity(t, run{recs: lagged(500*time.Microsecond, 80*time.Millisecond)}, nil, tight)
	if v.Outcome != OutcomePassed {
		t.Errorf("lag after the fault only: %s %q, want passed", v.Outcome, v.Reasons)
	}
	v = judgeValidity(t, run{recs: lagged(3*time.Millisecond, 0)}, nil, tight)
	wantInvalid(t, v, "client behind schedule before the first fault: send-lag p90 3ms over 100 requests > 1ms")
	// An invalid run whose SLO also failed is still invalid: the SLOs are
	// shown, the stack is not blamed.
	recs := lagged(3*time.Millisecond, 0)
	fail(recs, ledger.ClassReset, 150)
	v = judgeValidity(t, run{recs: recs}, nil, tight)
	wantInvalid(t, v, "client behind schedule")
	if v.SLOs[0].Passed {
		t.Error("zeroLoss should still show its failure")
	}
}

// A latency SLO tightens the client's lag bound to half its bound.
func TestClientLagBound(t *testing.T) {
	s := scenario(zeroLoss)
	if b := clientLagBound(s, DefaultBounds.ClientLag); b != 50*time.Millisecond {
		t.Errorf("no latency SLO: %s, want the default 50ms", b)
	}
	s.SLOs = append(s.SLOs, spec.SLO{Kind: spec.SLOLatency, Quantile: 0.99, Max: spec.Duration(50 * time.Millisecond)})
	if b := clientLagBound(s, DefaultBounds.ClientLag); b != 25*time.Millisecond {
		t.Errorf("latency p99 <= 50ms: %s, want 25ms", b)
	}
}

func TestValidityMachineAndLB(t *testing.T) {
	ok := run{recs: lagged(0, 0)}
	busy := &Samples{Machine: &MachineLoad{Cores: 2, Duration: Duration(45 * time.Second), Busy: 0.99, Steal: 0.01, LoadAvg: 7}}
	wantInvalid(t, judgeValidity(t, ok, busy, DefaultBounds), "machine saturated: CPU 99.0% busy on 2 cores over 45s > 98%")
	stolen := &Samples{Machine: &MachineLoad{Cores: 2, Duration: Duration(45 * time.Second), Busy: 0.5, Steal: 0.2}}
	wantInvalid(t, judgeValidity(t, ok, stolen, DefaultBounds), "machine: CPU steal 20.0% of 2 cores over 45s > 10%")
	atLimit := &Samples{LBs: []LBLoad{{LB: "lb1", Peak: 4000, Limit: 4000, Samples: 45, AtLimits: 3}, {LB: "lb2", Peak: 80, Limit: 4000, Samples: 45}}}
	wantInvalid(t, judgeValidity(t, ok, atLimit, DefaultBounds), "lb1 at its connection limit: frontend peak 4000 of 4000 in 3 of 45 samples")
	fine := &Samples{Machine: &MachineLoad{Cores: 2, Busy: 0.6, Steal: 0.02}, LBs: []LBLoad{{LB: "lb1", Peak: 90, Limit: 4000, Samples: 45}}}
	if v := judgeValidity(t, ok, fine, DefaultBounds); v.Outcome != OutcomePassed {
		t.Errorf("within every bound: %s %q", v.Outcome, v.Reasons)
	}
}

func TestValidityMissingEvidence(t *testing.T) {
	m := testMeta()
	m.Backends = append(m.Backends, "z3n1-be0")
	r := run{recs: lagged(0, 0), backends: [][]uint32{seqs(0, 150), seqs(150, 300)}, meta: &m}
	wantInvalid(t, judgeValidity(t, r, nil, DefaultBounds), "backend ledgers missing: 2 of 3 backends left one")
}

// A client ledger with fewer readable records than the writer counted is
// torn evidence: invalid, not judged on what is left.
func TestValidityTornLedger(t *testing.T) {
	sc, events := faultAt1s()
	in := run{recs: lagged(0, 0)}.input(t, sc, events...)
	m := testMeta()
	m.Records = 400 // the writer counted 400; 300 are readable
	if err := ledger.WriteMeta(in.LedgerDir, m); err != nil {
		t.Fatal(err)
	}
	v, err := Assemble(Assembly{Scenario: sc, Dir: in.LedgerDir, Events: events, Validity: &Validity{Bounds: DefaultBounds}})
	if err != nil {
		t.Fatal(err)
	}
	wantInvalid(t, v, "client ledger torn: 300 of 400 records readable")
}
