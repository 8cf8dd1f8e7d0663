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
// s, and why, before a run: the in-flight part of the budget only, since
// the detection part needs the run's new-connection rate (the verdict's
// budget, tally.lossBudget, has it).
func LossBudget(s *spec.Scenario, f spec.Fault) (int64, string) { return lossBudget(s, f, nil) }

// lossBudget is the number of failed requests fault f of s may cost on an
// L4 load balancer, and why. A graceful fault (a drain, a rolling restart,
// a scale-down) is allowed none. An abrupt one (a kill, an outage, a
// partition) may lose
//
//   - the requests in flight on what it takes out: rate × the time a
//     request spends in the stack × the share of the load that part
//     carried (one replica of all, a node's replicas, one zone, one load
//     balancer). The time is backendDelay + 2ms, or the healthy phase's
//     mean answer time when that is longer (Little's law: a slower stack
//     holds more requests in flight), and
//   - the new connections the LBs hand it until their health checks mark
//     it down: detection × new connections/s × share, detection being
//     detectionTime's. A refused connect fails at once, so the client's
//     rate of new connections stays what it was: the run's rate in its
//     healthy phase (base; nil before a run: the plan's budget leaves
//     this part out). A black-holed connect holds its request for the
//     LB's connect timeout and connections pinned to the dead part hang,
//     so the client opens new ones up to its request rate: the rate is
//     the bound (measured on zone-outage: 89–110 failed against 267).
//
// The sum is rounded up.
func lossBudget(s *spec.Scenario, f spec.Fault, base *Baseline) (int64, string) {
	if slices.Contains(gracefulKinds, f.Kind) {
		return 0, "graceful: a planned removal loses nothing"
	}
	if f.Kind == spec.FaultRegionOutage {
		if n, why, ok := regionLossBudget(s, f); ok {
			return n, why
		}
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
	inFlight, measured := s.Load.BackendDelay.D()+inFlightSlack, ""
	if base != nil && base.Mean.D() > inFlight {
		inFlight, measured = base.Mean.D(), " (the healthy phase's mean answer time)"
	}
	n := float64(s.Load.Rate) * inFlight.Seconds() * share
	why := fmt.Sprintf("in flight on %s: %d req/s × %s%s × %s", what, s.Load.Rate, short(inFlight), measured, percent(share, 1))
	if d, how, blackholed := detectionTime(st.LB, f); d > 0 {
		if blackholed {
			n += d.Seconds() * float64(s.Load.Rate) * share
			why += fmt.Sprintf("; black-holed until detected, %s (%s) × up to every request on a new connection (%d/s) × %s", short(d), how, s.Load.Rate, percent(share, 1))
		} else if base == nil {
			why += fmt.Sprintf("; plus new connections during detection (%s: %s) × the run's new-connection rate × %s", short(d), how, percent(share, 1))
		} else {
			n += d.Seconds() * base.NewConnRate * share
			why += fmt.Sprintf("; new connections during detection: %s (%s) × %.1f/s × %s", short(d), how, base.NewConnRate, percent(share, 1))
		}
	}
	return int64(math.Ceil(n - 1e-9)), why
}

// detectionTime is how long the load balancers keep handing new
// connections to what f took out, and how that follows from their health
// checks. An L4 listener (retries 0) forwards each new connection to the
// replica it picked until the checks mark it down, and the connection
// fails:
//
//   - pod-kill: connects are refused and each check fails at once; the
//     fall-th failed check comes at most fall × interval after the kill;
//   - node-kill, zone-outage, partition: the part is black-holed and each
//     check fails only after the LB's connect timeout: fall × (interval +
//     connectTimeout).
//
// Faults the client itself fails over (lb-kill) and graceful ones cost no
// detection, and neither does any fault behind an LB that retries a failed
// connect on another replica (an L7 listener: the connect costs latency).
func detectionTime(lb spec.LBProfile, f spec.Fault) (d time.Duration, how string, blackholed bool) {
	if lb.Retries > 0 {
		return 0, "", false
	}
	hc := lb.HealthCheck
	switch f.Kind {
	case spec.FaultPodKill:
		return time.Duration(hc.Fall) * hc.Interval.D(), fmt.Sprintf("fall %d × interval %s", hc.Fall, hc.Interval), false
	case spec.FaultNodeKill, spec.FaultZoneOutage, spec.FaultPartition:
		return time.Duration(hc.Fall) * (hc.Interval.D() + lb.ConnectTimeout.D()),
			fmt.Sprintf("fall %d × (interval %s + LB connect timeout %s)", hc.Fall, hc.Interval, lb.ConnectTimeout), true
	}
	return 0, "", false
}

// lossBudget is the verdict's loss budget of fault f: with the run's own
// new-connection rate when its healthy phase was measured.
func (t *tally) lossBudget(f spec.Fault) (int64, string) {
	var base *Baseline
	if t.stall != nil {
		base = t.stall.Baseline
	}
	return lossBudget(t.sc, f, base)
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
		f := FaultWindow{Name: w.name, Kind: w.kind, Target: w.target, Failed: w.failed, Stalled: w.stalled}
		if w.injected() {
			f.Inject = ptr(w.inject.UTC())
		}
		if w.reverted {
			f.Revert = ptr(w.revert.UTC())
		}
		if w.fault != nil {
			f.LossBudget, _ = t.lossBudget(*w.fault)
		}
		f.Failover = t.failover(w, spec.DefaultSteady.D())
		v.Faults = append(v.Faults, f)
	}
}
