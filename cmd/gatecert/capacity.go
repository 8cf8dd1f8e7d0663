package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/capacity"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// capacityDefaults are the search bounds when neither the scenario's
// capacity section nor a flag sets them: on the default local stack the
// search ends within a few minutes.
var capacityDefaults = spec.CapacitySearch{
	Start: 500, Max: 20000, Step: spec.Duration(5 * time.Second),
	Factor: 2, Precision: 0.05, Repeats: 2, MaxSteps: 16,
}

// cmdCapacity runs a capacity search: gatecert capacity [flags] SCENARIO.
func cmdCapacity(args []string) int {
	var f runFlags
	var c capacityFlags
	fs := flag.NewFlagSet("capacity", flag.ContinueOnError)
	fs.StringVar(&f.out, "o", "artifacts", "artifacts folder; results go to DIR/<run-id>/<scenario>[-without-...]/")
	fs.StringVar(&f.provider, "provider", "local", "where to run: local, kind or cluster")
	fs.StringVar(&f.runID, "run-id", "", "run id (default: random)")
	fs.BoolVar(&f.verbose, "v", false, "log every step")
	fs.BoolVar(&f.quiet, "q", false, "no progress line")
	fs.Var(&f.sets, "set", "override a scenario field by its YAML path (repeatable)")
	f.kube.register(fs)
	fs.IntVar(&c.start, "start", 0, fmt.Sprintf("first offered rate, req/s (default: the scenario's capacity.start, else %d)", capacityDefaults.Start))
	fs.IntVar(&c.max, "max", 0, fmt.Sprintf("highest rate ever offered, req/s (default: capacity.max, else %d)", capacityDefaults.Max))
	fs.DurationVar(&c.step, "step", 0, fmt.Sprintf("how long each rate is offered (default: capacity.step, else %s)", capacityDefaults.Step))
	fs.Float64Var(&c.factor, "factor", 0, "ramp multiplier (default: capacity.factor, else 2)")
	fs.Float64Var(&c.precision, "precision", 0, "stop bisecting when the bracket is within this ratio (default: capacity.precision, else 0.05)")
	fs.IntVar(&c.repeats, "repeats", 0, "confirmations of the knee (default: capacity.repeats, else 2)")
	fs.IntVar(&c.steps, "steps", 0, fmt.Sprintf("step budget (default: capacity.maxSteps, else %d)", capacityDefaults.MaxSteps))
	fs.DurationVar(&c.saturatedLag, "saturated-lag", 0, "also call a step client-saturated when its send-lag p99 exceeds this (default: the load generator's own judgement)")
	fs.StringVar(&c.without, "without", "", "N−1: remove zone:NAME, node:NAME or lb:NAME before the steps (e.g. zone:z1)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: gatecert capacity [flags] SCENARIO.yaml\n\nSearches the highest offered rate at which the scenario's SLOs hold:\na ramp, bisection, the knee confirmed by repeats. Writes capacity.json,\ncapacity.md, capacity.html and verdict.json (capacity.maxRate for compare).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBadInput
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitBadInput
	}
	list, err := resolveScenarios("capacity", fs.Args(), "", "", f.sets)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitBadInput
	}
	if len(list) != 1 {
		fmt.Fprintf(os.Stderr, "gatecert capacity: %s holds %d scenarios, want exactly one\n", fs.Arg(0), len(list))
		return exitBadInput
	}
	s := list[0]
	if s.TLSCompare != nil {
		fmt.Fprintf(os.Stderr, "gatecert capacity: %s is a TLS comparison (it searches capacity itself): use gatecert run\n", s.Name)
		return exitBadInput
	}
	plan, err := c.plan(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatecert capacity:", err)
		return exitBadInput
	}
	ctx, stop, r, code := prepareRun("capacity", &f)
	if r == nil {
		return code
	}
	defer stop()
	fmt.Printf("run %s: capacity of %s%s, steps of %s from %.0f to at most %.0f req/s\n",
		f.runID, s.Name, withoutLabel(plan.Without), plan.Step, plan.Search.Start, plan.Search.Max)
	res, err := r.Capacity(ctx, s, plan)
	clearProgress()
	if err != nil {
		o := runner.OutcomeOf(runner.Result{}, err)
		fmt.Printf("%s %s: %v\n", o.Word(), s.Name, err)
		return o.ExitCode()
	}
	rep := res.Report
	fmt.Printf("capacity %s%s: %.0f req/s (limited by %s), %.0f req/s per replica (%d of %d serving)",
		s.Name, withoutLabel(plan.Without), rep.Knee, rep.LimitedBy, rep.PerReplica, rep.Replicas, rep.ReplicasTotal)
	if rep.PerGatewayCore > 0 {
		fmt.Printf(", %.0f req per gateway CPU-second", rep.PerGatewayCore)
	}
	fmt.Printf("; %d steps in %s\n", len(rep.Steps), rep.Took)
	if rep.ClientLimited {
		fmt.Printf("      the CLIENT saturated first: %.0f req/s is a lower bound of the stack's capacity (%s)\n", rep.Knee, rep.ClientReason)
	}
	fmt.Printf("      %s\n", filepath.Join(res.Dir, reports.CapacityMD))
	if rep.Knee == 0 {
		return exitSLOFail
	}
	return exitPass
}

// capacityFlags override the scenario's capacity section.
type capacityFlags struct {
	start, max, repeats, steps int
	step, saturatedLag         time.Duration
	factor, precision          float64
	without                    string
}

// plan merges flags over the scenario's capacity section over the
// defaults and validates the result.
func (c capacityFlags) plan(s *spec.Scenario) (runner.CapacityPlan, error) {
	cs := capacityDefaults
	if s.Capacity != nil {
		cs = *s.Capacity
	}
	set := func(p *int, v int) {
		if v != 0 {
			*p = v
		}
	}
	set(&cs.Start, c.start)
	set(&cs.Max, c.max)
	set(&cs.Repeats, c.repeats)
	set(&cs.MaxSteps, c.steps)
	if c.step != 0 {
		cs.Step = spec.Duration(c.step)
	}
	if c.factor != 0 {
		cs.Factor = c.factor
	}
	if c.precision != 0 {
		cs.Precision = c.precision
	}
	plan := runner.PlanOf(cs)
	plan.SaturatedLag, plan.Without = c.saturatedLag, c.without
	if _, _, err := runner.ParseWithout(c.without); err != nil {
		return plan, err
	}
	if plan.Step < time.Second {
		return plan, fmt.Errorf("-step %s: must be >= 1s", plan.Step)
	}
	if _, err := (capacity.Search{Start: plan.Search.Start, Max: plan.Search.Max, Factor: plan.Search.Factor}).WithDefaults(); err != nil {
		return plan, err
	}
	if !(plan.Search.Precision > 0 && plan.Search.Precision < 1) || plan.Search.Repeats < 1 || plan.Search.MaxSteps < 2 {
		return plan, fmt.Errorf("precision must be in (0, 1), repeats >= 1, steps >= 2")
	}
	return plan, nil
}

func withoutLabel(w string) string {
	if w == "" {
		return ""
	}
	return " without " + w
}
