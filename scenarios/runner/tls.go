package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gatecert/gatecert/fixtures/topology"
	"github.com/gatecert/gatecert/loadgen"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// errNoCPUAccounting skips a TLS comparison on a provider that cannot
// account gateway CPU: without it there is no measure of the gateway.
var errNoCPUAccounting = errors.New("the provider does not account gateway CPU time (needed for handshakes per CPU-second)")

// runTLS runs a tlsCompare scenario: for every pair, the baseline and
// the accelerated profile each get their own stack, a handshake-bound
// fixed-rate run (CPU measured from the replicas' cgroups), optionally a
// keep-alive run and a CPU-limited capacity search. Each profile's
// evidence lands in its own folder (pair1-baseline/...); the scenario's
// verdict.json holds the tls section, the tlsSpeedup results and the SLO
// results of every profile's handshake-bound run.
func (r *Runner) runTLS(ctx context.Context, s *spec.Scenario) (res Result, err error) {
	res = Result{Scenario: s.Name, Dir: filepath.Join(r.ArtifactsRoot, r.RunID, s.Name)}
	if err := os.MkdirAll(res.Dir, 0o755); err != nil {
		return res, fmt.Errorf("%w: artifacts folder: %w", ErrEnvironment, err)
	}
	if err := writeResolved(res.Dir, s); err != nil {
		return res, err
	}
	c := s.TLSCompare
	tr := &reports.TLSResult{Method: reports.TLSMethod(c.Capacity != nil, max(1, c.Rounds))}
	var first *reports.Verdict
	var runSLOs []reports.SLOResult
	meas := make([][2]reports.TLSMeasure, len(c.Pairs))
	for _, part := range TLSParts(c) {
		pair := c.Pairs[part.Pair]
		m, v, err := r.tlsProfile(ctx, s, pair, part.Profile, filepath.Join(res.Dir, part.Dir), part.Label, part.Round == 1)
		if errors.Is(err, errNoCPUAccounting) {
			res.Skipped = err.Error()
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("%s (%s), round %d: %w", part.Name, part.Profile.Name, part.Round, err)
		}
		if part.Round == 1 {
			meas[part.Pair][part.Side] = m
		} else {
			meas[part.Pair][part.Side].Run = reports.AddTLSRuns(meas[part.Pair][part.Side].Run, m.Run, false)
		}
		if first == nil {
			first = v
		}
		runSLOs = append(runSLOs, reports.TLSRunSLOs(part.Name, part.Round, part.Profile.Name, v)...)
	}
	for i, pair := range c.Pairs {
		tr.Pairs = append(tr.Pairs, reports.ComparePair(pair.Key, meas[i][0], meas[i][1]))
	}
	v := first
	v.Scenario, v.Expect = s.Name, cmp.Or(s.Expect, spec.ExpectPass)
	// The comparison lasts from its first profile run to now; its request
	// counts stay those of that first run (the summary says so).
	v.Duration = reports.Duration(time.Since(v.Start))
	v.TLS = tr
	low := reports.LowestSpeedup(tr)
	v.TLSSpeedup = &low
	v.SLOs = nil
	for _, o := range s.SLOs {
		if o.Kind == spec.SLOTLSSpeedup {
			v.SLOs = append(v.SLOs, reports.JudgeTLSSpeedup(o, tr)...)
		}
	}
	v.SLOs = append(v.SLOs, runSLOs...)
	v.Passed = len(v.SLOs) > 0
	for _, o := range v.SLOs {
		v.Passed = v.Passed && o.Passed
	}
	res.Verdict = v
	return res, writeArtifacts(res.Dir, v)
}

// tlsProfile stands one profile up and measures it: the handshake-bound
// run, and in the first round (full) the keep-alive variant and the
// capacity search. label names the profile and round in progress lines.
func (r *Runner) tlsProfile(ctx context.Context, s *spec.Scenario, pair spec.TLSPair, p spec.TLSProfile, dir, label string, full bool) (m reports.TLSMeasure, v *reports.Verdict, err error) {
	ps := s.ForTLSProfile(pair, p, false)
	ps.Name = s.Name + "-" + label
	g := ps.Stack.Gateway
	m = reports.TLSMeasure{Profile: p.Name, Key: p.Key, Config: reports.TLSConfig{
		SessionCache: g.TLS.SessionCache, SessionTickets: g.TLS.SessionTickets, ClientResumption: pair.ClientResumption,
		WorkerProcesses: g.WorkerProcesses, CPULimit: g.CPULimit, Replicas: len(ps.Replicas()),
	}}
	var stack cleanups
	defer func() { err = errors.Join(err, stack.run(ctx)) }()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return m, nil, fmt.Errorf("%w: %w", ErrEnvironment, err)
	}
	if err := writeResolved(dir, ps); err != nil {
		return m, nil, err
	}
	st := &state{r: r, s: ps, dir: dir, started: time.Now()}
	topo, err := st.up(ctx, &stack)
	if err != nil {
		return m, nil, err
	}
	acct, ok := topo.(topology.GatewayCPUAccountant)
	if !ok {
		return m, nil, errNoCPUAccounting
	}
	if _, err := acct.GatewayCPU(); err != nil {
		return m, nil, fmt.Errorf("%w: %w", errNoCPUAccounting, err)
	}
	m.Run, v, err = st.tlsRun(ctx, topo, acct, filepath.Join(dir, TLSHandshakeDir), false)
	if err != nil {
		return m, nil, err
	}
	c := s.TLSCompare
	if !full {
		return m, v, nil
	}
	if c.KeepAlive {
		ka, _, err := st.tlsRun(ctx, topo, acct, filepath.Join(dir, "keepalive"), true)
		if err != nil {
			return m, nil, err
		}
		m.KeepAlive = &ka
	}
	if c.Capacity != nil {
		plan := PlanOf(*c.Capacity)
		cr, err := st.search(ctx, topo, plan, filepath.Join(dir, "capacity"))
		if err != nil {
			return m, nil, err
		}
		m.Capacity = &reports.TLSCapacity{Knee: cr.Knee, LimitedBy: cr.LimitedBy, Steps: len(cr.Steps)}
		if err := writeCapacityArtifacts(filepath.Join(dir, "capacity"), reportOf(st, topo, plan, cr, "")); err != nil {
			return m, nil, err
		}
	}
	return m, v, nil
}

// tlsRun offers the scenario's rate for its duration into dir and counts
// handshakes (requests with keep-alive) per gateway CPU-second.
func (st *state) tlsRun(ctx context.Context, topo topology.Topology, acct topology.GatewayCPUAccountant, dir string, keepAlive bool) (reports.TLSRun, *reports.Verdict, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return reports.TLSRun{}, nil, err
	}
	cfg := st.loadConfig(topo)
	cfg.LedgerDir, cfg.VegetaResults = dir, false
	cfg.DisableKeepAlive = !keepAlive
	before, err := acct.GatewayCPU()
	if err != nil {
		return reports.TLSRun{}, nil, err
	}
	stats, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return reports.TLSRun{}, nil, fmt.Errorf("load: %w", err)
	}
	after, err := acct.GatewayCPU()
	if err != nil {
		return reports.TLSRun{}, nil, err
	}
	if err := ctx.Err(); err != nil {
		return reports.TLSRun{}, nil, err
	}
	sc := *st.s
	sc.Faults = nil
	v, err := reports.Evaluate(reports.Input{Scenario: &sc, RunID: st.r.RunID, LedgerDir: dir, Provider: st.r.Provider.Name()})
	if err != nil {
		return reports.TLSRun{}, nil, fmt.Errorf("evaluate: %w", err)
	}
	if err := writeArtifacts(dir, v); err != nil {
		return reports.TLSRun{}, nil, err
	}
	ok, hs, resumed, err := reports.CountHandshakes(dir)
	if err != nil {
		return reports.TLSRun{}, nil, err
	}
	run := reports.TLSRun{
		Rate: cfg.Rate, Duration: reports.Duration(cfg.Duration), OK: ok, Failed: v.Requests.Failed,
		Handshakes: hs, Resumed: resumed, P99: v.Latency.P99,
		GatewayCPU: reports.Duration(reports.CPUDelta(before, after)), ClientSaturated: stats.Saturated, Rounds: 1,
	}
	n := hs
	if keepAlive {
		n = ok
	}
	run.PerCPUSecond = reports.PerCPUSecond(n, run.GatewayCPU.D())
	return run, v, nil
}
