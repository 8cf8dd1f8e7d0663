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

	"gopkg.in/yaml.v3"

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
	Log           *slog.Logger
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
	Verdict  *reports.Verdict
	// Skipped is the reason the scenario could not run here (a missing
	// capability); a skipped scenario neither passes nor fails.
	Skipped string
}

// ErrEnvironment wraps failures of the environment (bring-up, fault
// injection), as opposed to SLO failures.
var ErrEnvironment = errors.New("environment problem")

// Run executes s and returns its result. The error is non-nil when the run
// itself could not be completed (environment, interrupt); an SLO failure is
// a result with Verdict.Passed == false, not an error.
func (r *Runner) Run(ctx context.Context, s *spec.Scenario) (res Result, err error) {
	// The scenario's overrides for this provider (measured limits of its
	// stand-ins) apply to this run only and are listed in the verdict.
	orig := s
	s, applied, err := s.ForProvider(r.Provider.Name())
	if err != nil {
		return Result{Scenario: orig.Name}, err
	}
	switch {
	case s.Capacity != nil:
		// A capacity search has no pass/fail of its own to certify.
		return Result{Scenario: s.Name, Skipped: "a capacity scenario: run it with gatecert capacity"}, nil
	case s.TLSCompare != nil:
		return r.runTLS(ctx, s)
	}
	res = Result{Scenario: s.Name, Dir: filepath.Join(r.ArtifactsRoot, r.RunID, s.Name)}
	var stack cleanups
	defer func() { err = errors.Join(err, stack.run(ctx)) }()
	if err := os.MkdirAll(res.Dir, 0o755); err != nil {
		return res, fmt.Errorf("%w: artifacts folder: %w", ErrEnvironment, err)
	}
	if err := writeResolvedWith(res.Dir, s, r.Provider.Name(), applied); err != nil {
		return res, err
	}
	if why := r.refuse(s); why != "" { // before anything is created
		res.Skipped = why
		return res, nil
	}
	st := &state{r: r, s: s, dir: res.Dir, started: time.Now(), applied: applied}
	topo, err := st.up(ctx, &stack)
	if err != nil {
		return res, err
	}
	for _, f := range s.Faults {
		if err := topology.Check(topo, f); err != nil {
			res.Skipped = err.Error()
			return res, nil
		}
	}
	if err := st.drive(ctx, topo); err != nil {
		return res, err
	}
	if err := stack.run(ctx); err != nil { // diagnostics and teardown before judging
		return res, err
	}
	res.Verdict, err = st.judge(topo)
	return res, err
}

// state is one scenario run in progress.
type state struct {
	r       *Runner
	s       *spec.Scenario
	dir     string
	started time.Time
	events  *eventLog
	// applied are the provider's overrides applied to s.
	applied []spec.Override

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
		return topo.CollectDiagnostics(filepath.Join(st.dir, "diagnostics"))
	})
	events, err := newEventLog(filepath.Join(st.dir, "events.jsonl"), st.onEvent)
	if err != nil {
		return nil, err
	}
	st.events = events
	stack.push("events log", func(context.Context) error { return events.close() })
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

func writeResolved(dir string, s *spec.Scenario) error { return writeResolvedWith(dir, s, "", nil) }

// writeResolvedWith heads the resolved scenario with the provider's
// overrides that were applied to it.
func writeResolvedWith(dir string, s *spec.Scenario, provider string, applied []spec.Override) error {
	b, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode resolved scenario: %w", err)
	}
	if len(applied) > 0 {
		head := "# Resolved with the " + provider + " overrides of the scenario:\n"
		for _, o := range applied {
			head += "#   " + o.String(provider) + "\n"
		}
		b = append([]byte(head), b...)
	}
	return os.WriteFile(filepath.Join(dir, "scenario.resolved.yaml"), b, 0o644)
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
