package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gatecert/gatecert/fixtures/topology"
	"github.com/gatecert/gatecert/loadgen"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/capacity"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// CapacityPlan parameterises a capacity search on one stood-up stack.
type CapacityPlan struct {
	Search capacity.Search
	// Step is how long each rate is offered; long enough for connection
	// pools and the gateway's workers to reach a steady state.
	Step time.Duration
	// SaturatedLag: a step whose send-lag p99 exceeds it was limited by
	// the load generator, not the stack.
	SaturatedLag time.Duration
}

// CapacityResult is a finished search with where its evidence lies.
type CapacityResult struct {
	Scenario string
	Dir      string
	capacity.Result
}

// Capacity stands the scenario's stack up once and searches for the
// highest rate at which the scenario's SLOs still hold. Faults of the
// scenario are not injected: the search measures the stack as given.
func (r *Runner) Capacity(ctx context.Context, s *spec.Scenario, plan CapacityPlan) (res CapacityResult, err error) {
	res = CapacityResult{Scenario: s.Name, Dir: filepath.Join(r.ArtifactsRoot, r.RunID, s.Name, "capacity")}
	if plan.Step <= 0 {
		return res, errors.New("capacity: step duration must be > 0")
	}
	var stack cleanups
	defer func() { err = errors.Join(err, stack.run(ctx)) }()
	if err := os.MkdirAll(res.Dir, 0o755); err != nil {
		return res, fmt.Errorf("%w: %w", ErrEnvironment, err)
	}
	st := &state{r: r, s: s, dir: res.Dir, started: time.Now()}
	topo, err := st.up(ctx, &stack)
	if err != nil {
		return res, err
	}
	res.Result, err = plan.Search.Run(ctx, func(ctx context.Context, rate float64) (capacity.Step, error) {
		return st.capacityStep(ctx, topo, plan, rate)
	})
	return res, err
}

// capacityStep offers one rate into its own ledger folder and judges it
// with the scenario's SLOs.
func (st *state) capacityStep(ctx context.Context, topo topology.Topology, plan CapacityPlan, rate float64) (capacity.Step, error) {
	dir := filepath.Join(st.dir, fmt.Sprintf("step-%06.0f", rate))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return capacity.Step{}, err
	}
	cfg := st.loadConfig(topo)
	cfg.Rate, cfg.Duration, cfg.LedgerDir, cfg.VegetaResults = rate, plan.Step, dir, false
	cfg.MaxWorkers = 0 // sized from the rate by loadgen
	if _, err := loadgen.Run(ctx, cfg); err != nil {
		return capacity.Step{}, err
	}
	if err := ctx.Err(); err != nil {
		return capacity.Step{}, err
	}
	stepScenario := *st.s
	stepScenario.Faults = nil
	v, err := reports.Evaluate(reports.Input{Scenario: &stepScenario, RunID: st.r.RunID, LedgerDir: dir, Provider: st.r.Provider.Name()})
	if err != nil {
		return capacity.Step{}, err
	}
	return stepOf(v, plan, rate), nil
}

// stepOf condenses a step's verdict.
func stepOf(v *reports.Verdict, plan CapacityPlan, rate float64) capacity.Step {
	secs := plan.Step.Seconds()
	st := capacity.Step{
		Achieved: float64(v.Requests.OK) / secs,
		P50:      v.Latency.P50.D(),
		P99:      v.Latency.P99.D(),
		Passed:   v.Passed,
	}
	if v.Requests.Total > 0 {
		st.ErrorRatio = float64(v.Requests.Failed) / float64(v.Requests.Total)
	}
	if lag := plan.SaturatedLag; lag > 0 && v.Requests.SendLagP99.D() > lag {
		st.ClientSaturated = true
		st.Reason = fmt.Sprintf("client send lag p99 %s > %s", v.Requests.SendLagP99.D(), lag)
	}
	for _, slo := range v.SLOs {
		if !slo.Passed && st.Reason == "" {
			st.Reason = fmt.Sprintf("%s: %s (want %s)", slo.Kind, slo.Measured, slo.Threshold)
		}
	}
	return st
}
