package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// regionLossBudget is what a region outage may cost the client groups the
// DNS sends to the dead region, and why. With strategy failover that is
// the region's own group; with roundRobin every group, for the dead
// region's part of the answer. A ttl group fails until the DNS has
// detected the outage and its TTL has run out (spec.PredictFailover),
// plus what it had in flight; a cached group never moves, so it may lose
// every request of the fault. Without a DNS or client groups the region
// outage is judged like any other fault (in flight on everything).
func regionLossBudget(s *spec.Scenario, f spec.Fault) (int64, string, bool) {
	g := s.Stack.GSLB
	if g == nil || len(s.Load.Clients) == 0 {
		return 0, "", false
	}
	frac := 1.0
	if g.Strategy == spec.StrategyRoundRobin {
		frac = regionLBShare(s.Stack, f.Region)
	}
	inFlight := s.Load.BackendDelay.D() + inFlightSlack
	var n float64
	var whys []string
	for _, c := range s.Load.Clients {
		if g.Strategy != spec.StrategyRoundRobin && c.Region != f.Region {
			continue
		}
		rate := float64(s.Load.Rate) * c.Share * frac
		if b, ok := s.PredictFailover(c); ok {
			d := b.Total() + inFlight
			n += rate * d.Seconds()
			whys = append(whys, fmt.Sprintf("clients %s: %.0f req/s × (detection %s + ttl %s + in flight %s)", c.Region, rate, short(b.Detection), short(b.TTL), short(inFlight)))
			continue
		}
		n += rate * f.Duration.D().Seconds()
		whys = append(whys, fmt.Sprintf("clients %s (cached): %.0f req/s × the fault's %s", c.Region, rate, short(f.Duration.D())))
	}
	if len(whys) == 0 {
		return 0, "no client group is sent to region " + f.Region, true
	}
	return int64(math.Ceil(n - 1e-9)), strings.Join(whys, "; "), true
}

// regionLBShare is the region's part of every LB (roundRobin answers with
// every healthy region's LBs).
func regionLBShare(st spec.StackProfile, region string) float64 {
	all, its := 0, 0
	for _, r := range st.Regions {
		all += r.LoadBalancers
		if r.Name == region {
			its = r.LoadBalancers
		}
	}
	if all == 0 {
		return 1
	}
	return float64(its) / float64(all)
}
