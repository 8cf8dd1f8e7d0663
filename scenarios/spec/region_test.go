package spec

import (
	"strings"
	"testing"
	"time"
)

// regionBase is a valid two-region scenario with a DNS and client groups;
// each case below appends or replaces lines to break one rule.
const regionBase = `name: regions
stack:
  zones: 2
  nodesPerZone: 1
  regions:
    - name: eu
    - name: us
      zones: 3
  gslb:
    ttl: 5s
load:
  rate: 100
  duration: 30s
  clients:
    - {region: eu, share: 0.5}
    - {region: us, share: 0.5, resolver: cached}
faults:
  - kind: region-outage
    region: eu
    at: 10s
slos:
  - kind: maxFailover
    max: 20s
    region: eu
`

func TestRegionDefaults(t *testing.T) {
	s, err := Decode("r.yaml", []byte(regionBase))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("valid scenario rejected:\n%v", err)
	}
	eu, us := s.Stack.Regions[0], s.Stack.Regions[1]
	if eu.Zones != 2 || us.Zones != 3 || eu.NodesPerZone != 1 || us.LoadBalancers != 2 {
		t.Errorf("flat fields not inherited: eu %+v us %+v", eu, us)
	}
	if eu.ClientSubnet != "10.77.201.0/24" || us.ClientSubnet != "10.77.202.0/24" {
		t.Errorf("subnets %s %s, want 10.77.201.0/24 10.77.202.0/24", eu.ClientSubnet, us.ClientSubnet)
	}
	g := s.Stack.GSLB
	if g.Name != DefaultGSLBName || g.Strategy != StrategyFailover || g.TTL.D() != 5*time.Second ||
		g.HealthCheck.Interval.D() != time.Second || g.HealthCheck.Fall != 2 || g.HealthCheck.Path != "/healthz" {
		t.Errorf("gslb defaults: %+v", g)
	}
	if s.Load.Clients[0].Resolver != ResolverTTL || s.Load.Clients[1].Resolver != ResolverCached {
		t.Errorf("resolvers: %+v", s.Load.Clients)
	}
}

// TestRegionBadInput checks each rejected combination gives its
// file:line:field error.
func TestRegionBadInput(t *testing.T) {
	cases := []struct {
		name, from, to, want string
	}{
		{"unknown fault region", "    region: eu\n    at: 10s", "    region: asia\n    at: 10s",
			`r.yaml:19: faults[0].region: unknown region "asia" (regions: [eu us])`},
		{"unknown client region", "{region: us, share: 0.5, resolver: cached}", "{region: ap, share: 0.5}",
			`r.yaml:16: load.clients[1].region: unknown region "ap" (regions: [eu us])`},
		{"overlapping subnets", "    - name: us\n", "    - name: us\n      clientSubnet: 10.77.201.128/25\n",
			`r.yaml:8: stack.regions[1].clientSubnet: 10.77.201.128/25 overlaps 10.77.201.0/24 of an earlier region`},
		{"shares", "{region: eu, share: 0.5}", "{region: eu, share: 0.6}",
			`r.yaml:14: load.clients: shares sum to 1.1, must sum to 1`},
		{"ttl 0 with cached", "    ttl: 5s", "    ttl: 0s",
			`r.yaml:16: load.clients[1].resolver: cached with stack.gslb.ttl 0: a zero TTL says never cache, which a cached client ignores`},
		{"zone fault without region", "  - kind: region-outage\n    region: eu\n", "  - kind: zone-outage\n    zone: z1\n",
			`r.yaml:18: faults[0].region: required with stack.regions: which region's zone (one of [eu us])`},
		{"zone beyond the region", "  - kind: region-outage\n    region: eu\n", "  - kind: zone-outage\n    zone: z3\n    region: eu\n",
			`r.yaml:19: faults[0].zone: zone z3 does not exist (zones 2)`},
		{"slo region without group", "    max: 20s\n    region: eu\n", "    max: 20s\n    region: ap\n",
			`r.yaml:24: slos[0].region: no client group for region "ap" in load.clients`},
		{"strategy", "    ttl: 5s", "    ttl: 5s\n    strategy: nearest",
			`r.yaml:11: stack.gslb.strategy: must be failover or roundRobin`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(regionBase, tc.from) {
				t.Fatalf("case does not apply: %q not in the base scenario", tc.from)
			}
			s, err := Decode("r.yaml", []byte(strings.Replace(regionBase, tc.from, tc.to, 1)))
			if err == nil {
				err = s.Validate()
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("got:\n%v\nwant:\n%s", err, tc.want)
			}
		})
	}
}

// TestRegionNeedsRegions: the DNS and client groups are rejected on a
// one-region stack, and region-outage needs a region.
func TestRegionNeedsRegions(t *testing.T) {
	s := valid()
	s.Stack.GSLB = &GSLB{}
	s.Load.Clients = []ClientGroup{{Region: "eu", Share: 1}}
	s.Faults = []Fault{{Kind: FaultRegionOutage, At: sec(1)}}
	s.Defaults()
	err := s.Validate()
	for _, want := range []string{
		"stack.gslb: needs stack.regions",
		`load.clients[0].region: unknown region "eu"`,
		"faults[0].region: required by region-outage",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

// TestRegionsNeedDNSAndClients: regions without a DNS, without client
// groups or with TLS are rejected, located at stack.regions.
func TestRegionsNeedDNSAndClients(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"  gslb:\n    ttl: 5s\n", "", "stack.regions: needs stack.gslb"},
		{"  clients:\n    - {region: eu, share: 0.5}\n    - {region: us, share: 0.5, resolver: cached}\n", "",
			"stack.regions: needs load.clients"},
		{"  gslb:\n", "  gateway: {tls: {enabled: true}}\n  gslb:\n", "stack.regions: does not combine with TLS yet"},
	} {
		if !strings.Contains(regionBase, tc.from) {
			t.Fatalf("case does not apply: %q", tc.from)
		}
		s, err := Decode("r.yaml", []byte(strings.Replace(regionBase, tc.from, tc.to, 1)))
		if err == nil {
			err = s.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), "r.yaml:5: "+tc.want) {
			t.Errorf("got:\n%v\nwant r.yaml:5: %s", err, tc.want)
		}
	}
}

// TestOneRegionUnchanged: a scenario without regions gets no region
// defaults, so its resolved form (and every golden) stays as it was.
func TestOneRegionUnchanged(t *testing.T) {
	s := valid()
	if s.Stack.MultiRegion() || s.Stack.GSLB != nil || s.Load.Clients != nil || s.Stack.RegionNames() != nil {
		t.Errorf("one-region scenario grew region fields: %+v %+v", s.Stack, s.Load.Clients)
	}
}
