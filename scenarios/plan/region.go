package plan

import (
	"fmt"
	"io"
	"strings"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// printRegionPlan writes the regions of a multi-region stack (each its
// own zones, replicas and LBs, named with its prefix), the DNS (strategy,
// TTL, health checks through the LB) and the client groups with the
// failover each one's configuration predicts. "Nearest" is the
// configured mapping, not latency, and the plan says so.
func printRegionPlan(w io.Writer, s *spec.Scenario) {
	st := s.Stack
	if !st.MultiRegion() {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("\nregions: %d (nearest = the client's own region, then the others in this order; no latency is modelled)", len(st.Regions))
	for _, r := range st.Regions {
		replicas := r.Zones * r.NodesPerZone * r.GatewaysPerNode
		if r.GatewayZones > 0 {
			replicas = r.GatewayZones * r.NodesPerZone * r.GatewaysPerNode
		}
		var lbs []string
		for i := 1; i <= r.LoadBalancers; i++ {
			lbs = append(lbs, fmt.Sprintf("%s-lb%d", r.Name, i))
		}
		p("  %s: %d zones (%s-z1…) × %d nodes, %d gateway replicas, LBs %s → this region's replicas; clients %s",
			r.Name, r.Zones, r.Name, r.NodesPerZone, replicas, strings.Join(lbs, " "), r.ClientSubnet)
	}
	if g := st.GSLB; g != nil {
		h := g.HealthCheck
		p("  dns %s: strategy %s, ttl %s; checks every LB with GET %s through the LB to a gateway every %s (rise %d, fall %d, timeout %s)",
			g.Name, g.Strategy, g.TTL, h.Path, h.Interval, h.Rise, h.Fall, h.Timeout)
	}
	for _, c := range s.Load.Clients {
		line := fmt.Sprintf("  clients %s: %g%% of the load (%g req/s), resolver %s", c.Region, c.Share*100, c.Share*float64(s.Load.Rate), c.Resolver)
		if b, ok := s.PredictFailover(c); ok {
			line += fmt.Sprintf("; predicted failover if %s dies: detection %s + publication %s + ttl %s = %s",
				c.Region, b.Detection, b.Publication, b.TTL, b.Total())
		} else {
			line += fmt.Sprintf("; never re-resolves: if %s dies its clients stay on it", c.Region)
		}
		p("%s", line)
	}
}
