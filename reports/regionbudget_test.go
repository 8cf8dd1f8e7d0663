package reports

import (
	"testing"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// regionScenario is two regions behind a DNS (ttl 5s, checks 1s × 2 +
// 500ms) with a ttl group in eu and a cached one in us, 200 req/s.
func regionScenario(strategy string) *spec.Scenario {
	s := &spec.Scenario{
		Name: "r",
		Stack: spec.StackProfile{Zones: 2, NodesPerZone: 1,
			Regions: []spec.Region{{Name: "eu"}, {Name: "us"}},
			GSLB:    &spec.GSLB{Strategy: strategy, TTL: spec.Duration(5 * time.Second)}},
		Load: spec.Load{Rate: 200, Duration: spec.Duration(60 * time.Second), BackendDelay: spec.Duration(18 * time.Millisecond),
			Clients: []spec.ClientGroup{{Region: "eu", Share: 0.5}, {Region: "us", Share: 0.5, Resolver: spec.ResolverCached}}},
		SLOs: []spec.SLO{{Kind: spec.SLOZeroLoss}},
	}
	s.Defaults()
	return s
}

// TestRegionLossBudget: failover costs only the dead region's group,
// (detection + TTL + in flight) × its rate for a ttl group and the whole
// fault for a cached one; roundRobin costs every group its dead share.
func TestRegionLossBudget(t *testing.T) {
	for _, tc := range []struct {
		name, strategy, region string
		want                   int64
		why                    string
	}{
		{"ttl group", spec.StrategyFailover, "eu", 752, "clients eu: 100 req/s × (detection 2.5s + ttl 5s + in flight 20ms)"},
		{"cached group", spec.StrategyFailover, "us", 2000, "clients us (cached): 100 req/s × the fault's 20s"},
		{"round robin", spec.StrategyRoundRobin, "us", 1376, "clients eu: 50 req/s × (detection 2.5s + ttl 5s + in flight 20ms); clients us (cached): 50 req/s × the fault's 20s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := regionScenario(tc.strategy)
			f := spec.Fault{Kind: spec.FaultRegionOutage, Region: tc.region, Duration: spec.Duration(20 * time.Second)}
			n, why := LossBudget(s, f)
			if n != tc.want || why != tc.why {
				t.Errorf("budget %d (%s), want %d (%s)", n, why, tc.want, tc.why)
			}
		})
	}
}
