package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	// the load generator, not the stack (0: loadgen's own judgement only:
	// send-lag p99 above 5ms or every worker busy).
	SaturatedLag time.Duration
	// Without removes part of the stack before the first step, for an N−1
	// figure: "zone:z1" (links down), "node:z1n1" (killed), "lb:lb1"
	// (killed; the client then uses the other LBs only). Nothing is
	// reverted until the stack is torn down.
	Without string
}

// PlanOf turns a scenario's capacity section into a plan.
func PlanOf(c spec.CapacitySearch) CapacityPlan {
	return CapacityPlan{
		Search: capacity.Search{
			Start: float64(c.Start), Max: float64(c.Max), Factor: c.Factor,
			Precision: c.Precision, Repeats: c.Repeats, MaxSteps: c.MaxSteps,
		},
		Step: c.Step.D(),
	}
}

// CapacityResult is a finished search with where its evidence lies.
type CapacityResult struct {
	Scenario string
	Dir      string
	capacity.Result
	Report  *reports.CapacityReport
	Verdict *reports.Verdict // the knee's step (or the first step if none passed)
}

// capacityStepRun is one judged step of a search: its folder and verdict.
type capacityStepRun struct {
	dir     string
	verdict *reports.Verdict
}

// Capacity stands the scenario's stack up once, removes plan.Without if
// set, and searches for the highest rate at which the scenario's SLOs
// still hold. Faults of the scenario are not injected: the search
// measures the stack as given. Artifacts go to
// <root>/<run-id>/<scenario>[-without-<kind>-<name>]/: capacity.json,
// capacity.md, capacity.html, and verdict.json (with capacity.maxRate for
// compare) of the knee's step; each step's ledger in step-NN-RATE/.
func (r *Runner) Capacity(ctx context.Context, s *spec.Scenario, plan CapacityPlan) (res CapacityResult, err error) {
	name := s.Name
	if plan.Without != "" {
		name += "-without-" + strings.ReplaceAll(plan.Without, ":", "-")
	}
	res = CapacityResult{Scenario: name, Dir: reports.ScenarioDir(r.ArtifactsRoot, r.RunID, name)}
	if plan.Step <= 0 {
		return res, errors.New("capacity: step duration must be > 0")
	}
	kind, target, err := ParseWithout(plan.Without)
	if err != nil {
		return res, err
	}
	overrides := reports.OverridesOf(nil, r.Sets)
	if err := r.prepareDir(res.Dir, s, overrides); err != nil {
		return res, err
	}
	var stack cleanups
	defer func() { err = interrupted(ctx, errors.Join(err, stack.run(ctx))) }()
	ss := *s
	ss.Name = name
	st := &state{r: r, s: &ss, dir: res.Dir, started: time.Now(), overrides: overrides}
	topo, err := st.up(ctx, &stack)
	if err != nil {
		return res, err
	}
	if kind != "" {
		if err := st.remove(ctx, topo, kind, target); err != nil {
			return res, err
		}
	}
	var steps []capacityStepRun
	res.Result, steps, err = st.searchSteps(ctx, topo, plan, res.Dir)
	if err != nil {
		return res, err
	}
	res.Report = reportOf(st, topo, plan, res.Result, plan.Without)
	res.Report.Scenario = s.Name           // Without says the rest
	if err := stack.run(ctx); err != nil { // diagnostics and teardown before writing
		return res, err
	}
	if err := reports.WriteCapacityArtifacts(res.Dir, res.Report); err != nil {
		return res, err
	}
	knee := kneeStep(res.Result, steps)
	if knee == "" {
		return res, nil
	}
	res.Verdict, err = reports.Assemble(reports.Assembly{
		Scenario: s, Name: name, RunID: r.RunID, Provider: r.Provider.Name(), Dir: res.Dir,
		Overrides: overrides, Notes: st.notes,
		Capacity: &reports.CapacityFigure{Step: knee, MaxRate: res.Knee, LimitedBy: res.LimitedBy, Without: plan.Without, PerReplica: res.Report.PerReplica},
	})
	if err != nil {
		return res, err
	}
	return res, reports.WriteArtifacts(res.Dir, res.Verdict)
}

// ParseWithout splits "zone:z1", "node:z1n1" or "lb:lb1"; "" is nothing.
func ParseWithout(w string) (kind, target string, err error) {
	if w == "" {
		return "", "", nil
	}
	kind, target, ok := strings.Cut(w, ":")
	if !ok || target == "" || !slices.Contains([]string{"zone", "node", "lb"}, kind) {
		return "", "", fmt.Errorf("without %q: want zone:NAME, node:NAME or lb:NAME (e.g. zone:z1)", w)
	}
	return kind, target, nil
}

// remove takes part of the stack away for good (until teardown) through
// the provider's fault capabilities, then waits for the load balancers'
// health checks to notice: (fall + 1) × interval, a protocol timer.
func (st *state) remove(ctx context.Context, topo topology.Topology, kind, target string) error {
	st.progress("remove "+kind+" "+target, loadgen.Stats{})
	var err error
	switch kind {
	case "zone":
		if !slices.Contains(topo.Zones(), target) {
			return fmt.Errorf("without zone %s: no such zone (have %s)", target, strings.Join(topo.Zones(), ", "))
		}
		zi, ok := topo.(topology.ZoneIsolator)
		if !ok {
			return fmt.Errorf("without zone %s: provider %s cannot isolate a zone", target, st.r.Provider.Name())
		}
		_, err = zi.IsolateZone(ctx, target, st.events)
	case "node":
		ns, ok := topo.(topology.NodeStopper)
		if !ok {
			return fmt.Errorf("without node %s: provider %s cannot stop a node", target, st.r.Provider.Name())
		}
		_, err = ns.KillNode(ctx, target, st.events)
	case "lb":
		if !slices.ContainsFunc(topo.LBs(), func(l topology.LB) bool { return l.Name == target }) {
			return fmt.Errorf("without lb %s: no such load balancer", target)
		}
		if len(topo.LBs()) < 2 {
			return fmt.Errorf("without lb %s: it is the only load balancer", target)
		}
		lk, ok := topo.(topology.LBKiller)
		if !ok {
			return fmt.Errorf("without lb %s: provider %s cannot kill a load balancer", target, st.r.Provider.Name())
		}
		_, err = lk.KillLB(ctx, target, spec.ModeRefused, st.events)
	}
	if err != nil {
		return fmt.Errorf("%w: without %s %s: %w", ErrEnvironment, kind, target, err)
	}
	gone, _ := removed(topo, kind+":"+target)
	if len(gone) == 0 {
		return nil
	}
	var names []string
	for _, g := range topo.Gateways() {
		if gone[g.Name] {
			names = append(names, g.Name)
		}
	}
	// Wait until the LBs have marked the removed replicas down: steps
	// measure the survivors, not connects into the void.
	if err := st.waitGatewaysDown(ctx, topo, names); err != nil {
		return fmt.Errorf("%w: without %s %s: %w", ErrEnvironment, kind, target, err)
	}
	return st.dropBackends(ctx, topo, kind, target)
}

// waitGatewaysDown waits until the LBs have marked the removed replicas
// down, where the provider can tell; otherwise on a protocol timer: the
// LBs mark a dead replica down after fall failed checks one interval
// apart (plus one for a check in flight).
func (st *state) waitGatewaysDown(ctx context.Context, topo topology.Topology, names []string) error {
	if w, ok := topo.(topology.GatewayDownWaiter); ok {
		return w.WaitGatewaysDown(ctx, names, 30*time.Second)
	}
	hc := st.s.Stack.LB.HealthCheck
	if !sleepUntil(ctx, time.Now().Add(time.Duration(hc.Fall+2)*hc.Interval.D())) {
		return ctx.Err()
	}
	return nil
}

// dropBackends, where the provider can, takes the removed zone's or
// node's backends out of the gateways' upstreams, as the control plane
// does once it has noticed the loss: N−1 capacity is the steady state
// after a loss, not the gateways' outlier detection re-probing dead
// backends (one connect timeout per dead backend per gateway every
// fail_timeout, which makes p99 worse at lower rates).
func (st *state) dropBackends(ctx context.Context, topo topology.Topology, kind, target string) error {
	d, ok := topo.(topology.BackendDropper)
	if !ok {
		st.note(fmt.Sprintf("the %s provider cannot take the backends of %s %s out of the gateways' upstreams: "+
			"this N−1 figure includes the gateways re-probing them (a connect timeout per dead backend per gateway "+
			"every fail_timeout), unlike the local provider's", st.r.Provider.Name(), kind, target))
		return nil
	}
	zone, node := "", ""
	if kind == "zone" {
		zone = target
	} else {
		node = target
	}
	if err := d.DropBackends(ctx, zone, node); err != nil {
		return fmt.Errorf("%w: without %s %s: %w", ErrEnvironment, kind, target, err)
	}
	return nil
}

// removed reports which gateways and LBs the removal took out.
func removed(topo topology.Topology, without string) (gateways, lbs map[string]bool) {
	gateways, lbs = map[string]bool{}, map[string]bool{}
	kind, target, _ := ParseWithout(without) // validated by Capacity
	for _, g := range topo.Gateways() {
		if kind == "zone" && g.Zone == target || kind == "node" && g.Node == target {
			gateways[g.Name] = true
		}
	}
	for _, l := range topo.LBs() {
		if kind == "lb" && l.Name == target {
			lbs[l.Addr] = true
		}
	}
	return gateways, lbs
}

// searchSteps runs the knee search, each step into its own folder of dir
// (reports.StepDir), and returns each judged step in order.
func (st *state) searchSteps(ctx context.Context, topo topology.Topology, plan CapacityPlan, dir string) (capacity.Result, []capacityStepRun, error) {
	_, deadLBs := removed(topo, plan.Without)
	var targets []string
	for _, lb := range topo.LBs() {
		if !deadLBs[lb.Addr] {
			targets = append(targets, lb.Addr)
		}
	}
	// An unjudged warm-up step at the start rate: connection pools fill,
	// and after a removal the gateways' passive outlier detection ejects
	// the lost backends (each costs one connect timeout per gateway
	// first), so the first judged step measures the steady stack.
	if err := st.warmUp(ctx, topo, plan, filepath.Join(dir, reports.WarmupDir), targets); err != nil {
		return capacity.Result{}, nil, err
	}
	var steps []capacityStepRun
	res, err := plan.Search.Run(ctx, func(ctx context.Context, rate float64) (capacity.Step, error) {
		stepDir := reports.StepDir(dir, len(steps)+1, rate)
		step, v, err := st.capacityStep(ctx, topo, plan, rate, stepDir, targets)
		if err == nil {
			steps = append(steps, capacityStepRun{dir: stepDir, verdict: v})
		}
		return step, err
	})
	return res, steps, err
}

// warmUp offers the search's start rate for one step, unjudged.
func (st *state) warmUp(ctx context.Context, topo topology.Topology, plan CapacityPlan, dir string, targets []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	st.progress("warm-up", loadgen.Stats{})
	cfg := st.loadConfig(topo)
	cfg.Targets, cfg.Schedule = targets, nil
	cfg.Rate, cfg.Duration, cfg.LedgerDir, cfg.VegetaResults, cfg.MaxWorkers = plan.Search.Start, plan.Step, dir, false, 0
	if _, err := loadgen.Run(ctx, cfg); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	return ctx.Err()
}

// capacityStep offers one rate into its own ledger folder and judges it
// with the scenario's SLOs.
func (st *state) capacityStep(ctx context.Context, topo topology.Topology, plan CapacityPlan, rate float64, dir string, targets []string) (capacity.Step, *reports.Verdict, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return capacity.Step{}, nil, err
	}
	cfg := st.loadConfig(topo)
	cfg.Targets = targets
	cfg.Schedule = nil // the scenario's shape does not apply: one constant rate per step
	cfg.Rate, cfg.Duration, cfg.LedgerDir, cfg.VegetaResults = rate, plan.Step, dir, false
	cfg.MaxWorkers = 0 // sized from the rate by loadgen
	acct, accounted := topo.(topology.GatewayCPUAccountant)
	var before map[string]time.Duration
	if accounted {
		before, _ = acct.GatewayCPU() // nil on error: the step has no CPU figure
	}
	stats, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return capacity.Step{}, nil, err
	}
	var cpu time.Duration
	if accounted && before != nil {
		if after, err := acct.GatewayCPU(); err == nil {
			cpu = reports.CPUDelta(before, after)
		}
	}
	if err := ctx.Err(); err != nil {
		return capacity.Step{}, nil, err
	}
	v, err := reports.JudgeRun(st.s, st.r.RunID, st.r.Provider.Name(), dir)
	if err != nil {
		return capacity.Step{}, nil, err
	}
	step := stepOf(v, plan, rate, stats)
	step.GatewayCPU = cpu
	return step, v, nil
}

// stepOf condenses a step's verdict; the client is saturated when the
// load generator says so (send lag, every worker busy) or the send-lag
// p99 exceeds plan.SaturatedLag.
func stepOf(v *reports.Verdict, plan CapacityPlan, rate float64, stats loadgen.Stats) capacity.Step {
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
	switch {
	case stats.Saturated:
		st.ClientSaturated = true
		st.Reason = "client saturated: " + stats.SaturationReason
	case plan.SaturatedLag > 0 && v.Requests.SendLagP99.D() > plan.SaturatedLag:
		st.ClientSaturated = true
		st.Reason = fmt.Sprintf("client send lag p99 %s > %s", v.Requests.SendLagP99.D(), plan.SaturatedLag)
	}
	for _, slo := range v.SLOs {
		if !slo.Passed {
			if st.Reason != "" {
				st.Reason += "; "
			}
			st.Reason += fmt.Sprintf("%s: %s (want %s)", slo.Kind, slo.Measured, slo.Threshold)
			break
		}
	}
	return st
}

// kneeStep is the folder (relative to the search's) of the last passing
// step at the knee, or of the first step when none passed; "" without
// steps.
func kneeStep(r capacity.Result, steps []capacityStepRun) string {
	var out string
	for i, s := range r.Steps {
		if i < len(steps) && s.Passed && s.Rate == r.Knee {
			out = steps[i].dir
		}
	}
	if out == "" && len(steps) > 0 {
		out = steps[0].dir
	}
	if out == "" {
		return ""
	}
	return filepath.Base(out)
}

// reportOf builds the capacity report of a finished search.
func reportOf(st *state, topo topology.Topology, plan CapacityPlan, r capacity.Result, without string) *reports.CapacityReport {
	s, _ := plan.Search.WithDefaults() // validated by the search that ran
	deadGW, deadLB := removed(topo, without)
	rep := &reports.CapacityReport{
		SchemaVersion: reports.SchemaVersion, RunID: st.r.RunID, Scenario: st.s.Name, Provider: st.r.Provider.Name(),
		Start: st.started.UTC(), Without: without, Knee: r.Knee, LimitedBy: r.LimitedBy,
		Search: reports.CapacitySearchParams{
			Start: s.Start, Max: s.Max, Step: reports.Duration(plan.Step), Factor: s.Factor,
			Precision: s.Precision, Repeats: s.Repeats, MaxSteps: s.MaxSteps,
		},
		ReplicasTotal: len(topo.Gateways()), Replicas: len(topo.Gateways()) - len(deadGW),
		LBs: len(topo.LBs()) - len(deadLB), CPULimit: st.s.Stack.Gateway.CPULimit,
		Took: reports.Duration(time.Since(st.started).Round(time.Second)),
	}
	for _, o := range st.s.SLOs {
		rep.SLOs = append(rep.SLOs, describeSLO(o))
		if o.Kind == spec.SLOLatency && rep.LatencyMax == 0 {
			rep.LatencyMax = reports.Duration(o.Max.D())
		}
	}
	for _, x := range r.Steps {
		cs := reports.CapacityStep{
			Phase: x.Phase, Rate: x.Rate, Achieved: x.Achieved, P50: reports.Duration(x.P50), P99: reports.Duration(x.P99),
			ErrorRatio: x.ErrorRatio, Passed: x.Passed, ClientSaturated: x.ClientSaturated, Reason: x.Reason,
		}
		if x.GatewayCPU > 0 {
			cs.GatewayCores = x.GatewayCPU.Seconds() / plan.Step.Seconds()
		}
		rep.Steps = append(rep.Steps, cs)
	}
	rep.Fill()
	return rep
}

// describeSLO is an SLO in a few words: "p99 <= 50ms", "availability >= 99.9%".
func describeSLO(o spec.SLO) string {
	switch o.Kind {
	case spec.SLOLatency:
		return fmt.Sprintf("p%g <= %s", o.Quantile*100, o.Max)
	case spec.SLOAvailability:
		return fmt.Sprintf("availability >= %g%%", o.Min*100)
	case spec.SLOThroughput:
		return fmt.Sprintf("throughput >= %g%% of offered", o.Min*100)
	}
	return o.Kind
}
