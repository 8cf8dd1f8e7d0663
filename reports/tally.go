package reports

import (
	"cmp"
	"fmt"
	"time"

	"github.com/gatecert/gatecert/loadgen/ledger"
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
	rec     reconciler

	total, ok, retried int64
	byClass            [256]int64
	lat, lag           histogram
	gateways, backends [256]int64 // successful requests by name index
	end                time.Duration
	seconds            []Second

	failed      int64
	first, last ledger.Record // failures with the lowest and highest intended time
}

func newTally(meta ledger.Meta, windows []*window) *tally {
	return &tally{meta: meta, windows: windows}
}

// add takes one client record; it is the ledger.Scan callback.
func (t *tally) add(r ledger.Record) error {
	if r.Intended < 0 || r.Intended > maxOffset {
		return fmt.Errorf("client ledger: seq %d: intended offset %v out of range", r.Seq, r.Intended)
	}
	if err := t.rec.addClient(r); err != nil {
		return err
	}
	t.total++
	t.end = max(t.end, r.End())
	if r.Flags&ledger.FlagRetried != 0 {
		t.retried++
	}
	if r.Class != ledger.ClassNotSent {
		t.lag.add(r.SendLag)
	}
	sec := int(r.Intended / time.Second)
	if sec >= len(t.seconds) {
		t.seconds = append(t.seconds, make([]Second, sec+1-len(t.seconds))...)
	}
	s := &t.seconds[sec]
	if r.OK() {
		t.ok++
		t.lat.add(r.Latency)
		t.gateways[r.Gateway]++
		t.backends[r.Backend]++
		s.OK++
		s.MaxLatency = max(s.MaxLatency, Duration(r.Latency))
		return nil
	}
	s.Failed++
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
		MaxSendLag: Duration(t.lag.max),
		SendLagP99: Duration(t.lag.quantile(0.99)),
	}
	for c, n := range t.byClass {
		if n > 0 {
			v.Requests.ByClass[ledger.Class(c).String()] += n
		}
	}
	v.Latency = Latency{
		P50: Duration(t.lat.quantile(0.50)),
		P90: Duration(t.lat.quantile(0.90)),
		P99: Duration(t.lat.quantile(0.99)),
		Max: Duration(t.lat.max),
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
	v.Faults = make([]FaultWindow, 0, len(t.windows))
	for _, w := range t.windows {
		f := FaultWindow{Name: w.name, Kind: w.kind, Failed: w.failed}
		if w.inject != (time.Time{}) {
			f.Inject = ptr(w.inject.UTC())
		}
		if w.reverted {
			f.Revert = ptr(w.revert.UTC())
		}
		v.Faults = append(v.Faults, f)
	}
	v.Timeline = t.seconds
}

func ptr[T any](v T) *T { return &v }
