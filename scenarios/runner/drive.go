package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/gatecert/gatecert/fixtures/topology"
	"github.com/gatecert/gatecert/loadgen"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/fault"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// drive runs the load and, on its own clock, the fault timeline; it returns
// when both are done. A fault that cannot be injected is an environment
// error: the verdict would judge a run in which nothing was broken.
func (st *state) drive(ctx context.Context, topo topology.Topology) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg := st.loadConfig(topo)
	start := time.Now()
	var wg sync.WaitGroup
	faultErrs := make([]error, len(st.s.Faults))
	for i, f := range st.s.Faults {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sleepUntil(ctx, start.Add(f.At.D())) {
				faultErrs[i] = fault.Inject(ctx, topo, f, st.events)
			}
		}()
	}
	var loadErr error
	if usesGroups(st.s) {
		loadErr = st.runGroups(ctx, topo, cfg)
	} else {
		_, loadErr = loadgen.Run(ctx, cfg)
	}
	wg.Wait()
	if err := errors.Join(faultErrs...); err != nil {
		return fmt.Errorf("%w: fault: %w", ErrEnvironment, err)
	}
	if loadErr != nil {
		return fmt.Errorf("load: %w", loadErr)
	}
	return ctx.Err()
}

func (st *state) loadConfig(topo topology.Topology) loadgen.Config {
	// A topology that terminates TLS at its gateways offers the CA that
	// signed their certificates; the client trusts nothing else.
	var caPEM []byte
	if ca, ok := topo.(topology.CASource); ok {
		caPEM = ca.CACertPEM()
	}
	cfg := loadgen.ConfigOf(st.s.Load, caPEM)
	for _, lb := range topo.LBs() {
		cfg.Targets = append(cfg.Targets, lb.Addr)
	}
	cfg.Zones = map[string]string{}
	cfg.Nodes = map[string]string{}
	for _, g := range topo.Gateways() {
		cfg.Zones[g.Name] = g.Zone
		// A replica's address is its node's where the gateway runs in the
		// node's network (the local provider): what a Cluster hop's SNAT
		// shows the gateway as its peer.
		if h, _, err := net.SplitHostPort(g.Addr); err == nil {
			cfg.Nodes[h] = g.Node
		}
	}
	for _, b := range topo.Backends() {
		cfg.Zones[b.Name] = b.Zone
	}
	cfg.Dial = topo.Dial
	cfg.LedgerDir, cfg.VegetaResults = st.dir, true
	cfg.Progress = func(s loadgen.Stats) { st.progress("load", s) }
	return cfg
}

// progress reports a snapshot to the runner's Progress callback.
func (st *state) progress(phase string, s loadgen.Stats) {
	if st.r.Progress == nil {
		return
	}
	st.mu.Lock()
	f := st.lastFault
	st.mu.Unlock()
	st.r.Progress(Progress{Scenario: st.s.Name, Phase: phase, Elapsed: time.Since(st.started), Load: s, Fault: f})
}

// assemble judges the run through the one assembler, its validity
// checked against the samples, and writes its artifacts once; partial
// marks an interrupted run's verdict.
func (st *state) assemble(topo topology.Topology, samples *reports.Samples, partial bool) (*reports.Verdict, error) {
	st.progress("verdict", loadgen.Stats{})
	st.mu.Lock()
	notes := slices.Clone(st.notes)
	st.mu.Unlock()
	v, err := reports.Assemble(reports.Assembly{
		Scenario: st.s, RunID: st.r.RunID, Provider: st.r.Provider.Name(), Dir: st.dir,
		BackendLedgers: topo.BackendLedgers(), Events: st.events.All(),
		Overrides: st.overrides, Notes: notes, Interrupted: partial,
		Validity: &reports.Validity{Samples: samples, Bounds: reports.DefaultBounds},
	})
	if err != nil {
		return nil, fmt.Errorf("assemble verdict: %w", err)
	}
	return v, reports.WriteArtifacts(st.dir, v)
}

// sleepUntil waits for t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// Check reports whether every fault of s is supported (for plan and skip).
func Check(topo topology.Topology, s *spec.Scenario) error {
	for _, f := range s.Faults {
		if err := topology.Check(topo, f); err != nil {
			return err
		}
	}
	return nil
}
