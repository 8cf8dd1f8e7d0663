package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/fixtures/topology"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// refusingProvider knows up front what it cannot do, and counts Ups.
type refusingProvider struct {
	bareProvider
	ups int
}

func (p *refusingProvider) RefuseFault(f spec.Fault) string {
	if f.Kind == spec.FaultLBDrain {
		return "no LB drain here"
	}
	return ""
}

func (p *refusingProvider) Up(ctx context.Context, req topology.Request) (topology.Topology, error) {
	p.ups++
	return p.bareProvider.Up(ctx, req)
}

// A fault the provider refuses skips the scenario before anything is
// stood up.
func TestRefusedFaultSkipsBeforeUp(t *testing.T) {
	p := &refusingProvider{bareProvider: bareProvider{topo: &bareTopology{}}}
	r := &Runner{Provider: p, ArtifactsRoot: t.TempDir(), RunID: "r3"}
	res, err := r.Run(context.Background(), scenarioWith(spec.FaultLBDrain))
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped != "no LB drain here" || p.ups != 0 {
		t.Fatalf("skipped %q after %d Ups, want the refusal and no Up", res.Skipped, p.ups)
	}
}

// The provider's overrides reach the scenario that runs (and its resolved
// copy), not the caller's.
func TestProviderOverridesApplyToTheRun(t *testing.T) {
	s := scenarioWith(spec.FaultPodKill)
	s.Faults[0].Node = ""
	s.SLOs = []spec.SLO{{Kind: spec.SLOMaxFailover, Max: spec.Duration(2 * time.Second), Steady: spec.Duration(time.Second)}}
	s.Overrides = &spec.Overrides{Local: []spec.Override{{Set: "slos[0].max=5s", Why: "measured"}}}
	root := t.TempDir()
	r := &Runner{Provider: &bareProvider{topo: &bareTopology{}}, ArtifactsRoot: root, RunID: "r4"}
	// bare has no overrides of its own: nothing applied.
	if _, err := r.Run(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "r4", "x", "scenario.resolved.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Resolved with") {
		t.Fatalf("overrides of another provider applied:\n%s", b)
	}
	cp, applied, err := s.ForProvider("local")
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || cp.SLOs[0].Max.D() != 5*time.Second || s.SLOs[0].Max.D() != 2*time.Second {
		t.Fatalf("ForProvider: %v %v %v %v", err, applied, cp.SLOs[0].Max, s.SLOs[0].Max)
	}
}

// scenarioRefuser refuses scenarios that need the multi-buffer build.
type scenarioRefuser struct {
	refusingProvider
}

func (p *scenarioRefuser) RefuseScenario(s *spec.Scenario) string {
	if s.NeedsMultibuffer() {
		return "no multi-buffer TLS build here"
	}
	return ""
}

// A TLS comparison whose accelerated profile needs what the provider
// cannot stand up (the multi-buffer build, its CPU flags) is skipped with
// the reason before any profile's stack exists: never run on software
// crypto instead.
func TestRefusedTLSCompareSkipsBeforeUp(t *testing.T) {
	s := &spec.Scenario{
		Name: "mb",
		Stack: spec.StackProfile{Zones: 1, NodesPerZone: 1, LoadBalancers: 1, Gateway: spec.GatewayProfile{
			Server: spec.ServerAsynchNginx, CPULimit: 0.15, TLS: spec.GatewayTLS{Enabled: true, Key: spec.KeyRSA}}},
		Load: spec.Load{Rate: 60, Duration: spec.Duration(2 * time.Second), Connection: spec.ConnectionClose, TLS: spec.LoadTLS{Enabled: true}},
		TLSCompare: &spec.TLSCompare{Pairs: []spec.TLSPair{{Key: spec.KeyRSA,
			Baseline:    spec.TLSProfile{Name: "software", Accelerator: spec.AcceleratorNone},
			Accelerated: spec.TLSProfile{Name: "multi-buffer", Accelerator: spec.AcceleratorMultiBuffer}}}},
		SLOs: []spec.SLO{{Kind: spec.SLOTLSSpeedup}},
	}
	s.Defaults()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	p := &scenarioRefuser{refusingProvider{bareProvider: bareProvider{topo: &bareTopology{}}}}
	r := &Runner{Provider: p, ArtifactsRoot: t.TempDir(), RunID: "r5"}
	res, err := r.Run(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped != "no multi-buffer TLS build here" || p.ups != 0 || res.Verdict != nil {
		t.Fatalf("skipped %q after %d Ups (verdict %v), want the refusal, no Up, no verdict", res.Skipped, p.ups, res.Verdict)
	}
}

// nodePortRefuser is a provider with no nodePort path (the Kubernetes
// providers today).
type nodePortRefuser struct {
	refusingProvider
}

func (p *nodePortRefuser) RefuseScenario(s *spec.Scenario) string {
	if s.Stack.LB.IsNodePort() {
		return "no nodePort path here"
	}
	return ""
}

// A composite whose later part the provider refuses is skipped before
// its first part runs: nothing is stood up for a comparison that cannot
// be made.
func TestRefusedCompositePartSkipsBeforeUp(t *testing.T) {
	s := &spec.Scenario{
		Name:        "paths",
		Stack:       spec.StackProfile{Zones: 1, NodesPerZone: 1, LoadBalancers: 1},
		Load:        spec.Load{Rate: 10, Duration: spec.Duration(2 * time.Second)},
		PathCompare: &spec.PathCompare{},
		SLOs:        []spec.SLO{{Kind: spec.SLOZeroLoss}},
	}
	s.Defaults()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	p := &nodePortRefuser{refusingProvider{bareProvider: bareProvider{topo: &bareTopology{}}}}
	r := &Runner{Provider: p, ArtifactsRoot: t.TempDir(), RunID: "r6"}
	res, err := r.Run(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped != "nodeport-cluster-r1: no nodePort path here" || p.ups != 0 {
		t.Fatalf("skipped %q after %d Ups, want the nodePort part's refusal and no Up", res.Skipped, p.ups)
	}
}
