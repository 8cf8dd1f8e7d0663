package reports

import (
	"fmt"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// A request answered, but answered so late that its client has given up
// waiting in any practical sense, is not available service. The stall
// bound says how late is too late: load.stallAfter when the scenario sets
// it, or else stallFactor × the p99 of the run's own healthy phase (before
// the first fault), at least minStall. Both measure the stack's answer
// time: latency less the client's own send lag (stackTime). Latency SLOs
// keep counting from the intended send time, lag included; but a client
// that froze for 250ms (measured: a whole second of requests 100–350ms
// late on a loaded machine, send lag falling from 227ms to 0) did not see
// the stack stall, and a run whose client falls behind is invalid, not a
// failure of the stack. Stalled requests count as
// unavailable for availability and maxFailover (failover ends at steady
// healthy service, not at the last failure); zeroLoss and errorBudget
// count failures only, and the ledger's classes are untouched: a stall is
// a judgement, shown beside the classes.
const (
	stallFactor = 5
	minStall    = 200 * time.Millisecond
	// baselineSkip leaves the first second out of the healthy phase when
	// the phase is long enough: every connection of the pool is new there.
	baselineSkip = time.Second
	// minBaseline is the fewest successful requests a healthy phase needs
	// to derive a bound; with fewer the bound is the floor.
	minBaseline = 50
)

// Stalls is the stall judgement of a run (verdict.json "stalls"); absent
// when the run judged none (no fault and no load.stallAfter).
type Stalls struct {
	// Bound is the stall bound: a successful request the stack answered
	// later than this after it was sent (latency less send lag) is
	// stalled.
	Bound Duration `json:"bound"`
	// Source says where the bound came from.
	Source string `json:"source"`
	// Baseline is the healthy phase the bound and the loss budgets'
	// new-connection rate come from; absent without a fault.
	Baseline *Baseline `json:"baseline,omitempty"`
	// Stalled counts the run's stalled requests.
	Stalled int64 `json:"stalled"`
}

// Baseline is the run's healthy phase: requests intended before the first
// fault's inject (the first second left out when the phase is longer than
// two seconds).
type Baseline struct {
	From     Duration `json:"from"`
	To       Duration `json:"to"`
	Requests int64    `json:"requests"`
	OK       int64    `json:"ok"`
	// P99 and Mean are of the stack's answer time (latency less send
	// lag); Mean sizes the loss budgets' requests in flight.
	P99  Duration `json:"p99"`
	Mean Duration `json:"mean"`
	// NewConnRate is new client connections per second (requests not sent
	// on a reused connection): what an L4 LB hands a dead replica during
	// its detection time, share for share (LossBudget).
	NewConnRate float64 `json:"newConnRate"`
}

// baseline measures the healthy phase [from, to) of the client ledger at
// path.
func baseline(path string, from, to time.Duration) (*Baseline, error) {
	var h ledger.Histogram
	b := &Baseline{From: Duration(from), To: Duration(to)}
	var newConns int64
	var sum time.Duration
	err := ledger.Scan(path, func(r ledger.Record) error {
		if r.Intended < from || r.Intended >= to {
			return nil
		}
		b.Requests++
		if r.Class != ledger.ClassNotSent && r.Flags&ledger.FlagReused == 0 {
			newConns++
		}
		if r.OK() {
			b.OK++
			h.Observe(stackTime(r))
			sum += stackTime(r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	b.P99 = Duration(h.Quantile(0.99))
	if b.OK > 0 {
		b.Mean = Duration(sum / time.Duration(b.OK))
	}
	if to > from {
		b.NewConnRate = float64(newConns) / (to - from).Seconds()
	}
	return b, nil
}

// healthyPhase is the span the baseline is measured on: up to the first
// inject, from baselineSkip on when that leaves at least a second.
func healthyPhase(ws []*window) (from, to time.Duration, ok bool) {
	first, found := time.Duration(0), false
	for _, w := range ws {
		if w.injected() && (!found || w.from < first) {
			first, found = w.from, true
		}
	}
	if !found {
		return 0, 0, false
	}
	if first-baselineSkip >= time.Second {
		from = baselineSkip
	}
	return from, first, true
}

// judgeStalls decides the run's stall bound from the scenario and its
// healthy phase; nil when the run judges no stalls.
func judgeStalls(path string, sc *spec.Scenario, ws []*window) (*Stalls, error) {
	var base *Baseline
	if from, to, ok := healthyPhase(ws); ok {
		b, err := baseline(path, from, to)
		if err != nil {
			return nil, err
		}
		base = b
	}
	set := sc.Load.StallAfter.D()
	switch {
	case set > 0:
		return &Stalls{Bound: Duration(set), Source: "load.stallAfter", Baseline: base}, nil
	case base == nil:
		return nil, nil // no fault, no bound: stalls are not judged
	case base.OK < minBaseline:
		return &Stalls{Bound: Duration(minStall), Baseline: base,
			Source: fmt.Sprintf("floor %s: the healthy phase had %d successful requests (fewer than %d)", minStall, base.OK, minBaseline)}, nil
	}
	bound := max(stallFactor*base.P99.D(), minStall)
	src := fmt.Sprintf("%d × healthy p99 %s", stallFactor, short(base.P99.D()))
	if bound == minStall {
		src += fmt.Sprintf(", raised to the floor %s", minStall)
	}
	return &Stalls{Bound: Duration(bound), Source: src, Baseline: base}, nil
}

// stackTime is how long the stack took to answer r: its latency from the
// intended send time less the client's send lag.
func stackTime(r ledger.Record) time.Duration { return max(r.Latency-r.SendLag, 0) }

// stalled reports whether r is a successful request the stack answered
// later than the bound.
func (t *tally) stalled(r ledger.Record) bool {
	return t.stall != nil && r.OK() && stackTime(r) > t.stall.Bound.D()
}

// stallNote is one sentence for summaries: the bound, where it came from,
// and the healthy phase it was measured on.
func stallNote(s *Stalls) string {
	if s == nil {
		return ""
	}
	n := fmt.Sprintf("Stall bound %s (%s)", short(s.Bound.D()), s.Source)
	if b := s.Baseline; b != nil {
		n += fmt.Sprintf("; healthy phase +%s…+%s: %d requests, p99 %s, %.1f new connections/s",
			short(b.From.D()), short(b.To.D()), b.Requests, short(b.P99.D()), b.NewConnRate)
	}
	return n + fmt.Sprintf("; %d stalled requests, counted as unavailable by availability and maxFailover.", s.Stalled)
}
