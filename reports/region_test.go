package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// twoGroupRun is 6s of two client groups at 100 req/s each: eu's ids
// 0..599, us's 600..1199, both intended every 10ms. A region outage of eu
// is injected at 2s; eu's requests intended 2.00s–3.50s fail (its clients
// wait for the DNS and their TTL), us's never do.
func twoGroupRun() run {
	meta := testMeta()
	meta.Groups = []ledger.Group{
		{Name: "eu", Region: "eu", Resolver: spec.ResolverTTL, First: 0, Count: 600},
		{Name: "us", Region: "us", Resolver: spec.ResolverTTL, First: 600, Count: 600},
	}
	eu, us := steady(600, 10*time.Millisecond), steady(600, 10*time.Millisecond)
	fail(eu, ledger.ClassConnectTimeout, seqs(200, 351)...)
	for i := range us {
		us[i].Seq += 600
	}
	return run{recs: append(eu, us...), meta: &meta}
}

// TestRegionScopedSLOs: availability and maxFailover with region: judge
// only that client group's records — us passes while eu, and the run as
// a whole, fail; a region with no group in the ledger fails rather than
// falling back to every client.
func TestRegionScopedSLOs(t *testing.T) {
	failover := func(region string) spec.SLO {
		return spec.SLO{Kind: spec.SLOMaxFailover, Max: spec.Duration(time.Second), Steady: spec.Duration(time.Second), Region: region}
	}
	sc := scenario(
		failover("us"), failover("eu"),
		spec.SLO{Kind: spec.SLOAvailability, Min: 1, Window: spec.WindowRun, Region: "us"},
		spec.SLO{Kind: spec.SLOAvailability, Min: 0.9, Window: spec.WindowRun, Region: "eu"},
		spec.SLO{Kind: spec.SLOAvailability, Min: 0.9, Window: spec.WindowRun, Region: "ap"},
	)
	sc.Faults = []spec.Fault{{Name: "out", Kind: spec.FaultRegionOutage, Region: "eu", At: spec.Duration(2 * time.Second)}}
	v := twoGroupRun().evaluate(t, sc, event("out", spec.FaultRegionOutage, spec.StepInject, 2*time.Second))
	want := []struct {
		passed   bool
		measured string
	}{
		{true, "steady after 0s (no failed request)"},
		{false, "steady after 1.51s (last failure +1.5s after inject, 151 failed)"},
		{true, "100% (600/600 ok)"},
		{false, "74.83% (449/600 ok)"},
		{false, "no client group of region ap in the ledger"},
	}
	for i, w := range want {
		s := v.SLOs[i]
		if s.Passed != w.passed || s.Measured != w.measured {
			t.Errorf("slo %d (%s %s): passed %v %q, want %v %q", i, s.Kind, sc.SLOs[i].Region, s.Passed, s.Measured, w.passed, w.measured)
		}
	}
	if d := strings.Join(v.SLOs[1].Details, "; "); !strings.Contains(d, "clients of region eu (group eu)") {
		t.Errorf("eu failover details %q", d)
	}
}
