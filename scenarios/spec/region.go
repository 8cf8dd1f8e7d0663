package spec

import (
	"fmt"
	"math"
	"net/netip"
	"time"
)

// Region is one region of a multi-region stack (DESIGN.md, "Regions and
// the DNS GSLB"). A topology count left at 0 takes the flat stack field
// of the same name, so the flat fields are every region's default.
type Region struct {
	// Name is a slug prefixed to everything the region creates: zone
	// eu-z1, node eu-z1n1, replica eu-z1n1-gw0, LB eu-lb1.
	Name            string `yaml:"name"`
	Zones           int    `yaml:"zones,omitempty"`
	NodesPerZone    int    `yaml:"nodesPerZone,omitempty"`
	GatewaysPerNode int    `yaml:"gatewaysPerNode,omitempty"`
	LoadBalancers   int    `yaml:"loadBalancers,omitempty"`
	GatewayZones    int    `yaml:"gatewayZones,omitempty"`
	// ClientSubnet is the source subnet of this region's client group: the
	// DNS tells which region asks by it. Default 10.77.<201+i>.0/24 (inside
	// the local provider's fabric, 10.77.0.0/16).
	ClientSubnet string `yaml:"clientSubnet,omitempty"`
}

// GSLB is the DNS server that stands in for a global server load
// balancer: authoritative for Name, it answers each client region with
// the LB addresses of the region(s) its strategy and health checks pick.
type GSLB struct {
	// Name is the gateway's DNS name (fully qualified; default
	// gateway.gatecert.test.).
	Name string `yaml:"name,omitempty"`
	// Strategy is failover (the nearest healthy region) or roundRobin
	// (every healthy region).
	Strategy string `yaml:"strategy,omitempty"`
	// TTL is the answers' time to live (default 30s; 0 means "do not
	// cache", so it is only valid with ttl resolvers).
	TTL         Duration        `yaml:"ttl"`
	HealthCheck GSLBHealthCheck `yaml:"healthCheck"`
}

// GSLBHealthCheck is the DNS server's own check of each LB, made through
// the LB to a gateway (HTTP GET Path on the LB's client port), so that a
// region whose LBs are up but whose gateways are gone is unhealthy too.
type GSLBHealthCheck struct {
	Interval Duration `yaml:"interval"`
	Rise     int      `yaml:"rise"`
	Fall     int      `yaml:"fall"`
	Timeout  Duration `yaml:"timeout"`
	Path     string   `yaml:"path,omitempty"`
}

// ClientGroup is the load of one client region.
type ClientGroup struct {
	Region string `yaml:"region"`
	// Share is the group's part of load.rate; shares sum to 1.
	Share float64 `yaml:"share"`
	// Resolver is ttl (re-resolve once the answer's TTL ran out; new
	// connections use the new answer) or cached (resolve once).
	Resolver string `yaml:"resolver,omitempty"`
}

// Values of GSLB.Strategy and ClientGroup.Resolver.
const (
	StrategyFailover   = "failover"
	StrategyRoundRobin = "roundRobin"
	ResolverTTL        = "ttl"
	ResolverCached     = "cached"
)

// DefaultGSLBName is the gateway's DNS name when stack.gslb.name is unset.
const DefaultGSLBName = "gateway.gatecert.test."

// FaultRegionOutage kills every node and LB of a region at once.
const FaultRegionOutage = "region-outage"

// MultiRegion says the stack has regions (stack.regions set).
func (st StackProfile) MultiRegion() bool { return len(st.Regions) > 0 }

// RegionNames lists the regions in order, nil for a one-region stack.
func (st StackProfile) RegionNames() []string {
	var out []string
	for _, r := range st.Regions {
		out = append(out, r.Name)
	}
	return out
}

// RegionOf returns the named region, defaulted from the flat fields.
func (st StackProfile) RegionOf(name string) (Region, bool) {
	for _, r := range st.Regions {
		if r.Name == name {
			return r, true
		}
	}
	return Region{}, false
}

// inRegion is st with the region's topology counts in the flat fields: what
// a fault's zone, node, LB and replica are checked against.
func (st StackProfile) inRegion(name string) StackProfile {
	r, ok := st.RegionOf(name)
	if !ok {
		return st
	}
	st.Zones, st.NodesPerZone, st.GatewaysPerNode = r.Zones, r.NodesPerZone, r.GatewaysPerNode
	st.LoadBalancers, st.GatewayZones = r.LoadBalancers, r.GatewayZones
	return st
}

// defaultRegions fills each region from the flat fields, its client
// subnet, the DNS and the client groups' resolver. Called by Defaults
// after the flat stack defaults.
func (s *Scenario) defaultRegions() {
	st := &s.Stack
	for i := range st.Regions {
		r := &st.Regions[i]
		def(&r.Zones, st.Zones)
		def(&r.NodesPerZone, st.NodesPerZone)
		def(&r.GatewaysPerNode, st.GatewaysPerNode)
		def(&r.LoadBalancers, st.LoadBalancers)
		def(&r.GatewayZones, st.GatewayZones)
		def(&r.ClientSubnet, fmt.Sprintf("10.77.%d.0/24", 201+i))
	}
	if g := st.GSLB; g != nil {
		def(&g.Name, DefaultGSLBName)
		def(&g.Strategy, StrategyFailover)
		defUnset(s, "stack.gslb.ttl", &g.TTL, Duration(30*time.Second))
		def(&g.HealthCheck.Interval, Duration(time.Second))
		def(&g.HealthCheck.Rise, 2)
		def(&g.HealthCheck.Fall, 2)
		def(&g.HealthCheck.Timeout, Duration(500*time.Millisecond))
		def(&g.HealthCheck.Path, "/healthz")
	}
	for i := range s.Load.Clients {
		def(&s.Load.Clients[i].Resolver, ResolverTTL)
	}
}

// regions checks stack.regions, stack.gslb and load.clients together: the
// combinations DESIGN.md rejects, unknown region names, overlapping
// subnets, shares that do not sum to 1.
func (c *checker) regions(s *Scenario) {
	st := &s.Stack
	seen := map[string]int{}
	var nets []netip.Prefix
	for i, r := range st.Regions {
		p := fmt.Sprintf("stack.regions[%d]", i)
		switch {
		case r.Name == "":
			c.failf(p+".name", "required (a slug such as eu)")
		case !slugRE.MatchString(r.Name):
			c.failf(p+".name", "must be a slug: lower-case letters, digits and '-'")
		}
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			c.failf(p+".name", "duplicate region %q (first at stack.regions[%d])", r.Name, j)
		} else {
			seen[r.Name] = i
		}
		c.between(p+".zones", r.Zones, 1, 9)
		c.between(p+".nodesPerZone", r.NodesPerZone, 1, 9)
		c.between(p+".gatewaysPerNode", r.GatewaysPerNode, 1, 4)
		c.between(p+".loadBalancers", r.LoadBalancers, 1, 4)
		if r.GatewayZones < 0 || r.GatewayZones > r.Zones {
			c.failf(p+".gatewayZones", "must be between 0 (every zone) and zones (%d)", r.Zones)
		}
		c.subnet(p+".clientSubnet", r.ClientSubnet, st.Regions[:i], &nets)
	}
	if st.MultiRegion() {
		c.regionNeeds(s)
	}
	c.gslb(s)
	c.clients(s)
}

// regionNeeds rejects what a multi-region stack does not combine with
// yet: no DNS or no client groups (a client that knows every region's LB
// addresses is not modelled), a TLS gateway or client (the resolving
// client is plain HTTP/1.1), a tlsCompare or capacity section (both stand
// up one-region stacks of their own).
func (c *checker) regionNeeds(s *Scenario) {
	switch {
	case s.Stack.GSLB == nil:
		c.failf("stack.regions", "needs stack.gslb: clients find a region through the DNS")
	case len(s.Load.Clients) == 0:
		c.failf("stack.regions", "needs load.clients: one client group per client region")
	}
	if s.Stack.Gateway.TLS.Enabled || s.Load.TLS.Enabled {
		c.failf("stack.regions", "does not combine with TLS yet: the resolving client groups speak plain HTTP/1.1")
	}
	if s.TLSCompare != nil {
		c.failf("tlsCompare", "does not combine with stack.regions")
	}
	if s.Capacity != nil {
		c.failf("capacity", "does not combine with stack.regions")
	}
}

// subnet checks one region's client subnet and that it overlaps none of
// the earlier regions' (nets collects the valid ones).
func (c *checker) subnet(path, cidr string, earlier []Region, nets *[]netip.Prefix) {
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil || !pfx.Addr().Is4() {
		c.failf(path, "must be an IPv4 CIDR such as 10.100.0.0/24")
		return
	}
	pfx = pfx.Masked()
	for _, o := range *nets {
		if o.Overlaps(pfx) {
			c.failf(path, "%s overlaps %s of an earlier region", pfx, o)
			break
		}
	}
	*nets = append(*nets, pfx)
}

func (c *checker) gslb(s *Scenario) {
	g := s.Stack.GSLB
	if g == nil {
		return
	}
	if !s.Stack.MultiRegion() {
		c.failf("stack.gslb", "needs stack.regions: a one-region stack has nothing to choose between")
	}
	switch g.Strategy {
	case StrategyFailover, StrategyRoundRobin:
	default:
		c.failf("stack.gslb.strategy", "must be %s or %s", StrategyFailover, StrategyRoundRobin)
	}
	if len(g.Name) < 2 || g.Name[len(g.Name)-1] != '.' {
		c.failf("stack.gslb.name", "must be a fully qualified name ending in '.', e.g. %s", DefaultGSLBName)
	}
	c.notNegative("stack.gslb.ttl", g.TTL)
	if g.TTL.D()%time.Second != 0 {
		c.failf("stack.gslb.ttl", "must be whole seconds (a DNS TTL is)")
	}
	h := g.HealthCheck
	if h.Interval.D() < 100*time.Millisecond {
		c.failf("stack.gslb.healthCheck.interval", "must be >= 100ms")
	}
	c.atLeast("stack.gslb.healthCheck.rise", h.Rise, 1)
	c.atLeast("stack.gslb.healthCheck.fall", h.Fall, 1)
	c.positive("stack.gslb.healthCheck.timeout", h.Timeout)
	if h.Path == "" || h.Path[0] != '/' {
		c.failf("stack.gslb.healthCheck.path", "must start with '/'")
	}
}

func (c *checker) clients(s *Scenario) {
	cl := s.Load.Clients
	if len(cl) == 0 {
		return
	}
	if s.Stack.GSLB == nil {
		c.failf("load.clients", "needs stack.gslb: client groups resolve the gateway's name through it")
	}
	if (s.Load.Shape != "" && s.Load.Shape != ShapeConstant) || len(s.Load.Phases) > 0 {
		c.failf("load.clients", "needs a constant load: each group offers its share of load.rate")
	}
	seen := map[string]int{}
	sum := 0.0
	for i, g := range cl {
		p := fmt.Sprintf("load.clients[%d]", i)
		if _, ok := s.Stack.RegionOf(g.Region); !ok {
			c.failf(p+".region", "unknown region %q (regions: %v)", g.Region, s.Stack.RegionNames())
		} else if j, dup := seen[g.Region]; dup {
			c.failf(p+".region", "second group for region %q (first at load.clients[%d])", g.Region, j)
		} else {
			seen[g.Region] = i
		}
		if !(g.Share > 0 && g.Share <= 1) { // written so that NaN fails
			c.failf(p+".share", "must be in (0, 1]")
		}
		sum += g.Share
		switch g.Resolver {
		case ResolverTTL:
		case ResolverCached:
			if gs := s.Stack.GSLB; gs != nil && gs.TTL == 0 {
				c.failf(p+".resolver", "cached with stack.gslb.ttl 0: a zero TTL says never cache, which a cached client ignores")
			}
		default:
			c.failf(p+".resolver", "must be %s or %s", ResolverTTL, ResolverCached)
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		c.failf("load.clients", "shares sum to %g, must sum to 1", sum)
	}
}

// faultRegion checks a fault's region: required by region-outage and, once
// regions exist, by every fault that names a zone, node, LB or replica;
// it must name a region of stack.regions.
func (c *checker) faultRegion(p string, f Fault, kind faultKind, st StackProfile) {
	scoped := kind.zone || kind.node || kind.lb || (kind.target && f.Target != "" && f.Target != TargetAll)
	switch {
	case f.Region == "" && kind.region:
		c.failf(p+".region", "required by %s (one of %v)", f.Kind, st.RegionNames())
	case f.Region == "" && scoped && st.MultiRegion():
		c.failf(p+".region", "required with stack.regions: which region's %s (one of %v)", scopeWord(kind), st.RegionNames())
	case f.Region == "":
	case !st.MultiRegion():
		c.failf(p+".region", "needs stack.regions (this stack has one region)")
	case !kind.region && !scoped:
		c.failf(p+".region", "not used by %s", f.Kind)
	default:
		if _, ok := st.RegionOf(f.Region); !ok {
			c.failf(p+".region", "unknown region %q (regions: %v)", f.Region, st.RegionNames())
		}
	}
}

// scopeWord names what a scoped fault selects, for messages.
func scopeWord(k faultKind) string {
	switch {
	case k.zone:
		return "zone"
	case k.node:
		return "node"
	case k.lb:
		return "load balancer"
	}
	return "replica"
}

// sloRegion checks an SLO's region: a client region with a group.
func (c *checker) sloRegion(p string, o SLO, s *Scenario) {
	if o.Region == "" {
		return
	}
	for _, g := range s.Load.Clients {
		if g.Region == o.Region {
			return
		}
	}
	c.failf(p+".region", "no client group for region %q in load.clients", o.Region)
}

// FailoverBudget is what the configuration predicts a client region's
// failover after its region died costs, in parts: detection by the DNS
// health checks (fall × interval, plus one check's timeout), publication
// (the answer changes as the check flips: 0 here), and the TTL a ttl
// resolver may keep the old answer. A cached resolver never moves: ok is
// false. The verdict compares the measured failover with Total plus one
// check interval.
type FailoverBudget struct {
	Detection, Publication, TTL time.Duration
}

// Total is the predicted failover.
func (b FailoverBudget) Total() time.Duration { return b.Detection + b.Publication + b.TTL }

// PredictFailover is the budget for a client group's failover (see
// FailoverBudget); ok is false without a DNS or for a cached resolver.
func (s *Scenario) PredictFailover(g ClientGroup) (b FailoverBudget, ok bool) {
	gs := s.Stack.GSLB
	if gs == nil || g.Resolver == ResolverCached {
		return FailoverBudget{}, false
	}
	h := gs.HealthCheck
	return FailoverBudget{
		Detection: time.Duration(h.Fall)*h.Interval.D() + h.Timeout.D(),
		TTL:       gs.TTL.D(),
	}, true
}

// RegionTarget names what a fault acts on in a region: the region itself
// ("" target, region-outage) or the region-prefixed zone, node, LB or
// replica (eu-z1, eu-z1n1, eu-lb1, eu-z1n1-gw0).
func RegionTarget(region, target string) string {
	if target == "" {
		return region
	}
	return region + "-" + target
}

// ForRegion is the one-region stack profile of a region: its topology
// counts in the flat fields, the stack-wide gateway and LB profiles, no
// regions. A provider stands each region up from it.
func (st StackProfile) ForRegion(name string) StackProfile {
	out := st.inRegion(name)
	out.Regions, out.GSLB = nil, nil
	return out
}
