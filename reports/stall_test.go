package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// stallRun is 10s at 100 req/s with a pod-kill at +5s (reverted at +6s)
// whose only symptom is that requests intended in [+5s, +5s+slow) are
// answered after 1s: nothing fails.
func stallRun(slow time.Duration) (run, []spec.Event) {
	recs := steady(1000, 10*time.Millisecond)
	for i := range recs {
		if at := recs[i].Intended; at >= 5*time.Second && at < 5*time.Second+slow {
			recs[i].Latency = time.Second
		}
	}
	return run{recs: recs}, []spec.Event{
		event("kill", spec.FaultPodKill, spec.StepInject, 5*time.Second),
		event("kill", spec.FaultPodKill, spec.StepRevert, 6*time.Second),
	}
}

func stallScenario() *spec.Scenario {
	sc := scenario(
		spec.SLO{Kind: spec.SLOZeroLoss},
		spec.SLO{Kind: spec.SLOMaxFailover, Max: spec.Duration(2 * time.Second)},
		avail(0.9),
	)
	sc.Faults = []spec.Fault{{Name: "kill", Kind: spec.FaultPodKill, Target: "z1n1-gw0", At: spec.Duration(5 * time.Second)}}
	return sc
}

// A run whose only symptom is stalls fails: zeroLoss passes, but failover
// ends at steady healthy service and stalled requests are not available.
func TestStallsOnlyFail(t *testing.T) {
	r, events := stallRun(3 * time.Second)
	v := r.evaluate(t, stallScenario(), events...)
	if v.Requests.Failed != 0 {
		t.Fatalf("fixture: %d failed", v.Requests.Failed)
	}
	if v.Passed {
		t.Fatalf("a run with 300 requests answered after 1s passed: %s", FormatLine(v))
	}
	st := v.Stalls
	if st == nil || st.Stalled != 300 || st.Bound.D() != minStall || st.Baseline == nil || st.Baseline.P99.D() != 2*time.Millisecond {
		t.Fatalf("stalls %+v", st)
	}
	if b := st.Baseline; b.From.D() != time.Second || b.To.D() != 5*time.Second || b.Requests != 400 || b.NewConnRate != 100 {
		t.Errorf("baseline %+v", b) // steady's records are all on new connections
	}
	zl, fo, av := v.SLOs[0], v.SLOs[1], v.SLOs[2]
	if !zl.Passed {
		t.Errorf("zeroLoss counts stalls: %+v", zl)
	}
	if fo.Passed || fo.Value < 3 || !strings.Contains(fo.Measured, "300 stalled") || fo.FirstFailure == nil || fo.FirstFailure.Class != "ok" {
		t.Errorf("maxFailover %+v", fo)
	}
	if av.Passed || av.Value != 0.7 || !strings.Contains(av.Measured, "300 stalled") {
		t.Errorf("availability %+v", av)
	}
	// The window holds both ends: +5s…+6s inclusive.
	if f := v.Faults[0]; f.Stalled != 101 || f.Failover == nil || f.Failover.Stalled != 300 || f.Failed != 0 {
		t.Errorf("fault window %+v, failover %+v", f, f.Failover)
	}
	if v.Timeline[5].Stalled != 100 || v.Timeline[8].Stalled != 0 {
		t.Errorf("timeline stalls %d, %d", v.Timeline[5].Stalled, v.Timeline[8].Stalled)
	}
	var md strings.Builder
	if err := WriteSummary(&md, v); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| stalled | 300 | ok, later than 200ms |", "Stall bound 200ms (5 × healthy p99 2ms, raised to the floor 200ms)"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, md.String())
		}
	}
	if line := FormatLine(v); !strings.Contains(line, "300 stalled > 200ms") {
		t.Errorf("line %q", line)
	}
}

// A short stall within the failover target passes; the same requests under
// a stall bound above their latency are no stalls at all.
func TestStallBound(t *testing.T) {
	r, events := stallRun(500 * time.Millisecond)
	v := r.evaluate(t, stallScenario(), events...)
	if !v.Passed || v.Stalls.Stalled != 50 {
		t.Errorf("half a second of stalls: %s, stalls %+v", FormatLine(v), v.Stalls)
	}
	r, events = stallRun(3 * time.Second)
	sc := stallScenario()
	sc.Load.StallAfter = spec.Duration(2 * time.Second)
	v = r.evaluate(t, sc, events...)
	if !v.Passed || v.Stalls.Stalled != 0 || v.Stalls.Source != "load.stallAfter" {
		t.Errorf("stallAfter 2s: %s, stalls %+v", FormatLine(v), v.Stalls)
	}
	// A slower healthy phase raises the derived bound: 5 × its p99.
	r, events = stallRun(3 * time.Second)
	for i := range r.recs {
		if r.recs[i].Intended < 5*time.Second {
			r.recs[i].Latency = 100 * time.Millisecond
		}
	}
	v = r.evaluate(t, stallScenario(), events...)
	if got := v.Stalls.Bound.D(); got < 500*time.Millisecond || got > 510*time.Millisecond {
		t.Errorf("bound %s, want 5 × p99 100ms", got)
	}
	// Without a fault nothing is judged unless the scenario sets the bound.
	v = run{recs: steady(100, 10*time.Millisecond)}.evaluate(t, scenario(avail(0.9)))
	if v.Stalls != nil {
		t.Errorf("stalls judged without a fault: %+v", v.Stalls)
	}
}

// On an L4 LB a killed replica's budget adds the new connections the LBs
// hand it until the health checks mark it down; an LB that retries (an L7
// listener) does not lose them.
func TestLossBudgetDetection(t *testing.T) {
	s := &spec.Scenario{Stack: spec.StackProfile{Zones: 3, NodesPerZone: 2, GatewaysPerNode: 1, LoadBalancers: 2,
		LB: spec.LBProfile{HealthCheck: spec.HealthCheck{Interval: spec.Duration(500 * time.Millisecond), Fall: 2},
			ConnectTimeout: spec.Duration(300 * time.Millisecond)}},
		Load: spec.Load{Rate: 500, BackendDelay: spec.Duration(20 * time.Millisecond)}}
	base := func(newConns float64, mean time.Duration) *Baseline {
		if newConns < 0 {
			return nil // the plan: no run yet
		}
		return &Baseline{NewConnRate: newConns, Mean: Duration(mean)}
	}
	ms := time.Millisecond
	for _, tt := range []struct {
		f        spec.Fault
		newConns float64
		mean     time.Duration
		want     int64
	}{
		{spec.Fault{Kind: spec.FaultPodKill, Target: "z1n1-gw0"}, -1, 0, 2},        // 500 × 22ms / 6 = 1.83
		{spec.Fault{Kind: spec.FaultPodKill, Target: "z1n1-gw0"}, 60, 10 * ms, 12}, // + 1s × 60/s / 6 = 10
		{spec.Fault{Kind: spec.FaultPodKill, Target: "z1n1-gw0"}, 60, 48 * ms, 14}, // 500 × 48ms / 6 = 4 + 10
		{spec.Fault{Kind: spec.FaultNodeKill, Node: "z1n1"}, 60, 0, 136},           // + 1.6s × 500/s / 6 = 133: black-holed
		{spec.Fault{Kind: spec.FaultNodeKill, Node: "z1n1"}, -1, 0, 136},           // the plan knows it too
		{spec.Fault{Kind: spec.FaultLBKill, LB: "lb1"}, 60, 0, 6},                  // the client fails over
		{spec.Fault{Kind: spec.FaultRollingRestart}, 60, 0, 0},
	} {
		if got, why := lossBudget(s, tt.f, base(tt.newConns, tt.mean)); got != tt.want {
			t.Errorf("lossBudget(%s, %g) = %d (%s), want %d", tt.f.Kind, tt.newConns, got, why, tt.want)
		}
	}
	s.Stack.LB.Retries = 3
	if got, _ := lossBudget(s, spec.Fault{Kind: spec.FaultPodKill, Target: "z1n1-gw0"}, base(60, 0)); got != 2 {
		t.Errorf("with retries: %d, want the in-flight 2", got)
	}
}

// A client that froze is not a stalled stack: the stall bound applies to
// latency less the client's send lag.
func TestStallExcludesSendLag(t *testing.T) {
	r, events := stallRun(0)
	for i := range r.recs {
		if at := r.recs[i].Intended; at >= 7*time.Second && at < 7300*time.Millisecond {
			lag := 7300*time.Millisecond - at // the client caught up at +7.3s
			r.recs[i].SendLag, r.recs[i].Latency = lag, lag+2*time.Millisecond
		}
	}
	v := r.evaluate(t, stallScenario(), events...)
	if !v.Passed || v.Stalls.Stalled != 0 {
		t.Errorf("a 300ms client freeze judged as stalls: %s, %+v", FormatLine(v), v.Stalls)
	}
}
