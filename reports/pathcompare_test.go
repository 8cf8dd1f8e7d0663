package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

func pathCompareScenario() *spec.Scenario {
	s := scenario(zeroLoss)
	s.PathCompare = &spec.PathCompare{}
	s.Defaults()
	return s
}

// The parts alternate the paths round by round, each its own plain
// scenario.
func TestPathCompareParts(t *testing.T) {
	s := pathCompareScenario()
	k := CompositeOf(s)
	if k == nil || k.Kind() != "pathCompare" {
		t.Fatalf("CompositeOf = %v, want pathCompare", k)
	}
	var names []string
	for _, p := range k.Parts(s) {
		names = append(names, p.Name)
		if p.Scenario.PathCompare != nil || p.Dir != p.Name {
			t.Errorf("part %s: dir %q, still a comparison: %v", p.Name, p.Dir, p.Scenario.PathCompare != nil)
		}
	}
	if got := strings.Join(names, ","); got != "direct-r1,nodeport-cluster-r1,direct-r2,nodeport-cluster-r2" {
		t.Errorf("parts %s", got)
	}
}

// Judged through the one assembler: the overhead is each path's mean
// quantile less the reference's, the cross share and CPU per request
// come from the parts' evidence, and a failing part fails the whole.
func TestPathCompareJudge(t *testing.T) {
	s := pathCompareScenario()
	k := CompositeOf(s)
	ms := func(n float64) Duration { return Duration(time.Duration(n * float64(time.Millisecond))) }
	part := func(p50, p99 float64, crossed int64, failed bool) *Verdict {
		v := &Verdict{Requests: Requests{Total: 1000, OK: 1000}, Latency: Latency{P50: ms(p50), P99: ms(p99)},
			SLOs:       []SLOResult{{Kind: spec.SLOZeroLoss, Passed: !failed, Measured: "0 failed"}},
			Conditions: &Samples{Machine: &MachineLoad{Cores: 2, Duration: Duration(time.Second), Busy: 0.05}}}
		if crossed >= 0 {
			v.DataPath = &DataPath{Requests: 1000, Crossed: crossed}
		}
		return v
	}
	verdicts := []*Verdict{part(1, 4, 0, false), part(1.4, 6, 500, false), part(1.2, 4, 0, false), part(1.6, 8, 300, false)}
	var parts []PartVerdict
	for i, p := range k.Parts(s) {
		parts = append(parts, PartVerdict{Part: p, Verdict: verdicts[i]})
	}
	v, err := Assemble(Assembly{Scenario: s, Composite: k, Parts: parts})
	if err != nil {
		t.Fatal(err)
	}
	r := v.PathCompare
	if v.Outcome != OutcomePassed || r == nil || len(r.Paths) != 2 || len(v.SLOs) != 4 {
		t.Fatalf("outcome %s, paths %+v, %d SLOs", v.Outcome, r, len(v.SLOs))
	}
	np := r.Paths[1]
	if np.P50Overhead != ms(0.4) || np.P99Overhead != ms(3) || np.CrossShare != 0.4 || r.Paths[0].CrossShare != 0 {
		t.Errorf("nodePort: %+v; want p50 +0.4ms, p99 +3ms, 40%% crossed", np)
	}
	if np.CPUPerRequest != Duration(100*time.Microsecond) || r.Knee == "" {
		t.Errorf("CPU per request %s (want 100µs: 0.05 × 2 cores × 1s, twice, over 2000 ok), knee note %q", np.CPUPerRequest.D(), r.Knee)
	}
	if out := FormatPaths(v); !strings.Contains(out, "nodeport-cluster") || !strings.Contains(out, "+3ms") || !strings.Contains(out, "40.0%") {
		t.Errorf("side by side:\n%s", out)
	}
	verdicts[3].SLOs[0].Passed = false
	if v, _ = Assemble(Assembly{Scenario: s, Composite: k, Parts: parts}); v.Outcome != OutcomeFailed {
		t.Errorf("a failing round: outcome %s, want failed", v.Outcome)
	}
}
