package plan

import (
	"cmp"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gatecert/gatecert/fixtures/accel"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// The plan of the two scenario sections that change what a run is: a
// tlsCompare runs every profile on its own stacks instead of one run, and
// a capacity section makes `gatecert capacity` search a rate instead of
// offering load.rate. Without them in the plan, `gatecert plan` would
// describe a run that never happens.

// printTLSPlan writes the tlsCompare section: the profiles of each pair
// and what the accelerated one changes, the handshake-bound load each
// profile gets, the keep-alive variant, the capacity search per profile,
// the tlsSpeedup target and the most load time it all takes.
func printTLSPlan(w io.Writer, s *spec.Scenario) {
	c := s.TLSCompare
	if c == nil {
		return
	}
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	rounds := max(1, c.Rounds)
	turns := ""
	if rounds > 1 {
		turns = " (profiles take turns on fresh stacks; handshakes and CPU summed)"
	}
	p("\ntlsCompare: %d pair(s), baseline and accelerated each on its own stack; %d round(s)%s", len(c.Pairs), rounds, turns)
	l := s.Load
	p("  handshake-bound load per profile and round: %d req/s for %s (%d requests), connection %s (keep-alive off), client resumption off unless a pair offers it on both sides",
		l.Rate, l.Duration, int64(float64(l.Rate)*l.Duration.D().Seconds()), or(l.Connection, spec.ConnectionKeepAlive))
	if c.KeepAlive {
		p("  keep-alive variant: on — the same rate with connections kept, once per profile; reported, not judged")
	} else {
		p("  keep-alive variant: off")
	}
	p("  gateway: cpuLimit %s, %d worker process(es) per replica, %d replica(s) (profiles may override)",
		cores(s.Stack.Gateway.CPULimit), s.Stack.Gateway.WorkerProcesses, len(s.Replicas()))
	for i, pair := range c.Pairs {
		res := "client resumption off"
		if pair.ClientResumption {
			res = "client offers resumption on both sides"
		}
		p("  pair %d (%s; %s):", i+1, spec.KeyName(pair.Key), res)
		base, acc := s.ForTLSProfile(pair, pair.Baseline, false), s.ForTLSProfile(pair, pair.Accelerated, false)
		p("    baseline    %q: %s", pair.Baseline.Name, settingsText(profileSettings(base)))
		p("    accelerated %q: %s", pair.Accelerated.Name, settingsText(profileSettings(acc)))
		p("    changes: %s", profileChanges(base, acc))
	}
	if s.NeedsMultibuffer() {
		if b, why := accel.Check(accel.Dir()); why != "" {
			p("  multi-buffer TLS: would SKIP here: %s", why)
		} else {
			p("  multi-buffer TLS: %s (engine %s, QAT_Engine %.12s, crypto_mb %s, CPU %s); baseline and accelerated both run it, batch counters in multibuffer.json",
				b.NginxBin, accel.EngineID, b.Version("QAT_Engine"), b.Version("crypto_mb"), strings.Join(accel.CPUFlags, " "))
		}
	}
	perProfile := time.Duration(rounds) * l.Duration.D()
	if c.KeepAlive {
		perProfile += l.Duration.D()
	}
	if cs := c.Capacity; cs != nil {
		p("  capacity search per profile (CPU-limited gateway; counted only when both searches are gateway-limited):")
		printSearch(w, "    ", cs, s.SLOs)
		perProfile += searchBudget(cs)
	} else {
		p("  capacity search: none (the speed-up is handshakes per gateway CPU-second only)")
	}
	measure := "handshakes per gateway CPU-second"
	if c.Capacity != nil {
		measure += " and the CPU-limited knee (when both searches were gateway-limited); the lower gates"
	}
	for _, o := range s.SLOs {
		if o.Kind == spec.SLOTLSSpeedup {
			p("  target: %s; measured as %s", describeSLO(o), measure)
		}
	}
	profiles := 2 * len(c.Pairs)
	p("  load time: at most %s (%d profiles × %s), plus %d stack bring-ups",
		time.Duration(profiles)*perProfile, profiles, perProfile, profiles*rounds)
}

// setting is one gateway setting of a TLS profile, for the plan.
type setting struct{ name, value string }

// profileSettings is the gateway TLS configuration one side of a pair
// runs with (ForTLSProfile: the stack's gateway with the profile applied).
func profileSettings(ps *spec.Scenario) []setting {
	g := ps.Stack.Gateway
	out := []setting{
		{"key", spec.KeyName(g.TLS.Key)},
		{"session cache", onOff(g.TLS.SessionCache)},
		{"session tickets", onOff(g.TLS.SessionTickets)},
		{"workers", fmt.Sprint(g.WorkerProcesses)},
		{"cpuLimit", cores(g.CPULimit)},
	}
	if g.Server != "" || g.TLS.Accelerator != "" {
		out = append(out, setting{"server", cmp.Or(g.Server, spec.ServerNginx)},
			setting{"accelerator", cmp.Or(g.TLS.Accelerator, spec.AcceleratorNone)})
	}
	return out
}

func settingsText(ss []setting) string {
	var out []string
	for _, x := range ss {
		out = append(out, x.name+" "+x.value)
	}
	return strings.Join(out, ", ")
}

// profileChanges names the settings the accelerated side changes from
// the baseline; none makes the pair an identical control.
func profileChanges(base, acc *spec.Scenario) string {
	b, a := profileSettings(base), profileSettings(acc)
	var out []string
	for i := range b {
		if b[i] != a[i] {
			out = append(out, fmt.Sprintf("%s %s → %s", b[i].name, b[i].value, a[i].value))
		}
	}
	if len(out) == 0 {
		return "nothing — an identical control: its speed-up should be about 1.0x"
	}
	return strings.Join(out, ", ")
}

// printCapacityPlan writes a capacity scenario's search: bounds, the SLOs
// that judge each step and the most load time the search takes.
func printCapacityPlan(w io.Writer, s *spec.Scenario) {
	cs := s.Capacity
	if cs == nil {
		return
	}
	fmt.Fprintln(w, "\ncapacity search (`gatecert capacity`; `gatecert run` skips this scenario; load.rate and load.duration do not apply, flags override):")
	printSearch(w, "  ", cs, s.SLOs)
}

// printSearch writes a search's bounds, the SLOs judging each step (the
// scenario's less tlsSpeedup, a comparison's target rather than a step's)
// and its worst-case load time, each line after indent.
func printSearch(w io.Writer, indent string, cs *spec.CapacitySearch, slos []spec.SLO) {
	p := func(format string, a ...any) { fmt.Fprintf(w, indent+format+"\n", a...) }
	p("start %d req/s, ramp ×%g up to max %d req/s, each step offered for %s", cs.Start, cs.Factor, cs.Max, cs.Step)
	p("then bisection to precision %g%%, the knee confirmed %d more time(s) (repeats), at most %d steps (maxSteps)",
		cs.Precision*100, cs.Repeats, cs.MaxSteps)
	p("each step judged by:")
	for _, o := range slos {
		if o.Kind != spec.SLOTLSSpeedup {
			p("  %s", describeSLO(o))
		}
	}
	p("worst case %s of load: maxSteps %d × step %s + one unjudged warm-up step of %s at the start rate",
		searchBudget(cs), cs.MaxSteps, cs.Step, cs.Step)
}

// searchBudget is the most load time a search offers: every step of the
// budget plus the warm-up step (scenarios/runner).
func searchBudget(cs *spec.CapacitySearch) time.Duration {
	return time.Duration(cs.MaxSteps+1) * cs.Step.D()
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func cores(c float64) string {
	if c == 0 {
		return "none"
	}
	return fmt.Sprintf("%g cores", c)
}

// dataPathLine says how the LBs reach the replicas when it is not the
// default direct path, or which paths a pathCompare runs; "" otherwise.
func dataPathLine(s *spec.Scenario) string {
	lb := s.Stack.LB
	if pc := s.PathCompare; pc != nil {
		var names []string
		for _, p := range pc.Paths {
			names = append(names, p.Name)
		}
		return fmt.Sprintf("data paths compared: %s, %d alternating round(s) each on a fresh stack", strings.Join(names, ", "), pc.Rounds)
	}
	if !lb.IsNodePort() {
		return ""
	}
	check := fmt.Sprintf("GET /healthz on the health-check node port %d", spec.HealthCheckNodePort)
	if lb.HealthCheck.CheckType() == spec.CheckTCP {
		check = fmt.Sprintf("a TCP connect to node port %d", spec.NodePort)
	}
	return fmt.Sprintf("data path: nodePort, externalTrafficPolicy %s; health check: %s", lb.ExternalTrafficPolicy, check)
}

// lbTargets is what every LB sends connections to: the replicas, or on
// the nodePort path the nodes' port.
func lbTargets(st spec.StackProfile) string {
	if st.LB.IsNodePort() {
		return fmt.Sprintf("every node's port %d (%d nodes)", spec.NodePort, st.Zones*st.NodesPerZone)
	}
	return fmt.Sprintf("every replica (%d)", st.Zones*st.NodesPerZone*st.GatewaysPerNode)
}
