package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// gracefulKinds are the faults a well-configured stack must get through
// without losing a request: planned removals that drain first.
var gracefulKinds = []string{
	spec.FaultPodTerminate, spec.FaultRollingRestart, spec.FaultNodeDrain, spec.FaultLBDrain, spec.FaultScale,
}

// inFlightSlack is added to the backend delay when estimating how long a
// request is in flight (network and gateway time on these machines).
const inFlightSlack = 2 * time.Millisecond

// LossBudget is the number of failed requests the plan allows fault f of
// s, and why. A graceful fault (a drain, a rolling restart, a scale-down)
// is allowed none. An abrupt one (a kill, an outage, a partition) may lose
// the requests in flight on what it takes out: rate × (backendDelay + 2ms)
// × the share of the load that part carried (one replica of all, a node's
// replicas, one zone, one load balancer), rounded up.
func LossBudget(s *spec.Scenario, f spec.Fault) (int64, string) {
	if slices.Contains(gracefulKinds, f.Kind) {
		return 0, "graceful: a planned removal loses nothing"
	}
	st := s.Stack
	total := max(st.Zones*st.NodesPerZone*st.GatewaysPerNode, 1)
	share, what := 1.0, "everything"
	switch {
	case f.Zone != "":
		share, what = 1/float64(max(st.Zones, 1)), "zone "+f.Zone
	case f.Node != "":
		share, what = float64(st.GatewaysPerNode)/float64(total), "node "+f.Node
	case f.LB != "":
		share, what = 1/float64(max(st.LoadBalancers, 1)), "load balancer "+f.LB
	case f.Target != "" && f.Target != spec.TargetAll:
		share, what = 1/float64(total), "replica "+f.Target
	}
	inFlight := s.Load.BackendDelay.D() + inFlightSlack
	n := int64(math.Ceil(float64(s.Load.Rate)*inFlight.Seconds()*share - 1e-9))
	return n, fmt.Sprintf("in flight on %s: %d req/s × %s × %s", what, s.Load.Rate, inFlight, percent(share, 1))
}

// topologyOf arranges the ledger's name tables by zone and node. A node is
// the part of a replica's name before its first '-' ("z1n2" of
// "z1n2-gw0").
func topologyOf(m ledger.Meta) *Topology {
	t := &Topology{LBs: slices.Clone(m.LBs)}
	if t.LBs == nil {
		t.LBs = []string{}
	}
	zones := map[string]map[string]*Node{}
	place := func(name string, gw bool) {
		z := cmp.Or(m.Zones[name], unknown)
		node, _, _ := strings.Cut(name, "-")
		if zones[z] == nil {
			zones[z] = map[string]*Node{}
		}
		n := zones[z][node]
		if n == nil {
			n = &Node{Name: node, Gateways: []string{}}
			zones[z][node] = n
		}
		if gw {
			n.Gateways = append(n.Gateways, name)
		} else {
			n.Backends = append(n.Backends, name)
		}
	}
	for _, g := range m.Gateways {
		place(g, true)
	}
	for _, b := range m.Backends {
		place(b, false)
	}
	for _, z := range sortedKeys(zones) {
		zone := Zone{Name: z}
		for _, n := range sortedKeys(zones[z]) {
			node := zones[z][n]
			slices.Sort(node.Gateways)
			slices.Sort(node.Backends)
			zone.Nodes = append(zone.Nodes, *node)
		}
		t.Zones = append(t.Zones, zone)
	}
	return t
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// fillFaults writes the fault windows, with their loss budgets and
// failovers, into v.
func fillFaults(v *Verdict, t *tally, s *spec.Scenario) {
	v.Faults = make([]FaultWindow, 0, len(t.windows))
	for _, w := range t.windows {
		f := FaultWindow{Name: w.name, Kind: w.kind, Target: w.target, Failed: w.failed}
		if w.injected() {
			f.Inject = ptr(w.inject.UTC())
		}
		if w.reverted {
			f.Revert = ptr(w.revert.UTC())
		}
		if w.fault != nil {
			f.LossBudget, _ = LossBudget(s, *w.fault)
		}
		f.Failover = t.failover(w, spec.DefaultSteady.D())
		v.Faults = append(v.Faults, f)
	}
}
