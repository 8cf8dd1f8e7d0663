package plan

import (
	"bytes"
	"testing"

	"github.com/gatecert/gatecert/scenarios/spec"
)

const regionScenario = `name: region-plan
stack:
  zones: 2
  nodesPerZone: 1
  regions: [{name: eu}, {name: us, zones: 3}]
  gslb:
    ttl: 5s
    healthCheck: {interval: 1s, fall: 2, timeout: 500ms}
load:
  rate: 200
  duration: 30s
  clients:
    - {region: eu, share: 0.5}
    - {region: us, share: 0.5, resolver: cached}
faults:
  - {kind: region-outage, region: eu, at: 10s, duration: 10s}
slos:
  - {kind: maxFailover, max: 10s, region: eu}
`

// TestPlanRegions: the plan shows each region with its prefixed names,
// the DNS's strategy, TTL and checks, each client group with its share and
// the failover its resolver predicts, and region-scoped faults and SLOs.
func TestPlanRegions(t *testing.T) {
	s, err := spec.Decode("r.yaml", []byte(regionScenario))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	Write(&b, s, nil)
	wantLines(t, b.String(),
		"regions: 2 (nearest = the client's own region, then the others in this order; no latency is modelled)",
		"  eu: 2 zones (eu-z1…) × 1 nodes, 2 gateway replicas, LBs eu-lb1 eu-lb2 → this region's replicas; clients 10.77.201.0/24",
		"  us: 3 zones (us-z1…) × 1 nodes, 3 gateway replicas",
		"dns gateway.gatecert.test.: strategy failover, ttl 5s; checks every LB with GET /healthz through the LB to a gateway every 1s (rise 2, fall 2, timeout 500ms)",
		"clients eu: 50% of the load (100 req/s), resolver ttl; predicted failover if eu dies: detection 2.5s + publication 0s + ttl 5s = 7.5s",
		"clients us: 50% of the load (100 req/s), resolver cached; never re-resolves: if us dies its clients stay on it",
		"region-outage (region-outage) on region eu",
		"maxFailover <= 10s to steady success (1s without failure), per fault — clients of region eu",
	)
}
