package runner

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gatecert/gatecert/fixtures/gslb"
	"github.com/gatecert/gatecert/fixtures/topology"
	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/loadgen"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// regionTopology is two regions on loopback: one "LB" per region (an HTTP
// server answering like a gateway and /healthz), the real DNS GSLB, and
// client regions told apart by source address (eu 127.0.5.1, us
// 127.0.6.1). KillRegion closes eu's LB (connects refused) until undone.
type regionTopology struct {
	bareTopology
	port int
	dns  *gslb.Server
	dnsA string

	mu   sync.Mutex
	srvs map[string]*http.Server
}

var (
	_ topology.RegionClients = (*regionTopology)(nil)
	_ topology.RegionKiller  = (*regionTopology)(nil)
)

var regionLB = map[string]string{"eu": "127.0.0.31", "us": "127.0.0.32"}

func (rt *regionTopology) serve(region string) error {
	l, err := net.Listen("tcp", net.JoinHostPort(regionLB[region], strconv.Itoa(rt.port)))
	if err != nil {
		return err
	}
	if rt.port == 0 {
		rt.port = l.Addr().(*net.TCPAddr).Port
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(loadgen.HeaderGateway, region+"-z1n1-gw0")
		w.Header().Set(loadgen.HeaderBackend, region+"-z1n1-echo")
	})}
	rt.mu.Lock()
	rt.srvs[region] = srv
	rt.mu.Unlock()
	go func() { _ = srv.Serve(l) }() // ends with Close
	return nil
}

func (rt *regionTopology) LBs() []topology.LB {
	p := strconv.Itoa(rt.port)
	return []topology.LB{{Name: "eu-lb1", Addr: regionLB["eu"] + ":" + p}, {Name: "us-lb1", Addr: regionLB["us"] + ":" + p}}
}

func (rt *regionTopology) DNSAddr() string { return rt.dnsA }

func (rt *regionTopology) ClientDial(region string) func(context.Context, string, string) (net.Conn, error) {
	src := map[string]string{"eu": "127.0.5.1", "us": "127.0.6.1"}[region]
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		if network == "udp" {
			d.LocalAddr = &net.UDPAddr{IP: net.ParseIP(src)}
		}
		return d.DialContext(ctx, network, addr)
	}
}

func (rt *regionTopology) Regions() map[string]string {
	return map[string]string{"eu-lb1": "eu", "us-lb1": "us", "eu-z1n1-gw0": "eu", "us-z1n1-gw0": "us"}
}

func (rt *regionTopology) KillRegion(ctx context.Context, region string, rec spec.Recorder) (topology.Undo, error) {
	rt.mu.Lock()
	srv := rt.srvs[region]
	rt.mu.Unlock()
	if err := srv.Close(); err != nil {
		return nil, err
	}
	return func(context.Context) error { return rt.serve(region) }, nil
}

func (rt *regionTopology) Down(ctx context.Context) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	errs := []error{rt.dns.Stop()}
	for _, s := range rt.srvs {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// upRegions stands the loopback regions and the DNS up for sc.
func upRegions(t *testing.T, sc *spec.Scenario) *regionTopology {
	t.Helper()
	rt := &regionTopology{srvs: map[string]*http.Server{}}
	for _, r := range []string{"eu", "us"} {
		if err := rt.serve(r); err != nil {
			t.Skipf("loopback address for region %s: %v", r, err)
		}
	}
	cfg, err := gslb.FromSpec(sc.Stack, map[string][]gslb.LB{
		"eu": {{Name: "eu-lb1", Addr: netip.MustParseAddr(regionLB["eu"]), Port: rt.port}},
		"us": {{Name: "us-lb1", Addr: netip.MustParseAddr(regionLB["us"]), Port: rt.port}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rt.dns, err = gslb.New(cfg, gslb.HTTPProbe((&net.Dialer{}).DialContext, "gateway.gatecert.test", "/healthz")); err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.dns.Start(pc); err != nil {
		t.Fatal(err)
	}
	rt.dnsA = pc.LocalAddr().String()
	return rt
}

type regionProvider struct{ topo *regionTopology }

func (p *regionProvider) Name() string { return "loopback" }
func (p *regionProvider) Up(context.Context, topology.Request) (topology.Topology, error) {
	return p.topo, nil
}

// TestClientGroupsThroughTheRunner: a two-region scenario runs end to end
// through the runner — one load generator per client group resolving
// through the DNS, the groups' ledgers merged with their id ranges and
// regions, a region outage of eu — and the verdict judges each client
// region on its own records: us never failed, eu failed over within
// detection + TTL.
func TestClientGroupsThroughTheRunner(t *testing.T) {
	sc := &spec.Scenario{Name: "regions",
		Stack: spec.StackProfile{Zones: 1, NodesPerZone: 1,
			Regions: []spec.Region{{Name: "eu", ClientSubnet: "127.0.5.0/24"}, {Name: "us", ClientSubnet: "127.0.6.0/24"}},
			GSLB: &spec.GSLB{TTL: spec.Duration(time.Second), HealthCheck: spec.GSLBHealthCheck{
				Interval: spec.Duration(200 * time.Millisecond), Timeout: spec.Duration(100 * time.Millisecond)}}},
		Load: spec.Load{Rate: 200, Duration: spec.Duration(4 * time.Second), Timeout: spec.Duration(2 * time.Second),
			Clients: []spec.ClientGroup{{Region: "eu", Share: 0.5}, {Region: "us", Share: 0.5, Resolver: spec.ResolverCached}}},
		Faults: []spec.Fault{{Kind: spec.FaultRegionOutage, Region: "eu", At: spec.Duration(time.Second), Duration: spec.Duration(2 * time.Second)}},
		SLOs: []spec.SLO{
			{Kind: spec.SLOMaxFailover, Max: spec.Duration(1900 * time.Millisecond), Region: "eu"},
			{Kind: spec.SLOAvailability, Min: 1, Region: "us"},
		},
	}
	sc.Defaults()
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	rt := upRegions(t, sc)
	root := t.TempDir()
	r := &Runner{Provider: &regionProvider{topo: rt}, ArtifactsRoot: root, RunID: "rg"}
	res, err := r.Run(context.Background(), sc)
	if err != nil && !errors.Is(err, ErrEnvironment) {
		t.Logf("run: %v", err) // an invalid run on a busy machine still has its verdict
	}
	if res.Verdict == nil {
		t.Fatalf("no verdict (skipped %q, err %v)", res.Skipped, err)
	}
	m, err := ledger.ReadMeta(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Groups) != 2 || m.Groups[0].Count != 400 || m.Groups[1].First != 400 || m.Regions["eu-lb1"] != "eu" {
		t.Errorf("ledger groups %+v regions %v", m.Groups, m.Regions)
	}
	for i, s := range res.Verdict.SLOs {
		t.Logf("%s %s: passed %v, %s %v", s.Kind, sc.SLOs[i].Region, s.Passed, s.Measured, s.Details)
		if !s.Passed {
			t.Errorf("%s for region %s failed: %s", s.Kind, sc.SLOs[i].Region, s.Measured)
		}
	}
}
