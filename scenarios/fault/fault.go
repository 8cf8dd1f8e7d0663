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

// ErrUnsupported marks a fault the provider cannot inject.
var ErrUnsupported = errors.New("fault not supported by provider")

// Check reports, before anything runs, whether topo can inject f.
func Check(topo topology.Topology, f spec.Fault) error {
	switch f.Kind {
	case spec.FaultPodTerminate, spec.FaultRollingRestart:
		if _, ok := topo.(topology.PodTerminator); !ok {
			return fmt.Errorf("%w: %s needs graceful pod termination", ErrUnsupported, f.Kind)
		}
		return nil
	}
	return fmt.Errorf("%w: unknown fault kind %q", ErrUnsupported, f.Kind)
}

// Inject runs fault f to completion, including its undo (the replica
// replaced, the stack back to its desired state), emitting inject and
// revert events around it.
func Inject(ctx context.Context, topo topology.Topology, f spec.Fault, rec spec.Recorder) error {
	if err := Check(topo, f); err != nil {
		return err
	}
	r := named{rec: rec, fault: f.Name, kind: f.Kind}
	r.Record(spec.Event{Time: time.Now(), Step: spec.StepInject, Target: f.Target})
	var err error
	switch f.Kind {
	case spec.FaultPodTerminate:
		err = terminate(ctx, topo.(topology.PodTerminator), firstTarget(topo, f), r)
	case spec.FaultRollingRestart:
		err = rollingRestart(ctx, topo, f, r)
	}
	detail := ""
	if err != nil {
		detail = err.Error()
	}
	r.Record(spec.Event{Time: time.Now(), Step: spec.StepRevert, Target: f.Target, Detail: detail})
	return err
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
// Deployment controller's behaviour without surge).
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
