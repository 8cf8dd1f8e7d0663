package runner

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatecert/gatecert/fixtures/topology"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// bareTopology has no fault capability at all: a provider that cannot
// break anything.
type bareTopology struct{ downs int }

var _ topology.Topology = (*bareTopology)(nil)

func (b *bareTopology) Zones() []string                 { return []string{"z1"} }
func (b *bareTopology) Gateways() []topology.Gateway    { return nil }
func (b *bareTopology) Backends() []topology.Backend    { return nil }
func (b *bareTopology) LBs() []topology.LB              { return nil }
func (b *bareTopology) BackendLedgers() []string        { return nil }
func (b *bareTopology) CollectDiagnostics(string) error { return nil }
func (b *bareTopology) Down(context.Context) error      { b.downs++; return nil }
func (b *bareTopology) Dial(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("bare topology: no network")
}

type bareProvider struct {
	topo *bareTopology
	err  error
}

func (p *bareProvider) Name() string { return "bare" }
func (p *bareProvider) Up(context.Context, topology.Request) (topology.Topology, error) {
	if p.err != nil {
		return nil, p.err
	}
	return p.topo, nil
}

func scenarioWith(kind string) *spec.Scenario {
	s := &spec.Scenario{Name: "x", Stack: spec.StackProfile{Zones: 1, NodesPerZone: 1},
		Load:   spec.Load{Rate: 10, Duration: spec.Duration(1e9)},
		Faults: []spec.Fault{{Name: kind, Kind: kind, Node: "z1n1", Target: "z1n1-gw0"}},
		SLOs:   []spec.SLO{{Kind: spec.SLOZeroLoss}}}
	s.Defaults()
	return s
}

// A scenario whose fault needs a capability the provider lacks is skipped
// with the reason — never run without its fault, never passed — and the
// stack it stood up is torn down.
func TestMissingCapabilitySkipsWithReason(t *testing.T) {
	for _, kind := range []string{spec.FaultRollingRestart, spec.FaultPodKill, spec.FaultNodeKill, spec.FaultLBDrain} {
		p := &bareProvider{topo: &bareTopology{}}
		r := &Runner{Provider: p, ArtifactsRoot: t.TempDir(), RunID: "r1"}
		res, err := r.Run(context.Background(), scenarioWith(kind))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if res.Verdict != nil {
			t.Errorf("%s: a verdict for a scenario that could not inject its fault", kind)
		}
		if !strings.Contains(res.Skipped, "not supported") || !strings.Contains(res.Skipped, kind) {
			t.Errorf("%s: skip reason %q does not say what is missing", kind, res.Skipped)
		}
		if p.topo.downs != 1 {
			t.Errorf("%s: stack torn down %d times, want 1", kind, p.topo.downs)
		}
	}
}

// A failed bring-up is an environment error, and the resolved scenario is
// still written for the post-mortem.
func TestBringUpFailureIsAnEnvironmentError(t *testing.T) {
	root := t.TempDir()
	r := &Runner{Provider: &bareProvider{err: errors.New("no bridge")}, ArtifactsRoot: root, RunID: "r2"}
	_, err := r.Run(context.Background(), scenarioWith(spec.FaultPodKill))
	if !errors.Is(err, ErrEnvironment) || !strings.Contains(err.Error(), "no bridge") {
		t.Fatalf("err = %v, want an environment error naming the cause", err)
	}
	if _, err := os.Stat(filepath.Join(root, "r2", "x", "scenario.resolved.yaml")); err != nil {
		t.Error(err)
	}
}
