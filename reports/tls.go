package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// TLS-acceleration results: for each pair of a tlsCompare scenario, what
// each gateway profile achieved on identical handshake-bound load, and the
// accelerated/baseline speed-up that the tlsSpeedup SLO judges.
//
// Two measures, both of the gateway rather than the load generator:
//
//   - cpu: handshakes per gateway CPU-second, the replicas' cpuacct.usage
//     over a fixed-rate run (connection close, one handshake per request).
//   - capacity: with the gateway CPU-limited, the highest rate whose steps
//     met the scenario's SLOs (the knee of scenarios/capacity). It counts
//     only when both searches were limited by the gateway; a search that
//     hit the client, the max rate or the step budget says nothing.
//
// The judged speed-up is the lower of the measures that count, and
// GatedBy names it.

// Measures of the speed-up.
const (
	MeasureCPU      = "cpu"
	MeasureCapacity = "capacity"
)

// TLSResult is verdict.json's tls section.
type TLSResult struct {
	// Method says in words how the speed-up was measured.
	Method string          `json:"method"`
	Pairs  []TLSPairResult `json:"pairs"`
}

// TLSPairResult compares one baseline with one accelerated profile.
type TLSPairResult struct {
	Key         string     `json:"key"`     // rsa or ecdsa: the key type accelerated
	KeyName     string     `json:"keyName"` // RSA-2048, ECDSA P-256
	Baseline    TLSMeasure `json:"baseline"`
	Accelerated TLSMeasure `json:"accelerated"`
	// CPUSpeedup is the ratio of handshakes per gateway CPU-second.
	CPUSpeedup float64 `json:"cpuSpeedup"`
	// CapacitySpeedup is the ratio of the CPU-limited knees, when both
	// were searched; CapacityNote says why it does not count, if so.
	CapacitySpeedup *float64 `json:"capacitySpeedup,omitempty"`
	CapacityNote    string   `json:"capacityNote,omitempty"`
	// KeepAliveSpeedup is the ratio of requests per gateway CPU-second
	// with keep-alive (reported, not judged).
	KeepAliveSpeedup *float64 `json:"keepAliveSpeedup,omitempty"`
	// Speedup is the judged figure: the lowest measure that counts.
	Speedup float64 `json:"speedup"`
	GatedBy string  `json:"gatedBy"`
}

// TLSMeasure is one profile's figures.
type TLSMeasure struct {
	Profile string `json:"profile"` // what the configuration is
	Key     string `json:"key"`     // its certificate's key type
	// Config echoes the gateway settings that made the profile.
	Config TLSConfig `json:"config"`
	// Handshake-bound run (connection close).
	Run TLSRun `json:"run"`
	// KeepAlive is the same rate with connections kept.
	KeepAlive *TLSRun `json:"keepAlive,omitempty"`
	// Capacity is the CPU-limited knee search.
	Capacity *TLSCapacity `json:"capacity,omitempty"`
}

// TLSConfig is a profile's gateway TLS configuration.
type TLSConfig struct {
	SessionCache     bool    `json:"sessionCache"`
	SessionTickets   bool    `json:"sessionTickets"`
	ClientResumption bool    `json:"clientResumption"`
	WorkerProcesses  int     `json:"workerProcesses"`
	CPULimit         float64 `json:"cpuLimit,omitempty"`
	Replicas         int     `json:"replicas"`
}

// TLSRun is one fixed-rate run of a profile.
type TLSRun struct {
	Rate     float64  `json:"rate"`     // offered req/s
	Duration Duration `json:"duration"` // load duration
	OK       int64    `json:"ok"`
	Failed   int64    `json:"failed"`
	// Handshakes are successful requests on new connections; Resumed of
	// them resumed a session (abbreviated handshake).
	Handshakes int64    `json:"handshakes"`
	Resumed    int64    `json:"resumed"`
	P99        Duration `json:"p99"`
	// GatewayCPU is the replicas' CPU time over the run (cpuacct.usage).
	GatewayCPU Duration `json:"gatewayCpu"`
	// PerCPUSecond is handshakes (requests with keep-alive) per gateway
	// CPU-second.
	PerCPUSecond    float64 `json:"perCpuSecond"`
	ClientSaturated bool    `json:"clientSaturated,omitempty"`
	// Rounds is how many runs were summed (tlsCompare.rounds).
	Rounds int `json:"rounds"`
	// Engine proves what did the public-key crypto, on a gateway with the
	// multi-buffer build (absent elsewhere): summed over rounds.
	Engine *TLSEngine `json:"engine,omitempty"`
}

// TLSEngine is the verdict's summary of a run's multibuffer.json: which
// engine ran on which CPU flags, and the crypto_mb signing batches
// against the handshakes. Batch calls fewer than handshakes, with lanes ≈
// handshakes, show that the engine batched the signatures; an
// accelerator-none profile on the same build shows zero calls.
type TLSEngine struct {
	Accelerator string   `json:"accelerator"`
	EngineID    string   `json:"engineId,omitempty"`
	CPUFlags    []string `json:"cpuFlags,omitempty"`
	SignOp      string   `json:"signOp"`
	SignCalls   uint64   `json:"signCalls"`
	SignLanes   uint64   `json:"signLanes"`
	// AvgSignBatch is lanes per signing call (up to 8).
	AvgSignBatch float64 `json:"avgSignBatch"`
}

// Detail says in one line what the engine did over the run's handshakes
// ("" without engine evidence).
func (e *TLSEngine) Detail(handshakes int64) string {
	if e == nil {
		return ""
	}
	if e.SignCalls == 0 {
		return fmt.Sprintf("accelerator %s: no crypto_mb signing batch over %d handshakes", e.Accelerator, handshakes)
	}
	return fmt.Sprintf("accelerator %s (engine %s): %d handshakes signed in %d crypto_mb %s batches of %.1f lanes",
		e.Accelerator, e.EngineID, handshakes, e.SignCalls, e.SignOp, e.AvgSignBatch)
}

// addEngine sums the batch counters of two rounds of one profile.
func addEngine(a, b *TLSEngine) *TLSEngine {
	if a == nil || b == nil {
		return cmp.Or(a, b)
	}
	sum := *a
	sum.SignCalls += b.SignCalls
	sum.SignLanes += b.SignLanes
	sum.AvgSignBatch = 0
	if sum.SignCalls > 0 {
		sum.AvgSignBatch = float64(sum.SignLanes) / float64(sum.SignCalls)
	}
	return &sum
}

// AddTLSRuns sums two handshake-bound runs of one profile (rounds):
// counts, durations and CPU add up, p99 is the worse, the per-CPU-second
// figure is recomputed from the sums (handshakes, or with keepAlive
// successful requests).
func AddTLSRuns(a, b TLSRun, keepAlive bool) TLSRun {
	a.Duration += b.Duration
	a.OK += b.OK
	a.Failed += b.Failed
	a.Handshakes += b.Handshakes
	a.Resumed += b.Resumed
	a.GatewayCPU += b.GatewayCPU
	a.P99 = max(a.P99, b.P99)
	a.ClientSaturated = a.ClientSaturated || b.ClientSaturated
	a.Rounds += b.Rounds
	a.Engine = addEngine(a.Engine, b.Engine)
	n := a.Handshakes
	if keepAlive {
		n = a.OK
	}
	a.PerCPUSecond = PerCPUSecond(n, a.GatewayCPU.D())
	return a
}

// TLSCapacity is a profile's CPU-limited knee.
type TLSCapacity struct {
	Knee      float64 `json:"knee"`
	LimitedBy string  `json:"limitedBy"`
	Steps     int     `json:"steps"`
}

// CPUDelta is the CPU time spent between two samples of per-replica
// cumulative counters: the sum over replicas of after − before. A replica
// absent from before counts from zero; a counter that went backwards (a
// recreated cgroup) counts its after value.
func CPUDelta(before, after map[string]time.Duration) time.Duration {
	names := make([]string, 0, len(after))
	for n := range after {
		names = append(names, n)
	}
	slices.Sort(names)
	var sum time.Duration
	for _, n := range names {
		d := after[n] - before[n]
		if d < 0 {
			d = after[n]
		}
		sum += d
	}
	return sum
}

// PerCPUSecond is n per CPU-second of cpu (0 without CPU).
func PerCPUSecond(n int64, cpu time.Duration) float64 {
	if cpu <= 0 {
		return 0
	}
	return float64(n) / cpu.Seconds()
}

// CountHandshakes scans a client ledger: successful requests, those on new
// connections (a handshake each with TLS) and those of them resumed.
func CountHandshakes(ledgerDir string) (ok, handshakes, resumed int64, err error) {
	err = ledger.Scan(ledgerDir+"/"+ledger.ClientFile, func(r ledger.Record) error {
		if !r.OK() {
			return nil
		}
		ok++
		if r.Flags&ledger.FlagReused == 0 {
			handshakes++
			if r.Flags&ledger.FlagResumed != 0 {
				resumed++
			}
		}
		return nil
	})
	return ok, handshakes, resumed, err
}

// ComparePair computes a pair's speed-ups and which measure gates.
func ComparePair(key string, base, acc TLSMeasure) TLSPairResult {
	p := TLSPairResult{Key: key, KeyName: spec.KeyName(key), Baseline: base, Accelerated: acc}
	p.CPUSpeedup = ratio(acc.Run.PerCPUSecond, base.Run.PerCPUSecond)
	p.Speedup, p.GatedBy = p.CPUSpeedup, MeasureCPU
	if base.KeepAlive != nil && acc.KeepAlive != nil {
		ka := ratio(acc.KeepAlive.PerCPUSecond, base.KeepAlive.PerCPUSecond)
		p.KeepAliveSpeedup = &ka
	}
	if base.Capacity == nil || acc.Capacity == nil {
		return p
	}
	c := ratio(acc.Capacity.Knee, base.Capacity.Knee)
	p.CapacitySpeedup = &c
	switch {
	case base.Capacity.LimitedBy != "gateway":
		p.CapacityNote = fmt.Sprintf("not counted: the baseline search was limited by %s, not the gateway", base.Capacity.LimitedBy)
	case acc.Capacity.LimitedBy != "gateway":
		p.CapacityNote = fmt.Sprintf("not counted: the accelerated search was limited by %s, not the gateway", acc.Capacity.LimitedBy)
	case c < p.Speedup:
		p.Speedup, p.GatedBy = c, MeasureCapacity
	}
	return p
}

func ratio(a, b float64) float64 {
	if b <= 0 || math.IsNaN(a) {
		return 0
	}
	return a / b
}

// TLSMethod describes the measurement for reports.
func TLSMethod(capacity bool, rounds int) string {
	m := "handshakes per gateway CPU-second: successful requests on new TLS connections (connection close, one handshake each) divided by the gateway replicas' CPU time (cgroup v1 cpuacct.usage) over a fixed-rate run"
	if rounds > 1 {
		m += fmt.Sprintf(", summed over %d rounds in which the profiles take turns on fresh stacks", rounds)
	}
	if capacity {
		m += "; and the highest sustained rate meeting the scenario's SLOs with the gateway CPU-limited (cgroup cpu quota), counted when both searches were gateway-limited; the lower speed-up gates"
	}
	return m
}

// JudgeTLSSpeedup judges a tlsSpeedup SLO: one result per pair.
func JudgeTLSSpeedup(o spec.SLO, r *TLSResult) []SLOResult {
	min := o.Min
	if min == 0 {
		min = spec.DefaultTLSSpeedup
	}
	var out []SLOResult
	for _, p := range r.Pairs {
		s := SLOResult{
			Kind: spec.SLOTLSSpeedup, Window: WindowRun, Value: p.Speedup,
			Passed:    p.Speedup >= min,
			Measured:  fmt.Sprintf("%.2fx %s, gated by %s", p.Speedup, p.KeyName, p.GatedBy),
			Threshold: fmt.Sprintf(">= %.2fx", min),
		}
		s.Details = append(s.Details, fmt.Sprintf("%s → %s", p.Baseline.Profile, p.Accelerated.Profile),
			fmt.Sprintf("handshakes per gateway CPU-second %.0f → %.0f (%.2fx)",
				p.Baseline.Run.PerCPUSecond, p.Accelerated.Run.PerCPUSecond, p.CPUSpeedup))
		if p.CapacitySpeedup != nil {
			d := fmt.Sprintf("CPU-limited knee %.0f → %.0f req/s (%.2fx)", p.Baseline.Capacity.Knee, p.Accelerated.Capacity.Knee, *p.CapacitySpeedup)
			if p.CapacityNote != "" {
				d += "; " + p.CapacityNote
			}
			s.Details = append(s.Details, d)
		}
		if p.KeepAliveSpeedup != nil {
			s.Details = append(s.Details, fmt.Sprintf("keep-alive (not judged): %.0f → %.0f requests per gateway CPU-second (%.2fx)",
				p.Baseline.KeepAlive.PerCPUSecond, p.Accelerated.KeepAlive.PerCPUSecond, *p.KeepAliveSpeedup))
		}
		for _, side := range []TLSMeasure{p.Baseline, p.Accelerated} {
			if d := side.Run.Engine.Detail(side.Run.Handshakes); d != "" {
				s.Details = append(s.Details, side.Profile+": "+d)
			}
		}
		out = append(out, s)
	}
	return out
}

// TLSRunSLOs are the SLO results of one handshake-bound run of a
// tlsCompare profile as the scenario's verdict lists them, each saying
// which profile folder, round and configuration it judged. It is the
// labelling scenarios/runner's runTLS does when it assembles the verdict,
// here so that re-judging a stored run (gatecert report -evaluate) labels
// them the same way.
func TLSRunSLOs(folder string, round int, profile string, v *Verdict) []SLOResult {
	out := make([]SLOResult, 0, len(v.SLOs))
	for _, o := range v.SLOs {
		o.Measured = fmt.Sprintf("[%s round %d] %s", folder, round, o.Measured)
		o.Details = append([]string{fmt.Sprintf("%s handshake-bound run, round %d (%s)", folder, round, profile)}, o.Details...)
		out = append(out, o)
	}
	return out
}

// MeasureName names a measure for people.
func MeasureName(m string) string {
	switch m {
	case MeasureCPU:
		return "handshakes per gateway CPU-second"
	case MeasureCapacity:
		return "CPU-limited sustained rate"
	}
	return m
}

// LowestSpeedup is the lowest judged speed-up of r (the top-level
// tlsSpeedup that compare and history track); 0 without pairs.
func LowestSpeedup(r *TLSResult) float64 {
	low := 0.0
	for i, p := range r.Pairs {
		if i == 0 || p.Speedup < low {
			low = p.Speedup
		}
	}
	return low
}

// writeTLSSummary appends the TLS section to a Markdown summary.
func writeTLSSummary(b *bytes.Buffer, r *TLSResult) {
	b.WriteString("\n## TLS acceleration\n\nMethod: " + r.Method + ".\n\n")
	var rows [][]string
	for _, p := range r.Pairs {
		capa, ka := "–", "–"
		if p.CapacitySpeedup != nil {
			capa = fmt.Sprintf("%.0f → %.0f req/s (%.2fx, %s/%s)", p.Baseline.Capacity.Knee, p.Accelerated.Capacity.Knee,
				*p.CapacitySpeedup, p.Baseline.Capacity.LimitedBy, p.Accelerated.Capacity.LimitedBy)
		}
		if p.KeepAliveSpeedup != nil {
			ka = fmt.Sprintf("%.0f → %.0f (%.2fx)", p.Baseline.KeepAlive.PerCPUSecond, p.Accelerated.KeepAlive.PerCPUSecond, *p.KeepAliveSpeedup)
		}
		rows = append(rows, []string{
			p.KeyName, p.Baseline.Profile, p.Accelerated.Profile,
			fmt.Sprintf("%.0f → %.0f (%.2fx)", p.Baseline.Run.PerCPUSecond, p.Accelerated.Run.PerCPUSecond, p.CPUSpeedup),
			capa, ka, fmt.Sprintf("**%.2fx** (%s)", p.Speedup, p.GatedBy),
		})
	}
	table(b, []string{"key", "baseline", "accelerated", "handshakes / gateway CPU-s", "CPU-limited knee", "keep-alive req / CPU-s", "speed-up (gated by)"}, "lllrrrr", rows)
	for _, p := range r.Pairs {
		if p.CapacityNote != "" {
			fmt.Fprintf(b, "\n%s: capacity %s.\n", p.KeyName, p.CapacityNote)
		}
	}
}
