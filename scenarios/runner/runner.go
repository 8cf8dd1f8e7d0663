// Package runner executes a scenario: stack up, load through the load
// balancers, the fault timeline, collection, the verdict, the artifacts —
// and the clean-up stack, which always runs, also on error and Ctrl-C.
package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gatecert/gatecert/fixtures/topology"
	"github.com/gatecert/gatecert/loadgen"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// Runner runs scenarios on one provider.
type Runner struct {
	Provider topology.Provider
	// ArtifactsRoot is the -o folder; a scenario's artifacts go to
	// ArtifactsRoot/<run-id>/<scenario>/.
	ArtifactsRoot string
	RunID         string
	// Sets are the user's --set overrides, already applied to every
	// scenario given to Run: the runner records them in the artifacts
	// beside the provider's own overrides.
	Sets []string
	Log  *slog.Logger
	// Progress, when set, receives a snapshot about once a second.
	Progress func(Progress)
}

// Progress is what a live progress line shows.
type Progress struct {
	Scenario string
	Phase    string
	Elapsed  time.Duration
	Load     loadgen.Stats
	Fault    string // the step of the fault in progress, if any
}

// Result is the outcome of one scenario.
type Result struct {
	Scenario string
	Dir      string
	// Verdict is the run's verdict: judged, invalid, or the partial
	// verdict of an interrupted run (nil when nothing was measured).
	Verdict *reports.Verdict
	// Skipped is the reason the scenario could not run here (a missing
	// capability); a skipped scenario neither passes nor fails.
	Skipped string
}

// ErrEnvironment wraps failures of the environment (bring-up, fault
// injection), as opposed to SLO failures.
var ErrEnvironment = errors.New("environment problem")

// ErrInterrupted is returned when the user stopped the run (its context
// ended); what was measured until then is in the Result's partial verdict.
var ErrInterrupted = errors.New("interrupted")

// OutcomeOf says what became of a run from Run's result and error: the
// outcome table of reports.
func OutcomeOf(res Result, err error) reports.Outcome {
	switch {
	case errors.Is(err, ErrInterrupted):
		return reports.OutcomeInterrupted
	case err != nil:
		return reports.OutcomeEnvironment
	case res.Skipped != "":
		return reports.OutcomeSkipped
	case res.Verdict == nil:
		return reports.OutcomeEnvironment
	}
	return res.Verdict.Outcome
}

// Run executes s and returns its result. The error is non-nil when the run
// itself could not be completed: ErrEnvironment, or ErrInterrupted with a
// partial verdict in the result. An SLO failure or an invalid run is a
// verdict, not an error.
func (r *Runner) Run(ctx context.Context, s *spec.Scenario) (res Result, err error) {
	// The scenario's overrides for this provider (measured limits of its
	// stand-ins) apply to this run only and are listed in the verdict.
	orig := s
	s, applied, err := s.ForProvider(r.Provider.Name())
	if err != nil {
		return Result{Scenario: orig.Name}, err
	}
	overrides := reports.OverridesOf(applied, r.Sets)
	switch {
	case s.Capacity != nil:
		// A capacity search has no pass/fail of its own to certify.
		return Result{Scenario: s.Name, Skipped: "a capacity scenario: run it with gatecert capacity"}, nil
	case s.TLSCompare != nil:
		return r.runTLS(ctx, s, overrides)
	case reports.CompositeOf(s) != nil:
		return r.runComposite(ctx, s, reports.CompositeOf(s), overrides)
	}
	res = Result{Scenario: s.Name, Dir: reports.ScenarioDir(r.ArtifactsRoot, r.RunID, s.Name)}
	if err := r.prepareDir(res.Dir, s, overrides); err != nil {
		return res, err
	}
	if why := r.refuse(s); why != "" { // before anything is created
		res.Skipped = why
		return res, nil
	}
	st := &state{r: r, s: s, dir: res.Dir, started: time.Now(), overrides: overrides}
	res.Verdict, res.Skipped, err = st.run(ctx)
	return res, err
}

// prepareDir creates a scenario's folder and writes its resolved scenario.
func (r *Runner) prepareDir(dir string, s *spec.Scenario, overrides []reports.Override) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%w: artifacts folder: %w", ErrEnvironment, err)
	}
	return reports.WriteResolved(dir, s, r.Provider.Name(), overrides)
}

// run stands the stack up, drives load and faults, tears down, and
// assembles the verdict — a partial one when ctx ended mid-run.
func (st *state) run(ctx context.Context) (v *reports.Verdict, skipped string, err error) {
	var stack cleanups
	defer func() { err = errors.Join(err, stack.run(ctx)) }()
	topo, err := st.up(ctx, &stack)
	if err != nil {
		return nil, "", interrupted(ctx, err)
	}
	if err := Check(topo, st.s); err != nil {
		return nil, err.Error(), nil
	}
	cpu0, cpuOK := readCPU()
	driveErr := st.drive(ctx, topo)
	if driveErr != nil && ctx.Err() == nil {
		return nil, "", driveErr
	}
	samples, err := st.samples(topo, cpu0, cpuOK) // before teardown: the LBs hold their peaks
	if err != nil {
		return nil, "", err
	}
	if err := stack.run(ctx); err != nil { // diagnostics and teardown before judging
		return nil, "", err
	}
	v, err = st.assemble(topo, samples, ctx.Err() != nil)
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("%w: partial verdict in %s", ErrInterrupted, st.dir)
	}
	return v, "", interrupted(ctx, err)
}

// interrupted turns an error caused by the user's interrupt (a fault's
// revert or a bring-up cut short) into ErrInterrupted: the user pressed
// Ctrl-C, the environment did not fail.
func interrupted(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil || errors.Is(err, ErrInterrupted) {
		return err
	}
	return fmt.Errorf("%w (%v)", ErrInterrupted, err)
}

// state is one scenario run in progress.
type state struct {
	r       *Runner
	s       *spec.Scenario
	dir     string
	started time.Time
	events  *reports.EventLog
	// overrides are the provider's and the user's, recorded in the verdict.
	overrides []reports.Override

	mu        sync.Mutex
	lastFault string
	// notes say what the run did differently from what was asked (a
	// capability the provider lacks); they go into the verdict.
	notes []string
}

// note records something the verdict must say about how the run was made.
func (st *state) note(s string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.notes = append(st.notes, s)
	st.log().Warn(s)
}

func (st *state) log() *slog.Logger {
	l := st.r.Log
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return l.With("run", st.r.RunID, "scenario", st.s.Name)
}

// up stands up the stack and registers its teardown and, before it, the
// diagnostics dump (dump, then clean).
func (st *state) up(ctx context.Context, stack *cleanups) (topology.Topology, error) {
	st.progress("up", loadgen.Stats{})
	begin := time.Now()
	topo, err := st.r.Provider.Up(ctx, topology.Request{
		RunID: st.r.RunID, Stack: st.s.Stack, BackendDelay: st.s.Load.BackendDelay.D(), EvidenceDir: st.dir,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: bring up %s stack: %w", ErrEnvironment, st.r.Provider.Name(), err)
	}
	st.log().Debug("stack up", "phase", "up", "took", time.Since(begin))
	stack.push("stack", topo.Down)
	stack.push("diagnostics", func(context.Context) error {
		return topo.CollectDiagnostics(filepath.Join(st.dir, reports.DiagnosticsDir))
	})
	events, err := reports.CreateEventLog(filepath.Join(st.dir, reports.EventsFile), st.onEvent)
	if err != nil {
		return nil, err
	}
	st.events = events
	sink, _ := topo.(topology.EventSink) // a topology with events of its own (the DNS GSLB)
	if sink != nil {
		sink.RecordTo(events)
	}
	stack.push("events log", func(context.Context) error {
		if sink != nil {
			sink.RecordTo(nil) // the topology outlives the log by a step
		}
		return events.Close()
	})
	return topo, nil
}

func (st *state) onEvent(e spec.Event) {
	st.mu.Lock()
	st.lastFault = fmt.Sprintf("%s %s %s", e.Fault, e.Step, e.Target)
	if e.Step == spec.StepRevert {
		st.lastFault = ""
	}
	st.mu.Unlock()
	st.log().Debug("event", "phase", "fault", "fault", e.Fault, "step", e.Step, "target", e.Target)
}

// refuse is why s cannot run on the provider, or "".
func (r *Runner) refuse(s *spec.Scenario) string {
	if p, ok := r.Provider.(topology.ScenarioRefuser); ok {
		if why := p.RefuseScenario(s); why != "" {
			return why
		}
	}
	p, ok := r.Provider.(topology.Refuser)
	if !ok {
		return ""
	}
	for _, f := range s.Faults {
		if why := p.RefuseFault(f); why != "" {
			return why
		}
	}
	return ""
}
