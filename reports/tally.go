package reports

import (
	"cmp"
	"fmt"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// maxOffset bounds a record's intended send time: anything later is a
// corrupt record, not a long run, and would blow up the timeline.
const maxOffset = 7 * 24 * time.Hour

// unknown names a replica or zone the ledger could not attribute.
const unknown = "unknown"

// tally accumulates one pass over the client ledger in bounded memory.
type tally struct {
	meta    ledger.Meta
	windows []*window
	rec     ledger.Reconciler

	total, ok, retried int64
	byClass            [256]int64
	lat, lag           ledger.Histogram
	gateways, backends [256]int64 // successful requests by name index
	end                time.Duration
	lastIntended       time.Duration
	seconds            []Second
	secs               []secAcc // beside seconds: what becomes ByClass and the quantiles
	probes             []*probe
	sc                 *spec.Scenario

	failed      int64
	first, last ledger.Record // failures with the lowest and highest intended time

	// stall is the run's stall judgement (stall.go); nil judges none.
	stall *Stalls
}

// secAcc accumulates one second's failures by class and latencies.
type secAcc struct {
	byClass [16]int64
	lat     ledger.Histogram
}

func newTally(meta ledger.Meta, windows []*window) *tally {
	return &tally{meta: meta, windows: windows}
}

// add takes one client record; it is the ledger.Scan callback.
func (t *tally) add(r ledger.Record) error {
	if r.Intended < 0 || r.Intended > maxOffset {
		return fmt.Errorf("client ledger: seq %d: intended offset %v out of range", r.Seq, r.Intended)
	}
	if err := t.rec.AddClient(r); err != nil {
		return err
	}
	t.total++
	t.end = max(t.end, r.End())
	t.lastIntended = max(t.lastIntended, r.Intended)
	stalled := t.stalled(r)
	for _, p := range t.probes {
		p.add(r, stalled)
	}
	if r.Flags&ledger.FlagRetried != 0 {
		t.retried++
	}
	if r.Class != ledger.ClassNotSent {
		t.lag.Observe(r.SendLag)
	}
	sec := int(r.Intended / time.Second)
	if sec >= len(t.seconds) {
		t.seconds = append(t.seconds, make([]Second, sec+1-len(t.seconds))...)
		for len(t.secs) <= sec {
			// A second's quantiles are coarse: a few hundred bytes however
			// many requests it holds.
			t.secs = append(t.secs, secAcc{lat: ledger.NewHistogram(ledger.Coarse)})
		}
	}
	s, acc := &t.seconds[sec], &t.secs[sec]
	if r.OK() {
		t.ok++
		t.lat.Observe(r.Latency)
		t.gateways[r.Gateway]++
		t.backends[r.Backend]++
		s.OK++
		s.MaxLatency = max(s.MaxLatency, Duration(r.Latency))
		acc.lat.Observe(r.Latency)
		if stalled {
			t.stall.Stalled++
			s.Stalled++
			for _, w := range t.windows {
				if w.contains(r.Intended) {
					w.stalled++
				}
				w.unavailable(r.Intended, false)
			}
		}
		return nil
	}
	s.Failed++
	acc.byClass[r.Class&15]++
	t.byClass[r.Class]++
	if t.failed == 0 || earlier(r, t.first) {
		t.first = r
	}
	if t.failed == 0 || earlier(t.last, r) {
		t.last = r
	}
	t.failed++
	for _, w := range t.windows {
		if w.contains(r.Intended) {
			w.failed++
		}
		w.unavailable(r.Intended, true)
	}
	return nil
}

// earlier orders records by intended send time, then by seq.
func earlier(a, b ledger.Record) bool {
	if c := cmp.Compare(a.Intended, b.Intended); c != 0 {
		return c < 0
	}
	return a.Seq < b.Seq
}

// failure describes r for a report.
func (t *tally) failure(r ledger.Record) *Failure {
	return &Failure{
		Seq:     r.Seq,
		At:      Duration(r.Intended),
		Class:   r.Class.String(),
		Latency: Duration(r.Latency),
		Status:  r.Status,
		LB:      ledger.Name(t.meta.LBs, r.LB),
		Gateway: ledger.Name(t.meta.Gateways, r.Gateway),
		Backend: ledger.Name(t.meta.Backends, r.Backend),
	}
}

// fill writes everything but the SLOs and the reconciliation into v.
func (t *tally) fill(v *Verdict) {
	v.Duration = Duration(t.end.Round(time.Millisecond))
	v.Requests = Requests{
		Total:      t.total,
		OK:         t.ok,
		Failed:     t.failed,
		ByClass:    map[string]int64{},
		Retried:    t.retried,
		MaxSendLag: Duration(t.lag.Max()),
		SendLagP99: Duration(t.lag.Quantile(0.99)),
	}
	for c, n := range t.byClass {
		if n > 0 {
			v.Requests.ByClass[ledger.Class(c).String()] += n
		}
	}
	v.Latency = Latency{
		P50: Duration(t.lat.Quantile(0.50)),
		P90: Duration(t.lat.Quantile(0.90)),
		P99: Duration(t.lat.Quantile(0.99)),
		Max: Duration(t.lat.Max()),
	}
	v.ServedBy = ServedBy{Gateways: map[string]int64{}, Backends: map[string]int64{}, Zones: map[string]int64{}}
	for i, n := range t.gateways {
		if n == 0 {
			continue
		}
		name := cmp.Or(ledger.Name(t.meta.Gateways, uint8(i)), unknown)
		v.ServedBy.Gateways[name] += n
		v.ServedBy.Zones[cmp.Or(t.meta.Zones[name], unknown)] += n
	}
	for i, n := range t.backends {
		if n > 0 {
			v.ServedBy.Backends[cmp.Or(ledger.Name(t.meta.Backends, uint8(i)), unknown)] += n
		}
	}
	for i := range t.seconds {
		s, acc := &t.seconds[i], &t.secs[i]
		s.P50 = Duration(acc.lat.Quantile(0.50))
		s.P99 = Duration(acc.lat.Quantile(0.99))
		for c, n := range acc.byClass {
			if n > 0 {
				if s.ByClass == nil {
					s.ByClass = map[string]int64{}
				}
				s.ByClass[ledger.Class(c).String()] += n
			}
		}
	}
	t.secs = nil
	v.Timeline = t.seconds
}

// failovers makes the second pass over the client ledger: for each injected
// window, the first healthy success (not stalled) after the scope's last
// unavailable request, failed or stalled (or at or after the inject when
// there was none). The ledger is in completion order, not
// intended order, hence a second pass rather than bookkeeping in the first.
func (t *tally) failovers(path string) error {
	var ws []*window
	for _, w := range t.windows {
		if w.injected() {
			ws = append(ws, w)
		}
	}
	gps := t.groupFailoverProbes()
	if len(ws) == 0 && len(gps) == 0 {
		return nil
	}
	return ledger.Scan(path, func(r ledger.Record) error {
		if !r.OK() || t.stalled(r) {
			return nil
		}
		for _, p := range gps {
			p.steady(r)
		}
		for _, w := range ws {
			after := r.Intended > w.lastFail || (w.scopeBad() == 0 && r.Intended >= w.from)
			if w.inScope(r.Intended) && after && (!w.steadyFound || r.Intended < w.steadyAt) {
				w.steadyAt, w.steadyFound = r.Intended, true
			}
		}
		return nil
	})
}

// scopeEnd is where w's failover scope ends: the next inject, or the last
// intended send time of the run.
func (t *tally) scopeEnd(w *window) time.Duration {
	if w.bounded {
		return w.scopeEnd
	}
	return t.lastIntended
}

// failover returns w's failover for a steady period of steady, or nil if
// w was not injected.
func (t *tally) failover(w *window, steady time.Duration) *Failover {
	if !w.injected() {
		return nil
	}
	f := &Failover{SteadyFor: Duration(steady), Failed: w.scopeFailed, Stalled: w.scopeStalled}
	if w.scopeBad() > 0 {
		f.LastFailure = Duration(w.lastFail - w.from)
	}
	at := w.from
	if w.scopeBad() > 0 {
		at = w.steadyAt
	}
	if (w.scopeBad() == 0 || w.steadyFound) && t.scopeEnd(w)-at >= steady {
		f.Steady = ptr(Duration(at - w.from))
	}
	return f
}

func ptr[T any](v T) *T { return &v }
