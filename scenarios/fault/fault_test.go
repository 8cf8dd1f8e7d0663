package fault

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatecert/gatecert/fixtures/topology"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// fake is a topology of two zones with two nodes each that records what it
// was asked to do; it offers pod kill and node kill only.
type fake struct {
	mu    sync.Mutex
	calls []string
}

var (
	_ topology.Topology    = (*fake)(nil)
	_ topology.PodKiller   = (*fake)(nil)
	_ topology.NodeStopper = (*fake)(nil)
)

func (f *fake) call(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

func (f *fake) Zones() []string { return []string{"z1", "z2"} }
func (f *fake) Gateways() []topology.Gateway {
	return []topology.Gateway{
		{Name: "z1n1-gw0", Node: "z1n1", Zone: "z1"}, {Name: "z1n2-gw0", Node: "z1n2", Zone: "z1"},
		{Name: "z2n1-gw0", Node: "z2n1", Zone: "z2"}, {Name: "z2n2-gw0", Node: "z2n2", Zone: "z2"},
	}
}
func (f *fake) Backends() []topology.Backend { return nil }
func (f *fake) LBs() []topology.LB           { return []topology.LB{{Name: "lb1"}} }
func (f *fake) Dial(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("fake")
}
func (f *fake) BackendLedgers() []string        { return nil }
func (f *fake) CollectDiagnostics(string) error { return nil }
func (f *fake) Down(context.Context) error      { return nil }

func (f *fake) KillPod(_ context.Context, name string, rec spec.Recorder) (topology.Undo, error) {
	f.call("kill " + name)
	rec.Record(spec.Event{Time: time.Now(), Step: "sigkill", Target: name})
	return func(context.Context) error { f.call("restart " + name); return nil }, nil
}

func (f *fake) KillNode(_ context.Context, name string, _ spec.Recorder) (topology.Undo, error) {
	f.call("kill-node " + name)
	return func(context.Context) error { f.call("boot " + name); return nil }, nil
}

type events struct {
	mu  sync.Mutex
	all []spec.Event
}

func (e *events) Record(ev spec.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
}

func TestMissingCapabilityIsUnsupported(t *testing.T) {
	for _, f := range []spec.Fault{
		{Kind: spec.FaultLBKill, LB: "lb1", Mode: spec.ModeRefused},
		{Kind: spec.FaultZoneOutage, Zone: "z1", Mode: spec.ModeIsolate},
		{Kind: spec.FaultPartition, Zone: "z1"},
		{Kind: spec.FaultScale, Replicas: 1},
		{Kind: "no-such-kind"},
	} {
		if err := topology.Check(&fake{}, f); !errors.Is(err, topology.ErrUnsupported) {
			t.Errorf("%s: Check = %v, want topology.ErrUnsupported", f.Kind, err)
		}
		if err := Inject(context.Background(), &fake{}, f, &events{}); !errors.Is(err, topology.ErrUnsupported) {
			t.Errorf("%s: Inject = %v, want topology.ErrUnsupported", f.Kind, err)
		}
	}
	if err := topology.Check(&fake{}, spec.Fault{Kind: spec.FaultZoneOutage, Zone: "z1", Mode: spec.ModeKill}); err != nil {
		t.Errorf("zone-outage kill with a NodeStopper: %v", err)
	}
}

func TestPodKillHoldsForDuration(t *testing.T) {
	f := &fake{}
	ev := &events{}
	begin := time.Now()
	err := Inject(context.Background(), f, spec.Fault{Name: "pk", Kind: spec.FaultPodKill, Target: "z2n1-gw0", Duration: spec.Duration(200 * time.Millisecond)}, ev)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took < 200*time.Millisecond {
		t.Errorf("returned after %s, before the fault's duration", took)
	}
	if want := []string{"kill z2n1-gw0", "restart z2n1-gw0"}; !slices.Equal(f.calls, want) {
		t.Errorf("calls %q, want %q", f.calls, want)
	}
	var steps []string
	for _, e := range ev.all {
		steps = append(steps, e.Step)
		if e.Fault != "pk" || e.Kind != spec.FaultPodKill {
			t.Errorf("event %+v not stamped with the fault", e)
		}
	}
	if want := []string{spec.StepInject, "sigkill", spec.StepRestore, spec.StepRevert}; !slices.Equal(steps, want) {
		t.Errorf("steps %q, want %q", steps, want)
	}
}

func TestZoneOutageKillsEveryNodeOfTheZone(t *testing.T) {
	f := &fake{}
	if err := Inject(context.Background(), f, spec.Fault{Name: "zo", Kind: spec.FaultZoneOutage, Zone: "z2", Mode: spec.ModeKill}, &events{}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(f.calls)
	if want := []string{"boot z2n1", "boot z2n2", "kill-node z2n1", "kill-node z2n2"}; !slices.Equal(f.calls, want) {
		t.Errorf("calls %q, want %q", f.calls, want)
	}
}

func TestCancelDuringHoldStillReverts(t *testing.T) {
	f := &fake{}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	err := Inject(ctx, f, spec.Fault{Name: "nk", Kind: spec.FaultNodeKill, Node: "z1n1", Duration: spec.Duration(time.Hour)}, &events{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if want := []string{"kill-node z1n1", "boot z1n1"}; !slices.Equal(f.calls, want) {
		t.Errorf("calls %q, want %q", f.calls, want)
	}
}

// refusing has the pod-kill capability but refuses it for one replica.
type refusing struct{ fake }

var _ topology.Refuser = (*refusing)(nil)

func (r *refusing) RefuseFault(f spec.Fault) string {
	if f.Target == "z2n2-gw0" {
		return "not this one"
	}
	return ""
}

// TestRefuserSkipsWithReason: a topology with the capability that refuses
// a fault makes Check (and Inject, which injects nothing) report
// ErrUnsupported with its reason; a fault it accepts goes through.
func TestRefuserSkipsWithReason(t *testing.T) {
	r := &refusing{}
	f := spec.Fault{Name: "k", Kind: spec.FaultPodKill, Target: "z2n2-gw0"}
	if err := topology.Check(r, f); !errors.Is(err, topology.ErrUnsupported) || !strings.Contains(err.Error(), "not this one") {
		t.Fatalf("Check = %v, want topology.ErrUnsupported with the reason", err)
	}
	if err := Inject(context.Background(), r, f, &events{}); !errors.Is(err, topology.ErrUnsupported) || len(r.calls) != 0 {
		t.Fatalf("Inject = %v, calls %v; want topology.ErrUnsupported and nothing injected", err, r.calls)
	}
	f.Target = "z1n1-gw0"
	if err := topology.Check(r, f); err != nil {
		t.Fatalf("Check of an accepted fault: %v", err)
	}
}
