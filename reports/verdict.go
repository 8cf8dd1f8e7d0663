// Package reports judges a run and shows the judgement: Evaluate turns the
// ledgers and the fault timeline into a Verdict (a pure function of its
// inputs), and the writers render a Verdict as JSON (the source of truth),
// JUnit, Markdown and a one-line terminal summary.
package reports

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// SchemaVersion is the version of the verdict.json schema written here.
// 2 added outcome, reasons and notes, and made overrides objects with
// their source (1 had one list of strings mixing provider overrides and
// --set); ReadJSON still reads 1.
const SchemaVersion = 2

// Input is the evidence of one plain run (a ledger folder).
type Input struct {
	Scenario *spec.Scenario
	RunID    string
	// LedgerDir holds ledger.json and client.ledger.
	LedgerDir string
	// BackendLedgers are the backends' ledger files; without them the
	// verdict has no reconciliation.
	BackendLedgers []string
	// Events is the fault timeline as it happened (events.jsonl).
	Events   []spec.Event
	Provider string
}

// Verdict is the judgement of one run; verdict.json is its JSON form.
type Verdict struct {
	SchemaVersion int    `json:"schemaVersion"`
	RunID         string `json:"runId"`
	Scenario      string `json:"scenario"`
	// Expect is the scenario's intended outcome: "pass", or "fail" for a
	// negative control.
	Expect   string `json:"expect"`
	Provider string `json:"provider"`
	// Overrides are the changes made to the scenario for this run: the
	// provider's (with why) and the user's --set, in the order applied.
	Overrides []Override `json:"overrides,omitempty"`
	// Outcome is what became of the run (outcome.go); Passed is Outcome
	// == passed, kept for readers of schema 1. Both are set by Assemble
	// and nowhere else.
	Outcome Outcome `json:"outcome"`
	Passed  bool    `json:"passed"`
	// Reasons say why a run is invalid, interrupted or could not be
	// judged, each with its measurement.
	Reasons []string `json:"reasons,omitempty"`
	// Notes say where the run differs from what was asked (a capability
	// the provider lacks and what it did instead).
	Notes []string `json:"notes,omitempty"`
	// Conditions are the run's own conditions as sampled (machine CPU,
	// LB connection peaks): what its validity was judged on.
	Conditions *Samples  `json:"conditions,omitempty"`
	Start      time.Time `json:"start"`
	// Duration spans from the start to the end of the last request.
	Duration Duration `json:"duration"`
	// Rate is the offered load in requests per second.
	Rate           float64         `json:"rate"`
	Topology       *Topology       `json:"topology,omitempty"`
	Requests       Requests        `json:"requests"`
	Latency        Latency         `json:"latency"`
	ServedBy       ServedBy        `json:"servedBy"`
	Reconciliation *Reconciliation `json:"reconciliation,omitempty"`
	Faults         []FaultWindow   `json:"faults"`
	SLOs           []SLOResult     `json:"slos"`
	// Timeline has one entry per second of intended send time, for plots.
	Timeline []Second `json:"timeline,omitempty"`
	// TLS is the TLS-acceleration comparison of a tlsCompare scenario
	// (tls.go); TLSSpeedup is its lowest judged speed-up, the number
	// compare and history track.
	TLS        *TLSResult `json:"tls,omitempty"`
	TLSSpeedup *float64   `json:"tlsSpeedup,omitempty"`
	// Capacity is the knee of a capacity search (gatecert capacity; the
	// whole report is capacity.json beside it); compare and history track
	// capacity.maxRate.
	Capacity *CapacityFigure `json:"capacity,omitempty"`
	// Composite names the composite kind whose parts this verdict judges
	// (composite.go); each part's verdict is in its own folder.
	Composite string `json:"composite,omitempty"`
	// Stalls is the stall judgement (stall.go); absent when none was made.
	Stalls *Stalls `json:"stalls,omitempty"`
	// DataPath is where requests entered and crossed (datapath.go);
	// absent when the backend ledgers carry no addresses (format 1).
	DataPath *DataPath `json:"dataPath,omitempty"`
	// PathCompare is a data-path comparison's side-by-side figures
	// (pathcompare.go).
	PathCompare *PathResult `json:"pathCompare,omitempty"`
}

// CapacityFigure is a capacity search's headline in verdict.json.
type CapacityFigure struct {
	// Step is the folder of the knee's step (or of the first step when
	// none passed), whose ledger the verdict judges.
	Step       string  `json:"step,omitempty"`
	MaxRate    float64 `json:"maxRate"`
	LimitedBy  string  `json:"limitedBy"`
	Without    string  `json:"without,omitempty"`
	PerReplica float64 `json:"perReplica"`
}

// Requests counts the client ledger.
type Requests struct {
	Total  int64 `json:"total"`
	OK     int64 `json:"ok"`
	Failed int64 `json:"failed"`
	// ByClass counts failed requests by error class; zero counts are left out.
	ByClass map[string]int64 `json:"byClass"`
	// Retried counts requests the HTTP client sent more than once.
	Retried int64 `json:"retried"`
	// MaxSendLag and SendLagP99 measure how late the client sent requests
	// against the pacer's schedule (requests never sent are left out).
	MaxSendLag Duration `json:"maxSendLag"`
	SendLagP99 Duration `json:"sendLagP99"`
}

// Latency holds quantiles of successful requests' latency, measured from the
// intended send time (so client lag counts against the stack, not for it).
// Quantiles are within 0.1% and never understated.
type Latency struct {
	P50 Duration `json:"p50"`
	P90 Duration `json:"p90"`
	P99 Duration `json:"p99"`
	Max Duration `json:"max"`
}

// ServedBy counts successful requests by the gateway replica and backend
// that served them, and by the gateway's zone. Requests whose replica or
// zone is unknown count under "unknown".
type ServedBy struct {
	Gateways map[string]int64 `json:"gateways"`
	Backends map[string]int64 `json:"backends"`
	Zones    map[string]int64 `json:"zones"`
}

// Reconciliation joins the client ledger with the backend ledgers by
// sequence id (ledger.Reconciler).
type Reconciliation = ledger.Reconciliation

// FaultWindow is one fault as it happened: from its inject event to its
// revert event. Inject is absent for a fault of the scenario that never
// injected; Revert is absent when it was not reverted before the run ended.
type FaultWindow struct {
	Name   string     `json:"name"`
	Kind   string     `json:"kind"`
	Target string     `json:"target,omitempty"`
	Inject *time.Time `json:"inject,omitempty"`
	Revert *time.Time `json:"revert,omitempty"`
	// Failed counts failed requests whose intended send time lies in the
	// window; Stalled the stalled ones (stall.go).
	Failed  int64 `json:"failed"`
	Stalled int64 `json:"stalled,omitempty"`
	// LossBudget is the number of failed requests the plan allows this
	// fault (see LossBudget).
	LossBudget int64 `json:"lossBudget"`
	// Failover is the client-side failover of an injected fault.
	Failover *Failover `json:"failover,omitempty"`
}

// Failover measures, from the client's side, how long a fault hurt: its
// scope runs from its inject to the next fault's inject (or the end of the
// run), and every failed request intended in the scope is the fault's.
type Failover struct {
	// LastFailure is from the inject to the intended send time of the last
	// failed request of the scope; 0 when none failed.
	LastFailure Duration `json:"lastFailure"`
	// Steady is from the inject to the return of steady success: the
	// intended send time of the first successful request after the last
	// failure (the inject when none failed), provided every request of the
	// following SteadyFor succeeded and the scope lasted that long. Nil when
	// success never became steady within the scope.
	Steady    *Duration `json:"steady,omitempty"`
	SteadyFor Duration  `json:"steadyFor"`
	Failed    int64     `json:"failed"`
	// Stalled counts the scope's stalled requests, which end steady
	// success as failures do (stall.go); LastFailure includes them.
	Stalled int64 `json:"stalled,omitempty"`
}

// SLO windows.
const WindowRun = spec.WindowRun

// SLOResult is the judgement of one SLO.
type SLOResult struct {
	Kind   string `json:"kind"`
	Passed bool   `json:"passed"`
	// Measured and Threshold are for people; Value is the measured number
	// (failed requests for zeroLoss, the ok ratio for availability).
	Measured  string  `json:"measured"`
	Value     float64 `json:"value"`
	Threshold string  `json:"threshold"`
	Window    string  `json:"window"`
	// Fault is the fault the window or the per-fault SLO is relative to.
	Fault string `json:"fault,omitempty"`
	// From and To bound the window as offsets from the start (intended
	// send times, both included); To is absent for the end of the run.
	From Duration  `json:"from"`
	To   *Duration `json:"to,omitempty"`
	// Details explain the measurement (shares per zone, budgets).
	Details []string `json:"details,omitempty"`
	// FirstFailure and LastFailure (by intended send time) and ActiveFault,
	// the fault whose window held the first failure, explain a failed SLO.
	FirstFailure *Failure `json:"firstFailure,omitempty"`
	LastFailure  *Failure `json:"lastFailure,omitempty"`
	ActiveFault  string   `json:"activeFault,omitempty"`
}

// Failure identifies one failed request.
type Failure struct {
	Seq uint32 `json:"seq"`
	// At is the intended send time, offset from the start.
	At    Duration `json:"at"`
	Class string   `json:"class"`
	// Latency is from the intended send time to the end of the request.
	Latency Duration `json:"latency"`
	Status  uint16   `json:"status,omitempty"`
	LB      string   `json:"lb,omitempty"`
	Gateway string   `json:"gateway,omitempty"`
	Backend string   `json:"backend,omitempty"`
}

// Second is one second of the run, by intended send time.
type Second struct {
	OK     int64 `json:"ok"`
	Failed int64 `json:"failed"`
	// Stalled counts the second's stalled requests (among OK).
	Stalled int64 `json:"stalled,omitempty"`
	// ByClass counts the second's failed requests by error class.
	ByClass map[string]int64 `json:"byClass,omitempty"`
	// P50 and P99 are latency quantiles of the second's successful
	// requests, within 4.5% and never understated.
	P50 Duration `json:"p50"`
	P99 Duration `json:"p99"`
	// MaxLatency is the slowest successful request of the second.
	MaxLatency Duration `json:"maxLatency"`
}

// Topology is the stack as the ledger names it: load balancers, and per
// zone its nodes with their gateway replicas and backends.
type Topology struct {
	LBs   []string `json:"lbs"`
	Zones []Zone   `json:"zones"`
}

// Zone is one zone of the topology.
type Zone struct {
	Name  string `json:"name"`
	Nodes []Node `json:"nodes"`
}

// Node is one node of a zone.
type Node struct {
	Name     string   `json:"name"`
	Gateways []string `json:"gateways"`
	Backends []string `json:"backends,omitempty"`
}

// evaluate measures a plain run from its ledgers and fault events and
// judges each SLO; the run-level outcome is Assemble's (assemble.go).
// It streams the client ledger, so memory is bounded by the run's length in
// seconds (the timeline), its faults, and one bit per request for the
// reconciliation. Errors are about the inputs (missing or corrupt files, an
// SLO kind it cannot judge); a failed SLO is a Verdict, not an error.
func evaluate(in Input) (*Verdict, error) {
	if in.Scenario == nil {
		return nil, errors.New("evaluate: no scenario")
	}
	if in.LedgerDir == "" {
		return nil, errors.New("evaluate: no ledger directory")
	}
	for i, s := range in.Scenario.SLOs {
		if !knownSLO(s.Kind) {
			return nil, fmt.Errorf("evaluate: slos[%d]: unknown SLO kind %q", i, s.Kind)
		}
	}
	meta, err := ledger.ReadMeta(in.LedgerDir)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	t := newTally(meta, faultWindows(in.Scenario, in.Events, meta.Start))
	t.sc = in.Scenario
	t.probes = probesFor(in.Scenario, t.windows, meta)
	if t.stall, err = judgeStalls(filepath.Join(in.LedgerDir, ledger.ClientFile), in.Scenario, t.windows); err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	if err := ledger.Scan(filepath.Join(in.LedgerDir, ledger.ClientFile), t.add); err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	v := &Verdict{
		SchemaVersion: SchemaVersion,
		RunID:         in.RunID,
		Scenario:      in.Scenario.Name,
		Expect:        cmp.Or(in.Scenario.Expect, "pass"),
		Provider:      in.Provider,
		Start:         meta.Start.UTC(),
	}
	t.fill(v)
	v.Stalls = t.stall
	v.Rate = meta.Rate
	v.Topology = topologyOf(meta)
	if err := t.failovers(filepath.Join(in.LedgerDir, ledger.ClientFile)); err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	if len(in.BackendLedgers) > 0 {
		paths := newPathTally(meta)
		for _, p := range in.BackendLedgers {
			err := ledger.ScanBackend(p, func(r ledger.BackendRecord) error {
				t.rec.AddBackend(r.Seq)
				paths.add(r)
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("evaluate: %w", err)
			}
		}
		rec := t.rec.Result()
		v.Reconciliation = &rec
		v.DataPath = paths.result()
	}
	fillFaults(v, t, in.Scenario)
	v.SLOs = make([]SLOResult, 0, len(in.Scenario.SLOs))
	for _, p := range t.probes {
		v.SLOs = append(v.SLOs, judge(p, t, v))
	}
	return v, nil
}
