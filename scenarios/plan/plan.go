// Package plan renders what running a scenario would do, without running
// it (gatecert plan): topology, LB mapping, load, the fault timeline with
// each fault's loss budget, the tlsCompare or capacity section, the SLOs.
package plan

import (
	"fmt"
	"io"
	"strings"

	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// Write writes what running s would do: topology, LB mapping, load,
// fault timeline with each fault's loss budget, the tlsCompare or
// capacity section (plansections.go), and the SLOs.
func Write(w io.Writer, s *spec.Scenario, sets []string) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	st := s.Stack
	if f := s.FlaggedBy; f != nil {
		p("scenario %s (expect %s: flagged by %s failing with %s)", s.Name, or(s.Expect, "pass"), f.SLO, or(f.Class, "any class"))
	} else {
		p("scenario %s (expect %s)", s.Name, or(s.Expect, "pass"))
	}
	if s.Description != "" {
		p("  %s", s.Description)
	}
	if s.Source.File != "" {
		p("  from %s", s.Source.File)
	}
	for _, kv := range sets {
		p("  --set %s", kv)
	}
	if st.MultiRegion() {
		p("\ntopology: %d regions (below), each with the gateway and LB profile here", len(st.Regions))
	} else {
		printZones(p, st)
	}
	g := st.Gateway
	p("  gateway: readinessDrain %v, preStop %s, stop %s, grace %s, keepaliveRequests %d, keepaliveTime %s, keepaliveTimeout %s",
		g.ReadinessDrain, g.PreStop, g.StopSignal, g.TerminationGracePeriod, g.KeepaliveRequests, g.KeepaliveTime, g.KeepaliveTimeout)
	lb := st.LB
	if st.MultiRegion() {
		p("  each LB → its region's replicas: health check every %s (rise %d, fall %d), connect timeout %s, retries %d, shutdownSessions %v",
			lb.HealthCheck.Interval, lb.HealthCheck.Rise, lb.HealthCheck.Fall, lb.ConnectTimeout, lb.Retries, lb.ShutdownSessions)
	}
	for i := 1; i <= st.LoadBalancers && !st.MultiRegion(); i++ {
		p("  lb%d → %s: health check every %s (rise %d, fall %d), connect timeout %s, retries %d, shutdownSessions %v",
			i, lbTargets(st), lb.HealthCheck.Interval, lb.HealthCheck.Rise, lb.HealthCheck.Fall,
			lb.ConnectTimeout, lb.Retries, lb.ShutdownSessions)
	}
	if line := dataPathLine(s); line != "" {
		p("  %s", line)
	}

	printRegionPlan(w, s)

	l := s.Load
	p("\nload: %d req/s for %s (%d requests), %s %d B, backend delay %s, timeout %s, connect timeout %s, idle timeout %s",
		l.Rate, l.Duration, int64(float64(l.Rate)*l.Duration.D().Seconds()), l.Method, l.BodyBytes, l.BackendDelay, l.Timeout, l.ConnectTimeout, l.IdleTimeout)

	p("\nfaults:")
	if len(s.Faults) == 0 {
		p("  none")
	}
	var total int64
	for _, f := range s.Faults {
		n, why := reports.LossBudget(s, f)
		total += n
		what := planTarget(f)
		extra := ""
		if f.Duration > 0 {
			extra = fmt.Sprintf(", reverted after %s", f.Duration)
		}
		p("  +%-8s %s (%s) on %s%s; loss budget %d (%s)", f.At, f.Name, f.Kind, what, extra, n, why)
	}
	if len(s.Faults) > 0 {
		p("  total loss budget: %d requests", total)
	}

	printTLSPlan(w, s)
	printCapacityPlan(w, s)

	p("\nslos:")
	for _, o := range s.SLOs {
		p("  %s", describeSLO(o))
	}
}

func planTarget(f spec.Fault) string {
	for _, t := range []string{f.Zone, f.Node, f.LB, f.Target} {
		if t != "" && t != spec.TargetAll {
			if f.Region != "" {
				return f.Region + "-" + t
			}
			return t
		}
	}
	if f.Region != "" {
		return "region " + f.Region
	}
	return "every replica"
}

// describeSLO renders an SLO's objective and window in a line.
func describeSLO(o spec.SLO) string {
	var b strings.Builder
	b.WriteString(o.Kind)
	switch o.Kind {
	case spec.SLOAvailability:
		fmt.Fprintf(&b, " >= %g%%", o.Min*100)
	case spec.SLOThroughput:
		fmt.Fprintf(&b, " >= %g%% of offered in every whole second", o.Min*100)
	case spec.SLOLatency:
		fmt.Fprintf(&b, " p%g <= %s", o.Quantile*100, o.Max)
	case spec.SLOMaxFailover:
		fmt.Fprintf(&b, " <= %s to steady success (%s without failure), per fault", o.Max, o.Steady)
	case spec.SLOServedBy:
		b.WriteString(": nothing lost serves after the inject")
		if o.Grace > 0 {
			fmt.Fprintf(&b, " + %s grace", o.Grace)
		}
		if o.Tolerance > 0 {
			fmt.Fprintf(&b, "; surviving zones within ±%g%% of an equal share", o.Tolerance*100)
		}
	case spec.SLOErrorBudget:
		if o.Budget > 0 {
			fmt.Fprintf(&b, " <= %d failed per fault", o.Budget)
		} else {
			b.WriteString(" <= the plan's loss budget per fault")
		}
	case spec.SLOReconciliation:
		fmt.Fprintf(&b, ": failed after backend <= %d, duplicates <= %d, phantoms <= %d",
			o.AllowFailedAfterBackend, o.AllowDuplicates, o.AllowPhantoms)
	case spec.SLOZeroLoss:
		b.WriteString(": 0 failed")
	case spec.SLOTLSSpeedup:
		fmt.Fprintf(&b, " >= %gx accelerated/baseline, every pair (reported per key type)", o.Min)
	}
	if o.Region != "" {
		fmt.Fprintf(&b, " — clients of region %s", o.Region)
	}
	if o.Window != "" && o.Window != spec.WindowRun {
		fmt.Fprintf(&b, " — window %s", o.Window)
		if o.Fault != "" {
			b.WriteString(" " + o.Fault)
		} else {
			b.WriteString(" each fault")
		}
		if o.Settle > 0 {
			fmt.Fprintf(&b, " (+%s settle)", o.Settle)
		}
	} else if o.Window == spec.WindowRun {
		b.WriteString(" — whole run")
	} else if o.Fault != "" {
		b.WriteString(" — fault " + o.Fault)
	}
	return b.String()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// printZones writes a one-region topology: its zones, nodes and replicas.
func printZones(p func(string, ...any), st spec.StackProfile) {
	p("\ntopology: %d zones × %d nodes × %d gateway replicas = %d replicas, %d load balancers",
		st.Zones, st.NodesPerZone, st.GatewaysPerNode, st.Zones*st.NodesPerZone*st.GatewaysPerNode, st.LoadBalancers)
	for z := 1; z <= st.Zones; z++ {
		var nodes []string
		for n := 1; n <= st.NodesPerZone; n++ {
			var gws []string
			for g := 0; g < st.GatewaysPerNode; g++ {
				gws = append(gws, spec.ReplicaName(z, n, g))
			}
			nodes = append(nodes, fmt.Sprintf("z%dn%d [%s + echo]", z, n, strings.Join(gws, " ")))
		}
		p("  zone z%d: %s", z, strings.Join(nodes, ", "))
	}
}
