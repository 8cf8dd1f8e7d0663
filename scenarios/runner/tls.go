package runner

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gatecert/gatecert/fixtures/accel"
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
func (r *Runner) runTLS(ctx context.Context, s *spec.Scenario, overrides []reports.Override) (res Result, err error) {
	res = Result{Scenario: s.Name, Dir: reports.ScenarioDir(r.ArtifactsRoot, r.RunID, s.Name)}
	if err := r.prepareDir(res.Dir, s, overrides); err != nil {
		return res, err
	}
	if why := r.refuse(s); why != "" { // e.g. no multi-buffer build or CPU
		res.Skipped = why
		return res, nil
	}
	c := s.TLSCompare
	began := time.Now()
	tr := &reports.TLSResult{Method: reports.TLSMethod(c.Capacity != nil, max(1, c.Rounds))}
	var parts []reports.TLSPartVerdict
	meas := make([][2]reports.TLSMeasure, len(c.Pairs))
	for _, part := range reports.TLSParts(c) {
		pair := c.Pairs[part.Pair]
		m, v, err := r.tlsProfile(ctx, s, pair, part.Profile, filepath.Join(res.Dir, part.Dir), part.Label, part.Round == 1)
		if errors.Is(err, errNoCPUAccounting) {
			res.Skipped = err.Error()
			return res, nil
		}
		if err != nil {
			return res, interrupted(ctx, fmt.Errorf("%s (%s), round %d: %w", part.Name, part.Profile.Name, part.Round, err))
		}
		if part.Round == 1 {
			meas[part.Pair][part.Side] = m
		} else {
			meas[part.Pair][part.Side].Run = reports.AddTLSRuns(meas[part.Pair][part.Side].Run, m.Run, false)
		}
		parts = append(parts, reports.TLSPartVerdict{Part: part, Verdict: v})
	}
	for i, pair := range c.Pairs {
		tr.Pairs = append(tr.Pairs, reports.ComparePair(pair.Key, meas[i][0], meas[i][1]))
	}
	res.Verdict, err = reports.Assemble(reports.Assembly{
		Scenario: s, RunID: r.RunID, Provider: r.Provider.Name(), Dir: res.Dir, Overrides: overrides,
		TLS: &reports.TLSAssembly{Result: tr, Parts: parts, Span: time.Since(began)},
	})
	if err != nil {
		return res, err
	}
	return res, reports.WriteArtifacts(res.Dir, res.Verdict)
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
	if err := reports.WriteResolved(dir, ps, r.Provider.Name(), nil); err != nil {
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
	m.Run, v, err = st.tlsRun(ctx, topo, acct, filepath.Join(dir, reports.TLSHandshakeDir), false)
	if err != nil {
		return m, nil, err
	}
	c := s.TLSCompare
	if !full {
		return m, v, nil
	}
	if c.KeepAlive {
		ka, _, err := st.tlsRun(ctx, topo, acct, filepath.Join(dir, reports.TLSKeepAliveDir), true)
		if err != nil {
			return m, nil, err
		}
		m.KeepAlive = &ka
	}
	if c.Capacity != nil {
		plan := PlanOf(*c.Capacity)
		capDir := filepath.Join(dir, reports.TLSCapacityDir)
		cr, _, err := st.searchSteps(ctx, topo, plan, capDir)
		if err != nil {
			return m, nil, err
		}
		m.Capacity = &reports.TLSCapacity{Knee: cr.Knee, LimitedBy: cr.LimitedBy, Steps: len(cr.Steps)}
		if err := reports.WriteCapacityArtifacts(capDir, reportOf(st, topo, plan, cr, "")); err != nil {
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
	mb, _ := topo.(multibuffer)
	var mbBefore accel.Counters
	if mb != nil {
		var err error
		if mbBefore, err = mb.MultibufferCounters(); err != nil {
			return reports.TLSRun{}, nil, err
		}
	}
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
	v, err := reports.JudgeRun(st.s, st.r.RunID, st.r.Provider.Name(), dir)
	if err != nil {
		return reports.TLSRun{}, nil, fmt.Errorf("judge %s: %w", dir, err)
	}
	if err := reports.WriteArtifacts(dir, v); err != nil {
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
	if mb != nil && mb.Multibuffer() != nil {
		e, err := st.multibufferEvidence(mb, mbBefore, int(hs), dir)
		if err != nil {
			return reports.TLSRun{}, nil, err
		}
		run.Engine = &reports.TLSEngine{Accelerator: e.Accelerator, EngineID: e.EngineID, CPUFlags: e.CPUFlags,
			SignOp: e.SignOp, SignCalls: e.SignCalls, SignLanes: e.SignLanes, AvgSignBatch: e.AvgSignBatch}
	}
	return run, v, nil
}

// multibuffer is the optional capability of a topology whose gateways run
// the multi-buffer TLS build (local provider, server asynch-nginx).
type multibuffer interface {
	Multibuffer() *accel.Build
	MultibufferCounters() (accel.Counters, error)
}

// multibufferEvidence writes dir/multibuffer.json: engine, build versions,
// CPU flags and the crypto_mb batch calls of the run against its
// handshakes. An accelerated run whose handshakes made no signing batch
// is an error (the engine was not used), never a measurement.
func (st *state) multibufferEvidence(mb multibuffer, before accel.Counters, handshakes int, dir string) (accel.Evidence, error) {
	after, err := mb.MultibufferCounters()
	if err != nil {
		return accel.Evidence{}, err
	}
	g := st.s.Stack.Gateway
	e, evErr := accel.NewEvidence(mb.Multibuffer(), cmp.Or(g.TLS.Accelerator, spec.AcceleratorNone), g.TLS.Key, handshakes, accel.Diff(before, after))
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return e, err
	}
	if err := os.WriteFile(filepath.Join(dir, MultibufferFile), append(b, '\n'), 0o644); err != nil {
		return e, err
	}
	st.log().Info("multi-buffer batches", "accelerator", e.Accelerator, "handshakes", handshakes,
		"signOp", e.SignOp, "signCalls", e.SignCalls, "avgSignBatch", e.AvgSignBatch)
	if evErr != nil {
		return e, fmt.Errorf("%w: %w", ErrEnvironment, evErr)
	}
	return e, nil
}

// MultibufferFile is a multi-buffer run's evidence file in its folder.
const MultibufferFile = "multibuffer.json"
