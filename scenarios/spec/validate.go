package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// faultKind is a row of faultKinds.
type faultKind struct {
	name string
	// maxUnavailable says the kind takes Fault.MaxUnavailable (defaulted
	// to 1, must be >= 1); other kinds reject it.
	maxUnavailable bool
	// target says the kind selects replicas with Fault.Target; zone, node,
	// lb and replicas say it requires that field; other kinds reject them.
	target, zone, node, lb, replicas bool
	// region says the kind requires Fault.Region (region.go).
	region bool
	// modes lists the kind's Fault.Mode values, the default first; a kind
	// without modes rejects Mode.
	modes []string
}

// faultKinds is the one table of fault kinds the model knows, consulted by
// Defaults and Validate alike.
var faultKinds = []faultKind{
	{name: FaultPodTerminate, target: true},
	{name: FaultRollingRestart, target: true, maxUnavailable: true},
	{name: FaultPodKill, target: true},
	{name: FaultScale, replicas: true},
	{name: FaultNodeKill, node: true},
	{name: FaultNodeDrain, node: true},
	{name: FaultZoneOutage, zone: true, modes: []string{ModeKill, ModeIsolate}},
	{name: FaultLBKill, lb: true, modes: []string{ModeRefused, ModeBlackhole}},
	{name: FaultLBDrain, lb: true},
	{name: FaultPartition, zone: true},
	{name: FaultRegionOutage, region: true},
}

func faultKindOf(name string) (faultKind, bool) {
	for _, k := range faultKinds {
		if k.name == name {
			return k, true
		}
	}
	return faultKind{}, false
}

// FaultKinds lists the fault kinds the model knows.
func FaultKinds() []string {
	out := make([]string, len(faultKinds))
	for i, k := range faultKinds {
		out[i] = k.name
	}
	return out
}

// sloKind is a row of sloKinds.
type sloKind struct {
	name string
	// min says the kind takes SLO.Min, a ratio in (0, 1]; other kinds
	// reject it. factor says Min is a factor > 0 instead (tlsSpeedup).
	min, factor bool
	// params lists the other SLO fields (by YAML name) the kind takes;
	// the rest must be left out. See checkSLO (slo.go).
	params []string
}

// sloKinds is the one table of SLO kinds the model knows.
var sloKinds = []sloKind{
	{name: SLOZeroLoss, params: windowParams},
	{name: SLOAvailability, min: true, params: append([]string{"region"}, windowParams...)},
	{name: SLOMaxFailover, params: []string{"fault", "max", "steady", "region"}},
	{name: SLOLatency, params: append([]string{"max", "quantile"}, windowParams...)},
	{name: SLOThroughput, min: true, params: windowParams},
	{name: SLOServedBy, params: []string{"fault", "grace", "tolerance"}},
	{name: SLOErrorBudget, params: []string{"fault", "settle", "budget"}},
	{name: SLOReconciliation, params: []string{"allowFailedAfterBackend", "allowDuplicates", "allowPhantoms"}},
	{name: SLOTLSSpeedup, min: true, factor: true},
}

func sloKindOf(name string) (sloKind, bool) {
	for _, k := range sloKinds {
		if k.name == name {
			return k, true
		}
	}
	return sloKind{}, false
}

// SLOKinds lists the SLO kinds the model knows.
func SLOKinds() []string {
	out := make([]string, len(sloKinds))
	for i, k := range sloKinds {
		out[i] = k.name
	}
	return out
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Validate checks the scenario against the model's rules and returns every
// violation as Problems, located through Source, or nil. It expects Defaults
// to have been applied (Decode does), so a zero left where a default exists
// is not reported as missing.
func (s *Scenario) Validate() error {
	c := checker{src: s.Source}

	switch {
	case s.Name == "":
		c.failf("name", "required")
	case !slugRE.MatchString(s.Name):
		c.failf("name", "must be a slug: lower-case letters, digits and '-', not starting with '-'")
	}
	if s.Expect != "" && s.Expect != ExpectPass && s.Expect != ExpectFail {
		c.failf("expect", "must be %s or %s", ExpectPass, ExpectFail)
	}
	c.flaggedBy(s)
	if !c.missingSection("stack", s.Stack.Zones == 0 && s.Stack.NodesPerZone == 0,
		"the topology to stand up, e.g. stack: {zones: 2, nodesPerZone: 2}") {
		c.stack(&s.Stack)
	}
	if !c.missingSection("load", s.Load.Rate == 0 && s.Load.Duration == 0,
		"the load to drive, e.g. load: {rate: 100, duration: 30s}") {
		c.load(&s.Load)
	}
	for i, l := range s.Labels {
		if !slices.Contains(Vocabulary, l) {
			c.failf(fmt.Sprintf("labels[%d]", i), "%q is not in the vocabulary (%s)", l, strings.Join(Vocabulary, ", "))
		}
	}
	c.regions(s)
	c.chaos(s.Chaos)
	c.tls(s)
	c.pathCompare(s)
	c.faults(s)
	c.slos(s.SLOs)
	for i, o := range s.SLOs {
		c.sloParams(fmt.Sprintf("slos[%d]", i), o, s)
		c.sloRegion(fmt.Sprintf("slos[%d]", i), o, s)
	}
	c.overrides(s)
	return c.probs.sorted()
}

// checker collects problems, locating each by its field path.
type checker struct {
	src   Source
	probs Problems
}

func (c *checker) failf(path, format string, args ...any) {
	c.probs = append(c.probs, Problem{
		File: c.src.File,
		Line: c.src.Line(path),
		Path: path,
		Msg:  fmt.Sprintf(format, args...),
	})
}

// missingSection reports a required section that the file leaves out and
// whose required fields are still zero (an override such as --set
// stack.zones=2 fills them), and says whether it did. One problem naming
// the section replaces a list of its fields as out of range, none of
// them located. A scenario built in code is checked field by field.
func (c *checker) missingSection(path string, empty bool, what string) bool {
	if !empty || !c.src.decoded() || c.src.Has(path) {
		return false
	}
	c.failf(path, "required section is missing: %s", what)
	return true
}

// requiredBetween is between for a field that has no default: one the
// file leaves out is reported as required.
func (c *checker) requiredBetween(path string, v, lo, hi int) {
	if v == 0 && c.src.decoded() && !c.src.Has(path) {
		c.failf(path, "required (between %d and %d)", lo, hi)
		return
	}
	c.between(path, v, lo, hi)
}

// between checks lo <= v <= hi.
func (c *checker) between(path string, v, lo, hi int) {
	if v < lo || v > hi {
		c.failf(path, "must be between %d and %d", lo, hi)
	}
}

// atLeast checks v >= lo.
func (c *checker) atLeast(path string, v, lo int) {
	if v < lo {
		c.failf(path, "must be >= %d", lo)
	}
}

// notNegative checks d >= 0.
func (c *checker) notNegative(path string, d Duration) {
	if d < 0 {
		c.failf(path, "must be >= 0")
	}
}

// positive checks d > 0.
func (c *checker) positive(path string, d Duration) {
	if d <= 0 {
		c.failf(path, "must be > 0")
	}
}

func (c *checker) stack(st *StackProfile) {
	c.requiredBetween("stack.zones", st.Zones, 1, 9)
	c.requiredBetween("stack.nodesPerZone", st.NodesPerZone, 1, 9)
	c.between("stack.gatewaysPerNode", st.GatewaysPerNode, 1, 4)
	c.between("stack.loadBalancers", st.LoadBalancers, 1, 4)
	if st.GatewayZones < 0 || st.GatewayZones > st.Zones {
		c.failf("stack.gatewayZones", "must be between 0 (every zone) and zones (%d)", st.Zones)
	}

	g := &st.Gateway
	if g.StopSignal != StopSignalQuit && g.StopSignal != StopSignalTerm {
		c.failf("stack.gateway.stopSignal", "must be %s or %s", StopSignalQuit, StopSignalTerm)
	}
	c.notNegative("stack.gateway.preStop", g.PreStop)
	c.positive("stack.gateway.terminationGracePeriod", g.TerminationGracePeriod)
	c.atLeast("stack.gateway.keepaliveRequests", g.KeepaliveRequests, 1)
	c.notNegative("stack.gateway.keepaliveTime", g.KeepaliveTime)
	c.positive("stack.gateway.keepaliveTimeout", g.KeepaliveTimeout)
	c.atLeast("stack.gateway.workerProcesses", g.WorkerProcesses, 1)
	c.notNegative("stack.gateway.restartDelay", g.RestartDelay)
	if !(g.CPULimit >= 0 && g.CPULimit <= 64) { // written so that NaN fails
		c.failf("stack.gateway.cpuLimit", "must be between 0 (unlimited) and 64 cores")
	} else if g.CPULimit > 0 && g.CPULimit < 0.01 {
		c.failf("stack.gateway.cpuLimit", "must be at least 0.01 cores (or 0: unlimited)")
	}
	c.positive("stack.gateway.upstreamTimeout", g.UpstreamTimeout)

	lb := &st.LB
	if lb.HealthCheck.Interval.D() < 100*time.Millisecond {
		c.failf("stack.lb.healthCheck.interval", "must be >= 100ms")
	}
	c.atLeast("stack.lb.healthCheck.rise", lb.HealthCheck.Rise, 1)
	c.atLeast("stack.lb.healthCheck.fall", lb.HealthCheck.Fall, 1)
	if lb.Removal != RemovalDrain && lb.Removal != RemovalCut {
		c.failf("stack.lb.removal", "must be %s or %s", RemovalDrain, RemovalCut)
	}
	c.positive("stack.lb.connectTimeout", lb.ConnectTimeout)
	c.atLeast("stack.lb.retries", lb.Retries, 0)
	c.notNegative("stack.lb.drainTimeout", lb.DrainTimeout) // 0: a leaving LB cuts its connections at once
	c.dataPath(st)
}

func (c *checker) load(l *Load) {
	c.requiredBetween("load.rate", l.Rate, 1, 100000)
	if l.Duration == 0 && c.src.decoded() && !c.src.Has("load.duration") {
		c.failf("load.duration", "required (at least 1s)")
	} else if l.Duration.D() < time.Second {
		c.failf("load.duration", "must be >= 1s")
	}
	switch l.Method {
	case "GET", "POST", "PUT":
	default:
		c.failf("load.method", "must be GET, POST or PUT")
	}
	c.between("load.bodyBytes", l.BodyBytes, 0, 1<<20)
	c.positive("load.timeout", l.Timeout)
	switch {
	case l.BackendDelay < 0:
		c.failf("load.backendDelay", "must be >= 0")
	case l.Timeout > 0 && l.BackendDelay >= l.Timeout:
		c.failf("load.backendDelay", "must be less than load.timeout (%s)", l.Timeout)
	}
	c.positive("load.connectTimeout", l.ConnectTimeout)
	c.positive("load.idleTimeout", l.IdleTimeout)
	c.notNegative("load.stallAfter", l.StallAfter) // 0: derived from the healthy phase
	c.atLeast("load.maxWorkers", l.MaxWorkers, 1)
	c.loadShape(l)
}

func (c *checker) faults(s *Scenario) {
	// Which replicas exist is only known for a topology within bounds;
	// otherwise the stack problems say enough.
	st := s.Stack
	topologyOK := between(st.Zones, 1, 9) && between(st.NodesPerZone, 1, 9) && between(st.GatewaysPerNode, 1, 4)
	durationOK := s.Load.Duration.D() >= time.Second

	first := map[string]int{} // fault name -> index of its first use
	for i, f := range s.Faults {
		p := fmt.Sprintf("faults[%d]", i)

		kind, known := faultKindOf(f.Kind)
		switch {
		case f.Kind == "":
			c.failf(p+".kind", "required (one of %s)", strings.Join(FaultKinds(), ", "))
		case !known:
			c.failf(p+".kind", "unknown fault kind %q (known: %s)", f.Kind, strings.Join(FaultKinds(), ", "))
		}

		if j, dup := first[f.Name]; dup {
			hint := ""
			if f.Name == f.Kind {
				hint = "; name defaults to kind"
			}
			c.failf(p+".name", "duplicate fault name %q (first used by faults[%d]%s)", f.Name, j, hint)
		} else {
			first[f.Name] = i
		}

		switch {
		case f.At < 0:
			c.failf(p+".at", "must be >= 0")
		case durationOK && f.At >= s.Load.Duration:
			c.failf(p+".at", "must be before the end of load (load.duration %s)", s.Load.Duration)
		}

		switch f.Target {
		case "", TargetAll:
		default:
			if _, _, _, ok := ParseReplica(f.Target); !ok {
				c.failf(p+".target", "must be %q or a replica name such as z1n1-gw0", TargetAll)
			} else if topologyOK && !st.hasReplica(f.Target) {
				c.failf(p+".target", "replica %s does not exist (zones %d, nodesPerZone %d, gatewaysPerNode %d)",
					f.Target, st.Zones, st.NodesPerZone, st.GatewaysPerNode)
			}
		}

		switch {
		case !known:
		case kind.maxUnavailable:
			c.atLeast(p+".maxUnavailable", f.MaxUnavailable, 1)
		case f.MaxUnavailable != 0:
			c.failf(p+".maxUnavailable", "not used by %s", f.Kind)
		}
		c.notNegative(p+".duration", f.Duration)
		if known {
			c.faultRegion(p, f, kind, st)
			c.faultParams(p, f, kind, st.inRegion(f.Region), topologyOK)
		}
	}
}

// faultParams checks the fields that select what a fault acts on.
func (c *checker) faultParams(p string, f Fault, kind faultKind, st StackProfile, topologyOK bool) {
	if !kind.target && f.Target != "" {
		c.failf(p+".target", "not used by %s", f.Kind)
	}
	switch {
	case kind.zone && f.Zone == "":
		c.failf(p+".zone", "required by %s (e.g. z1)", f.Kind)
	case kind.zone:
		var z int
		if n, err := fmt.Sscanf(f.Zone, "z%d", &z); n != 1 || err != nil || fmt.Sprintf("z%d", z) != f.Zone {
			c.failf(p+".zone", "must be a zone name such as z1")
		} else if topologyOK && (z < 1 || z > st.Zones) {
			c.failf(p+".zone", "zone %s does not exist (zones %d)", f.Zone, st.Zones)
		}
	case f.Zone != "":
		c.failf(p+".zone", "not used by %s", f.Kind)
	}
	switch {
	case kind.node && f.Node == "":
		c.failf(p+".node", "required by %s (e.g. z1n1)", f.Kind)
	case kind.node:
		var z, n int
		if k, err := fmt.Sscanf(f.Node, "z%dn%d", &z, &n); k != 2 || err != nil || fmt.Sprintf("z%dn%d", z, n) != f.Node {
			c.failf(p+".node", "must be a node name such as z1n2")
		} else if topologyOK && (z < 1 || z > st.Zones || n < 1 || n > st.NodesPerZone) {
			c.failf(p+".node", "node %s does not exist (zones %d, nodesPerZone %d)", f.Node, st.Zones, st.NodesPerZone)
		}
	case f.Node != "":
		c.failf(p+".node", "not used by %s", f.Kind)
	}
	switch {
	case kind.lb && f.LB == "":
		c.failf(p+".lb", "required by %s (e.g. lb1)", f.Kind)
	case kind.lb:
		var i int
		if k, err := fmt.Sscanf(f.LB, "lb%d", &i); k != 1 || err != nil || fmt.Sprintf("lb%d", i) != f.LB {
			c.failf(p+".lb", "must be a load balancer name such as lb1")
		} else if between(st.LoadBalancers, 1, 4) && (i < 1 || i > st.LoadBalancers) {
			c.failf(p+".lb", "load balancer %s does not exist (loadBalancers %d)", f.LB, st.LoadBalancers)
		}
	case f.LB != "":
		c.failf(p+".lb", "not used by %s", f.Kind)
	}
	switch {
	case len(kind.modes) > 0 && !slices.Contains(kind.modes, f.Mode):
		c.failf(p+".mode", "must be one of %s", strings.Join(kind.modes, ", "))
	case len(kind.modes) == 0 && f.Mode != "":
		c.failf(p+".mode", "not used by %s", f.Kind)
	}
	switch {
	case kind.replicas:
		total := st.Zones * st.NodesPerZone * st.GatewaysPerNode
		if f.Replicas < 1 {
			c.failf(p+".replicas", "must be >= 1")
		} else if topologyOK && f.Replicas > total {
			c.failf(p+".replicas", "must be at most the %d provisioned replicas (zones × nodesPerZone × gatewaysPerNode)", total)
		}
	case f.Replicas != 0:
		c.failf(p+".replicas", "not used by %s", f.Kind)
	}
}

func (c *checker) slos(slos []SLO) {
	if len(slos) == 0 {
		c.failf("slos", "at least one SLO required")
	}
	for i, o := range slos {
		p := fmt.Sprintf("slos[%d]", i)
		kind, known := sloKindOf(o.Kind)
		switch {
		case o.Kind == "":
			c.failf(p+".kind", "required (one of %s)", strings.Join(SLOKinds(), ", "))
		case !known:
			c.failf(p+".kind", "unknown slo kind %q (known: %s)", o.Kind, strings.Join(SLOKinds(), ", "))
		case kind.factor && !(o.Min > 0 && o.Min <= 100): // written so that NaN fails
			c.failf(p+".min", "must be a factor in (0, 100], e.g. 1.8 for +80%%")
		case kind.min && !kind.factor && !(o.Min > 0 && o.Min <= 1):
			c.failf(p+".min", "must be in (0, 1]")
		case !kind.min && o.Min != 0:
			c.failf(p+".min", "not used by %s", o.Kind)
		}
	}
}

func between(v, lo, hi int) bool { return lo <= v && v <= hi }

// flaggedBy: a reason belongs to a negative control and names an SLO the
// scenario judges. (The class is checked against the ledger's classes
// when the verdict is judged: this package knows no ledger.)
func (c *checker) flaggedBy(s *Scenario) {
	f := s.FlaggedBy
	if f == nil {
		return
	}
	if s.Expect != ExpectFail {
		c.failf("flaggedBy", "only a negative control (expect: fail) is flagged for a reason")
	}
	if !slices.ContainsFunc(s.SLOs, func(o SLO) bool { return o.Kind == f.SLO }) {
		c.failf("flaggedBy.slo", "%q is not one of the scenario's slos", f.SLO)
	}
	if f.Class != "" && !slugRE.MatchString(f.Class) {
		c.failf("flaggedBy.class", "%q: want a failure class such as eof or connect-refused, or %s", f.Class, FlaggedStalled)
	}
}
