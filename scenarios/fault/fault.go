// Package fault turns timeline entries into calls on a provider's fault
// capabilities. A provider that lacks the capability a fault needs makes
// the scenario skip with the reason; nothing here ever pretends to inject.
package fault

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatecert/gatecert/fixtures/topology"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// Inject runs fault f to completion, including its undo (the replica
// replaced, the stack back to its desired state), emitting inject and
// revert events around it. Faults that hold a state (a dead node, a cut
// link) keep it for f.Duration before the undo; Duration is a protocol
// timer of the scenario, not synchronisation.
func Inject(ctx context.Context, topo topology.Topology, f spec.Fault, rec spec.Recorder) error {
	if err := topology.Check(topo, f); err != nil {
		return err
	}
	r := named{rec: rec, fault: f.Name, kind: f.Kind}
	target := targetOf(f)
	r.Record(spec.Event{Time: time.Now(), Step: spec.StepInject, Target: target})
	err := run(ctx, topo, f, r)
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	r.Record(spec.Event{Time: time.Now(), Step: spec.StepRevert, Target: target, Detail: detail})
	return err
}

// run dispatches f to the provider's capability.
func run(ctx context.Context, topo topology.Topology, f spec.Fault, rec spec.Recorder) error {
	switch f.Kind {
	case spec.FaultPodTerminate:
		return hold(ctx, f, rec, func() (topology.Undo, error) {
			return topo.(topology.PodTerminator).TerminatePod(ctx, firstTarget(topo, f), rec)
		})
	case spec.FaultRollingRestart:
		return rollingRestart(ctx, topo, f, rec)
	case spec.FaultPodKill:
		return hold(ctx, f, rec, func() (topology.Undo, error) {
			return topo.(topology.PodKiller).KillPod(ctx, firstTarget(topo, f), rec)
		})
	case spec.FaultScale:
		return hold(ctx, f, rec, func() (topology.Undo, error) { return topo.(topology.Scaler).Scale(ctx, f.Replicas, rec) })
	case spec.FaultNodeKill:
		return hold(ctx, f, rec, func() (topology.Undo, error) { return topo.(topology.NodeStopper).KillNode(ctx, f.Node, rec) })
	case spec.FaultNodeDrain:
		return hold(ctx, f, rec, func() (topology.Undo, error) { return topo.(topology.NodeDrainer).DrainNode(ctx, f.Node, rec) })
	case spec.FaultZoneOutage:
		if f.Mode == spec.ModeIsolate {
			return hold(ctx, f, rec, func() (topology.Undo, error) { return topo.(topology.ZoneIsolator).IsolateZone(ctx, f.Zone, rec) })
		}
		return hold(ctx, f, rec, func() (topology.Undo, error) { return killZone(ctx, topo, f.Zone, rec) })
	case spec.FaultLBKill:
		return hold(ctx, f, rec, func() (topology.Undo, error) { return topo.(topology.LBKiller).KillLB(ctx, f.LB, f.Mode, rec) })
	case spec.FaultLBDrain:
		return hold(ctx, f, rec, func() (topology.Undo, error) { return topo.(topology.LBDrainer).DrainLB(ctx, f.LB, rec) })
	case spec.FaultPartition:
		return hold(ctx, f, rec, func() (topology.Undo, error) { return topo.(topology.Partitioner).PartitionZone(ctx, f.Zone, rec) })
	case spec.FaultRegionOutage:
		return hold(ctx, f, rec, func() (topology.Undo, error) { return topo.(topology.RegionKiller).KillRegion(ctx, f.Region, rec) })
	}
	return fmt.Errorf("%w: unknown fault kind %q", topology.ErrUnsupported, f.Kind)
}

// hold injects, keeps the fault for f.Duration, then reverts it. The undo
// runs even when ctx ends during the hold (with a context Ctrl-C cannot
// cancel, bounded by undoTimeout) so an interrupted run is not left with a
// half-broken stack before its teardown.
func hold(ctx context.Context, f spec.Fault, rec spec.Recorder, inject func() (topology.Undo, error)) error {
	undo, err := inject()
	if err != nil {
		return err
	}
	holdErr := sleep(ctx, f.Duration.D())
	uctx := ctx
	if holdErr != nil {
		var cancel context.CancelFunc
		uctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
		defer cancel()
	}
	rec.Record(spec.Event{Time: time.Now(), Step: spec.StepRestore, Target: targetOf(f)})
	if err := undo(uctx); err != nil {
		return errors.Join(holdErr, fmt.Errorf("revert %s: %w", f.Name, err))
	}
	return holdErr
}

// undoTimeout bounds an undo that runs after the run was cancelled.
const undoTimeout = 30 * time.Second

// killZone kills every node of zone at once (each node's link goes down
// before its processes die); the Undo boots them all.
func killZone(ctx context.Context, topo topology.Topology, zone string, rec spec.Recorder) (topology.Undo, error) {
	ns := topo.(topology.NodeStopper)
	nodes := nodesOf(topo, zone)
	if len(nodes) == 0 {
		return nil, fmt.Errorf("zone outage: no node in zone %q", zone)
	}
	undos := make([]topology.Undo, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			undos[i], errs[i] = ns.KillNode(ctx, n, rec)
		}()
	}
	wg.Wait()
	undo := func(ctx context.Context) error {
		uerrs := make([]error, len(undos))
		var wg sync.WaitGroup
		for i, u := range undos {
			if u == nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				uerrs[i] = u(ctx)
			}()
		}
		wg.Wait()
		return errors.Join(uerrs...)
	}
	if err := errors.Join(errs...); err != nil {
		// Bring back what did die before reporting.
		return nil, errors.Join(err, undo(context.WithoutCancel(ctx)))
	}
	return undo, nil
}

// nodesOf lists the nodes of zone that run a gateway replica or a backend,
// in topology order.
func nodesOf(topo topology.Topology, zone string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(node, z string) {
		if z == zone && !seen[node] {
			seen[node] = true
			out = append(out, node)
		}
	}
	for _, g := range topo.Gateways() {
		add(g.Node, g.Zone)
	}
	for _, b := range topo.Backends() {
		add(b.Node, b.Zone)
	}
	return out
}

// targetOf is what the inject and revert events name.
func targetOf(f spec.Fault) string {
	if f.Region != "" {
		return spec.RegionTarget(f.Region, targetInRegion(f))
	}
	return targetInRegion(f)
}

// targetInRegion is what f acts on, named as in a one-region stack.
func targetInRegion(f spec.Fault) string {
	switch {
	case f.Node != "":
		return f.Node
	case f.Zone != "":
		return f.Zone
	case f.LB != "":
		return f.LB
	case f.Kind == spec.FaultScale:
		return fmt.Sprintf("%d replicas", f.Replicas)
	}
	return f.Target
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// terminate gracefully terminates one replica and waits for its replacement.
func terminate(ctx context.Context, pt topology.PodTerminator, name string, rec spec.Recorder) error {
	undo, err := pt.TerminatePod(ctx, name, rec)
	if err != nil {
		return err
	}
	if err := undo(ctx); err != nil {
		return fmt.Errorf("replace %s: %w", name, err)
	}
	return nil
}

// rollingRestart replaces every targeted replica, MaxUnavailable at a time,
// each batch waiting until its replacements are ready in every LB (the
// Deployment controller's behaviour without surge). maxSurge is not
// offered: the local provider's replicas are fixed slots (one listen port
// each, named in every LB's config), so a surge pod would have to be a
// provisioned spare, which is what the scale fault uses; faking surge by
// starting the replacement before the old pod stops would not be the
// same thing on one port.
func rollingRestart(ctx context.Context, topo topology.Topology, f spec.Fault, rec spec.Recorder) error {
	pt := topo.(topology.PodTerminator)
	names := targets(topo, f)
	batch := max(f.MaxUnavailable, 1)
	for i := 0; i < len(names); i += batch {
		part := names[i:min(i+batch, len(names))]
		errs := make([]error, len(part))
		var wg sync.WaitGroup
		for j, n := range part {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[j] = terminate(ctx, pt, n, rec)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return nil
}

// targets lists the replicas a fault applies to, in topology order.
func targets(topo topology.Topology, f spec.Fault) []string {
	var out []string
	for _, g := range topo.Gateways() {
		if f.Target == "" || f.Target == "all" || f.Target == g.Name {
			out = append(out, g.Name)
		}
	}
	return out
}

func firstTarget(topo topology.Topology, f spec.Fault) string {
	if t := targets(topo, f); len(t) > 0 {
		return t[0]
	}
	return f.Target
}

// named stamps events with the fault's name and kind.
type named struct {
	rec         spec.Recorder
	fault, kind string
}

func (n named) Record(e spec.Event) {
	e.Fault, e.Kind = n.fault, n.kind
	n.rec.Record(e)
}
