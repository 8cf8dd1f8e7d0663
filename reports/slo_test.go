package reports

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// chaosRun is a 10 s run at 100 req/s (seq i intended at i×10ms) over three
// zones of one gateway each and two LBs, with two faults and known gaps:
//
//	zone   zone-outage of z1, inject 2s, revert 5s: the z1 requests intended
//	       2.00s–2.30s fail (10 × connect-refused, seqs 201..228 step 3);
//	       from then on z1's share goes to z2 and z3.
//	lb     lb-kill of lb2, inject 7s, revert 8s: the lb2 requests intended
//	       7.00s–7.10s fail (5 × eof, seqs 701..709 odd), one straggler
//	       fails at 7.50s (seq 750, reset), and seq 761 is still served
//	       through lb2 at 7.61s.
//
// Seqs 900..905 take 50ms; everything else 2ms. Backends received every
// successful request and the failed seq 201 (a failure after the backend).
func chaosRun(t *testing.T) (run, *spec.Scenario, []spec.Event) {
	meta := ledger.Meta{Version: 1, Start: t0, Rate: 100, LBs: []string{"lb1", "lb2"},
		Gateways: []string{"z1n1-gw0", "z2n1-gw0", "z3n1-gw0"},
		Backends: []string{"z1n1-be0", "z2n1-be0", "z3n1-be0"},
		Zones:    map[string]string{"z1n1-gw0": "z1", "z2n1-gw0": "z2", "z3n1-gw0": "z3", "z1n1-be0": "z1", "z2n1-be0": "z2", "z3n1-be0": "z3"}}
	recs := make([]ledger.Record, 1000)
	var backend []uint32
	for i := range recs {
		gw := uint8(i % 3)
		lb := uint8(i % 2)
		at := time.Duration(i) * 10 * time.Millisecond
		if gw == 0 && at > 2300*time.Millisecond && at < 5*time.Second {
			gw = 1 + uint8(i/3%2) // z1 is out: z2 and z3 take turns
		}
		if lb == 1 && at > 7100*time.Millisecond && at < 8*time.Second && i != 761 {
			lb = 0
		}
		r := ledger.Record{Seq: uint32(i), Intended: at, Latency: 2 * time.Millisecond, Status: 200, LB: lb, Gateway: gw, Backend: gw}
		switch {
		case gw == 0 && at >= 2*time.Second && at <= 2300*time.Millisecond:
			r.Class, r.Status, r.Gateway, r.Backend = ledger.ClassConnectRefused, 0, ledger.NoName, ledger.NoName
		case lb == 1 && at >= 7*time.Second && at <= 7100*time.Millisecond:
			r.Class, r.Status = ledger.ClassEOF, 0
		case i == 750:
			r.Class, r.Status = ledger.ClassReset, 0
		case i >= 900 && i <= 905:
			r.Latency = 50 * time.Millisecond
		}
		if r.OK() || i == 201 {
			backend = append(backend, r.Seq)
		}
		recs[i] = r
	}
	sc := &spec.Scenario{
		Name:  "chaos",
		Stack: spec.StackProfile{Zones: 3, NodesPerZone: 1, GatewaysPerNode: 1, LoadBalancers: 2},
		Load:  spec.Load{Rate: 100, Duration: spec.Duration(10 * time.Second)},
		Faults: []spec.Fault{
			{Name: "zone", Kind: spec.FaultZoneOutage, At: spec.Duration(2 * time.Second), Zone: "z1"},
			{Name: "lb", Kind: spec.FaultLBKill, At: spec.Duration(7 * time.Second), LB: "lb2"},
		},
		SLOs: []spec.SLO{
			{Kind: spec.SLOMaxFailover, Max: spec.Duration(500 * time.Millisecond), Steady: spec.Duration(time.Second)},
			{Kind: spec.SLOZeroLoss, Window: spec.WindowBefore, Fault: "zone"},
			{Kind: spec.SLOAvailability, Min: 0.97, Window: spec.WindowDuring, Fault: "zone", Settle: spec.Duration(time.Second)},
			{Kind: spec.SLOLatency, Quantile: 0.99, Max: spec.Duration(20 * time.Millisecond), Window: spec.WindowAfter, Fault: "lb"},
			{Kind: spec.SLOLatency, Quantile: 0.5, Max: spec.Duration(20 * time.Millisecond), Window: spec.WindowRun},
			{Kind: spec.SLOThroughput, Min: 0.95, Window: spec.WindowRun},
			{Kind: spec.SLOServedBy, Grace: spec.Duration(500 * time.Millisecond), Tolerance: 0.1},
			{Kind: spec.SLOErrorBudget},
			{Kind: spec.SLOErrorBudget, Fault: "lb", Budget: 6},
			{Kind: spec.SLOReconciliation},
		},
	}
	events := []spec.Event{
		{Time: t0.Add(2 * time.Second), Fault: "zone", Kind: spec.FaultZoneOutage, Step: spec.StepInject, Target: "z1"},
		{Time: t0.Add(5 * time.Second), Fault: "zone", Kind: spec.FaultZoneOutage, Step: spec.StepRevert, Target: "z1"},
		{Time: t0.Add(7 * time.Second), Fault: "lb", Kind: spec.FaultLBKill, Step: spec.StepInject, Target: "lb2"},
		{Time: t0.Add(8 * time.Second), Fault: "lb", Kind: spec.FaultLBKill, Step: spec.StepRevert, Target: "lb2"},
	}
	return run{recs: recs, backends: [][]uint32{backend}, meta: &meta}, sc, events
}

func TestChaosVerdict(t *testing.T) {
	r, sc, events := chaosRun(t)
	v := r.evaluate(t, sc, events...)

	// Failover, measured exactly from the synthetic gaps.
	want := map[string]struct {
		last, steady time.Duration
		failed       int64
	}{
		"zone": {280 * time.Millisecond, 290 * time.Millisecond, 10},
		"lb":   {500 * time.Millisecond, 510 * time.Millisecond, 6},
	}
	for _, f := range v.Faults {
		w := want[f.Name]
		if f.Failover == nil || f.Failover.Steady == nil {
			t.Fatalf("fault %s: failover %+v", f.Name, f.Failover)
		}
		if f.Failover.LastFailure.D() != w.last || f.Failover.Steady.D() != w.steady || f.Failover.Failed != w.failed {
			t.Errorf("fault %s: failover last %s steady %s failed %d, want %s %s %d", f.Name,
				f.Failover.LastFailure, f.Failover.Steady, f.Failover.Failed, w.last, w.steady, w.failed)
		}
	}

	type row struct {
		kind, window, fault string
		passed              bool
		from                time.Duration
		to                  time.Duration // -1: end of run
		first, last         int64         // offending seqs, -1: none
	}
	rows := []row{
		{spec.SLOMaxFailover, "failover", "zone", true, 2 * time.Second, 7*time.Second - 1, -1, -1},
		{spec.SLOMaxFailover, "failover", "lb", false, 7 * time.Second, -1, 701, 750},
		{spec.SLOZeroLoss, "before", "zone", true, 0, 2*time.Second - 1, -1, -1},
		{spec.SLOAvailability, "during", "zone", true, 2 * time.Second, 6 * time.Second, -1, -1},
		{spec.SLOLatency, "after", "lb", false, 8*time.Second + 1, -1, 900, 905},
		{spec.SLOLatency, "run", "", true, 0, -1, -1, -1},
		{spec.SLOThroughput, "run", "", false, 0, -1, 201, 750},
		{spec.SLOServedBy, "after loss", "zone", true, 2500 * time.Millisecond, 5 * time.Second, -1, -1},
		{spec.SLOServedBy, "after loss", "lb", false, 7500 * time.Millisecond, 8 * time.Second, 761, 761},
		{spec.SLOErrorBudget, "during", "zone", false, 2 * time.Second, 5 * time.Second, 201, 228},
		{spec.SLOErrorBudget, "during", "lb", false, 7 * time.Second, 8 * time.Second, 701, 750},
		{spec.SLOErrorBudget, "during", "lb", true, 7 * time.Second, 8 * time.Second, -1, -1},
		{spec.SLOReconciliation, "run", "", false, 0, -1, -1, -1},
	}
	if len(v.SLOs) != len(rows) {
		t.Fatalf("%d SLO results, want %d", len(v.SLOs), len(rows))
	}
	for i, w := range rows {
		g := v.SLOs[i]
		to := time.Duration(-1)
		if g.To != nil {
			to = g.To.D()
		}
		first, last := int64(-1), int64(-1)
		if g.FirstFailure != nil {
			first, last = int64(g.FirstFailure.Seq), int64(g.LastFailure.Seq)
		}
		if g.Kind != w.kind || g.Window != w.window || g.Fault != w.fault || g.Passed != w.passed ||
			g.From.D() != w.from || to != w.to || first != w.first || last != w.last {
			t.Errorf("slos[%d] = %s %s %s passed=%v [%s, %s] offenders %d..%d (%s)\nwant  %s %s %s passed=%v [%s, %s] offenders %d..%d",
				i, g.Kind, g.Window, g.Fault, g.Passed, g.From, to, first, last, g.Measured,
				w.kind, w.window, w.fault, w.passed, w.from, w.to, w.first, w.last)
		}
	}

	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		Faults []FaultWindow `json:"faults"`
		SLOs   []SLOResult   `json:"slos"`
	}{v.Faults, v.SLOs}); err != nil {
		t.Fatal(err)
	}
	golden(t, "chaos.slos.json.golden", b.Bytes())
	var md bytes.Buffer
	if err := WriteSummary(&md, v); err != nil {
		t.Fatal(err)
	}
	golden(t, "chaos.summary.md.golden", md.Bytes())
}

func TestFailoverNeverSteady(t *testing.T) {
	// Failures every 500ms until the end: success never holds for 1s.
	recs := steady(300, 10*time.Millisecond)
	fail(recs, ledger.ClassEOF, 100, 150, 200, 250, 290)
	sc := scenario(spec.SLO{Kind: spec.SLOMaxFailover, Max: spec.Duration(5 * time.Second), Steady: spec.Duration(time.Second)})
	sc.Faults = []spec.Fault{{Name: "f", Kind: spec.FaultPodTerminate, At: spec.Duration(time.Second)}}
	v := run{recs: recs}.evaluate(t, sc, event("f", spec.FaultPodTerminate, spec.StepInject, time.Second))
	s := v.SLOs[0]
	if s.Passed || s.Measured != "no steady success before the end of the run (last failure +1.9s after inject, 5 failed)" {
		t.Errorf("got %+v", s)
	}
	if s.FirstFailure.Seq != 100 || s.LastFailure.Seq != 290 || s.ActiveFault != "f" {
		t.Errorf("offenders %+v %+v %q", s.FirstFailure, s.LastFailure, s.ActiveFault)
	}
}

func TestFaultNotInjectedFails(t *testing.T) {
	sc := scenario(spec.SLO{Kind: spec.SLOZeroLoss, Window: spec.WindowAfter})
	sc.Faults = []spec.Fault{{Name: "f", Kind: spec.FaultPodTerminate, At: spec.Duration(time.Second)}}
	v := run{recs: steady(100, 10*time.Millisecond)}.evaluate(t, sc)
	if s := v.SLOs[0]; s.Passed || s.Measured != "fault f was not injected" || s.Fault != "f" {
		t.Errorf("got %+v", s)
	}
}

func TestLossBudget(t *testing.T) {
	s := &spec.Scenario{Stack: spec.StackProfile{Zones: 3, NodesPerZone: 2, GatewaysPerNode: 1, LoadBalancers: 2},
		Load: spec.Load{Rate: 1000, BackendDelay: spec.Duration(20 * time.Millisecond)}}
	for _, tt := range []struct {
		f    spec.Fault
		want int64
	}{
		{spec.Fault{Kind: spec.FaultRollingRestart}, 0},
		{spec.Fault{Kind: spec.FaultPodKill, Target: "z1n1-gw0"}, 4}, // 1000 × 22ms / 6 = 3.67
		{spec.Fault{Kind: spec.FaultNodeKill, Node: "z1n1"}, 4},      // one replica per node
		{spec.Fault{Kind: spec.FaultZoneOutage, Zone: "z2"}, 8},      // 22 / 3 = 7.33
		{spec.Fault{Kind: spec.FaultLBKill, LB: "lb1"}, 11},          // 22 / 2
		{spec.Fault{Kind: spec.FaultPodKill, Target: spec.TargetAll}, 22},
	} {
		if got, why := LossBudget(s, tt.f); got != tt.want {
			t.Errorf("LossBudget(%+v) = %d (%s), want %d", tt.f, got, why, tt.want)
		}
	}
}

func TestServedByBalanceOnly(t *testing.T) {
	// No fault: servedBy with a tolerance judges the spread over the run.
	recs := steady(100, 10*time.Millisecond) // round robin over z1 and z2
	v := run{recs: recs}.evaluate(t, scenario(spec.SLO{Kind: spec.SLOServedBy, Tolerance: 0.05}))
	if s := v.SLOs[0]; !s.Passed || s.Window != "run" || s.Measured != "largest deviation 0%" {
		t.Errorf("got %+v", s)
	}
}

// servedBy judges up to the restore step (the end of the hold), not the
// revert (the end of the undo): a restored zone may serve again while the
// undo is still waiting for the LBs to mark it up. Before the restore,
// serving from the lost zone is a failure.
func TestServedByEndsAtRestore(t *testing.T) {
	recs := steady(300, 10*time.Millisecond) // 3s, round robin over z1 and z2
	for i := range recs {
		if at := recs[i].Intended; at >= time.Second && at < 2*time.Second && recs[i].Gateway == 0 {
			recs[i].Gateway, recs[i].Backend = 1, 1 // z1 is out: z2 serves
		}
	}
	sc := &spec.Scenario{Name: "zone", Expect: "pass",
		Faults: []spec.Fault{{Name: "zone-outage", Kind: spec.FaultZoneOutage, Zone: "z1"}},
		SLOs:   []spec.SLO{{Kind: spec.SLOServedBy}}}
	zoneEvent := func(step string, at time.Duration) spec.Event {
		e := event("zone-outage", spec.FaultZoneOutage, step, at)
		e.Target = "z1"
		return e
	}
	inject, restore := zoneEvent(spec.StepInject, time.Second), zoneEvent(spec.StepRestore, 2*time.Second)
	// z1 serves again from 2s; the undo completes (revert) at 2.5s.
	v := run{recs: recs}.evaluate(t, sc, inject, restore, zoneEvent(spec.StepRevert, 2500*time.Millisecond))
	if s := v.SLOs[0]; !s.Passed {
		t.Errorf("served after the restore counted as a failure: %+v", s)
	}
	// Without the restore step the window runs to the revert and the
	// requests z1 served between 2s and 2.5s count against it.
	v = run{recs: recs}.evaluate(t, sc, inject, zoneEvent(spec.StepRevert, 2500*time.Millisecond))
	if s := v.SLOs[0]; s.Passed {
		t.Errorf("served by z1 inside the window passed: %+v", s)
	}
	// Serving from z1 while it is out is caught.
	recs[150].Gateway, recs[150].Backend = 0, 0
	v = run{recs: recs}.evaluate(t, sc, inject, restore, zoneEvent(spec.StepRevert, 2500*time.Millisecond))
	if s := v.SLOs[0]; s.Passed || s.FirstFailure == nil || s.FirstFailure.Seq != 150 {
		t.Errorf("request 150 served by the lost zone not flagged: %+v", s)
	}
}
