package runner

import (
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/loadgen"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/capacity"
)

func TestParseWithout(t *testing.T) {
	for in, want := range map[string][2]string{"": {"", ""}, "zone:z1": {"zone", "z1"}, "node:z1n2": {"node", "z1n2"}, "lb:lb1": {"lb", "lb1"}} {
		k, n, err := ParseWithout(in)
		if err != nil || k != want[0] || n != want[1] {
			t.Errorf("ParseWithout(%q) = %q, %q, %v", in, k, n, err)
		}
	}
	for _, bad := range []string{"zone", "zone:", "rack:r1", "z1"} {
		if _, _, err := ParseWithout(bad); err == nil {
			t.Errorf("ParseWithout(%q) accepted", bad)
		}
	}
}

func TestStepOf(t *testing.T) {
	plan := CapacityPlan{Step: 5 * time.Second, SaturatedLag: 20 * time.Millisecond}
	v := &reports.Verdict{
		Requests: reports.Requests{Total: 5000, OK: 4990, Failed: 10, SendLagP99: reports.Duration(time.Millisecond)},
		Latency:  reports.Latency{P50: reports.Duration(2 * time.Millisecond), P99: reports.Duration(80 * time.Millisecond)},
		SLOs:     []reports.SLOResult{{Kind: "latency", Measured: "p99 80ms", Threshold: "p99 <= 50ms"}},
	}
	st := stepOf(v, plan, 1000, loadgen.Stats{})
	if st.Achieved != 998 || st.ErrorRatio != 0.002 || st.ClientSaturated || st.Passed {
		t.Errorf("step %+v", st)
	}
	if st.Reason != "latency: p99 80ms (want p99 <= 50ms)" {
		t.Errorf("reason %q", st.Reason)
	}
	st = stepOf(v, plan, 1000, loadgen.Stats{Saturated: true, SaturationReason: "send-lag p99 40ms"})
	if !st.ClientSaturated || !strings.HasPrefix(st.Reason, "client saturated: send-lag p99 40ms; latency") {
		t.Errorf("saturated step %+v", st)
	}
	v.Requests.SendLagP99 = reports.Duration(30 * time.Millisecond)
	if st := stepOf(v, plan, 1000, loadgen.Stats{}); !st.ClientSaturated {
		t.Error("send lag above plan.SaturatedLag not called client-saturated")
	}
}

func TestKneeStep(t *testing.T) {
	steps := []capacityStepRun{{dir: "/a/step-01-500"}, {dir: "/a/step-02-1000"}, {dir: "/a/step-03-750"}, {dir: "/a/step-04-750"}}
	r := capacity.Result{Knee: 750, Steps: []capacity.Step{{Rate: 500, Passed: true}, {Rate: 1000}, {Rate: 750, Passed: true}, {Rate: 750, Passed: true}}}
	if got := kneeStep(r, steps); got != "step-04-750" {
		t.Errorf("knee step %s, want the last passing step at the knee (step-04-750)", got)
	}
	r = capacity.Result{Steps: []capacity.Step{{Rate: 500}}}
	if got := kneeStep(r, steps[:1]); got != "step-01-500" {
		t.Errorf("without a knee: %s, want the first step", got)
	}
	if got := kneeStep(capacity.Result{}, nil); got != "" {
		t.Errorf("without steps: %q, want none", got)
	}
}
