package ledger

import (
	"fmt"
	"math/bits"
	"time"
)

// Window summarises the records whose intended send time falls in
// [Start, End). Keying by intended time is the open-model convention: a
// request belongs to the moment it was due, however late it was sent or
// answered, so a stall shows in the windows it stalled, not after them.
type Window struct {
	Start, End time.Duration
	Requests   int64 // every record, not-sent ones included
	OK         int64
	Failed     int64 // sent and failed
	NotSent    int64
	// ByClass counts records per class, indexed by Class.
	ByClass [classCount]int64
	// Latency of the successful requests, from the intended send time.
	Latency Histogram
}

// Errors is Failed plus NotSent: every request that did not succeed.
func (w *Window) Errors() int64 { return w.Failed + w.NotSent }

// Class returns the number of records of class c.
func (w *Window) Class(c Class) int64 {
	if int(c) < len(w.ByClass) {
		return w.ByClass[c]
	}
	return 0
}

// Add counts r in w (the caller checked it belongs there).
func (w *Window) Add(r Record) {
	w.Requests++
	if int(r.Class) < len(w.ByClass) {
		w.ByClass[r.Class]++
	}
	switch {
	case r.OK():
		w.OK++
		w.Latency.Observe(r.Latency)
	case r.Class == ClassNotSent:
		w.NotSent++
	default:
		w.Failed++
	}
}

// Series aggregates records into consecutive windows of Step from From
// up to To (To = 0: as far as records go). Memory grows with the number of
// windows (a few kB each), never with the number of records: one hour in
// one-second windows is about 15 MB.
type Series struct {
	From, To, Step time.Duration
	windows        []Window
}

// NewSeries makes an empty series; step must be positive.
func NewSeries(from, to, step time.Duration) (*Series, error) {
	if step <= 0 {
		return nil, fmt.Errorf("series: step must be positive, got %v", step)
	}
	if to != 0 && to <= from {
		return nil, fmt.Errorf("series: window [%v, %v) is empty", from, to)
	}
	return &Series{From: from, To: to, Step: step}, nil
}

// Add counts r in its window; records outside [From, To) are ignored.
func (s *Series) Add(r Record) {
	if r.Intended < s.From || (s.To != 0 && r.Intended >= s.To) {
		return
	}
	i := int((r.Intended - s.From) / s.Step)
	for len(s.windows) <= i {
		start := s.From + time.Duration(len(s.windows))*s.Step
		end := start + s.Step
		if s.To != 0 && end > s.To {
			end = s.To
		}
		s.windows = append(s.windows, Window{Start: start, End: end})
	}
	s.windows[i].Add(r)
}

// Windows returns the windows, empty ones included, up to To (or the
// last window with a record when To is 0).
func (s *Series) Windows() []Window {
	if s.To != 0 {
		for end := s.From + time.Duration(len(s.windows))*s.Step; end < s.To; end += s.Step {
			s.windows = append(s.windows, Window{Start: end, End: min(end+s.Step, s.To)})
		}
	}
	return s.windows
}

// Total merges the windows into one.
func (s *Series) Total() Window {
	ws := s.Windows()
	t := Window{Start: s.From, End: s.To}
	if len(ws) > 0 && s.To == 0 {
		t.End = ws[len(ws)-1].End
	}
	for i := range ws {
		t.merge(&ws[i])
	}
	return t
}

func (w *Window) merge(o *Window) {
	w.Requests += o.Requests
	w.OK += o.OK
	w.Failed += o.Failed
	w.NotSent += o.NotSent
	for c := range w.ByClass {
		w.ByClass[c] += o.ByClass[c]
	}
	w.Latency.Merge(&o.Latency)
}

// QueryWindows streams the ledger at path into windows of step over
// [from, to) (to = 0: to the last record).
func QueryWindows(path string, from, to, step time.Duration) ([]Window, error) {
	s, err := NewSeries(from, to, step)
	if err != nil {
		return nil, err
	}
	if err := Scan(path, func(r Record) error { s.Add(r); return nil }); err != nil {
		return nil, err
	}
	return s.Windows(), nil
}

// PerSecond is QueryWindows with one-second windows over the whole run.
func PerSecond(path string) ([]Window, error) { return QueryWindows(path, 0, 0, time.Second) }

// Summary is one window over [from, to) (to = 0: to the end).
func Summary(path string, from, to time.Duration) (Window, error) {
	step := time.Duration(1<<63 - 1)
	if to != 0 {
		step = to - from
	}
	s, err := NewSeries(from, to, step)
	if err != nil {
		return Window{}, err
	}
	if err := Scan(path, func(r Record) error { s.Add(r); return nil }); err != nil {
		return Window{}, err
	}
	return s.Total(), nil
}

// Histogram counts durations in microseconds, log-linear: 16 sub-buckets
// per power of two, so a quantile is read within 1/16 (6.25%) above its
// true value (exact below 16 µs); Max and Min are exact. The zero value is
// empty and allocates on first use.
type Histogram struct {
	counts   []uint32
	n        int64
	min, max time.Duration
}

const (
	histSub     = 4
	histBuckets = (33 - histSub + 1) << histSub // up to 2^32 µs: the record's range
)

func histBucket(us uint64) int {
	if us < 1<<histSub {
		return int(us)
	}
	e := bits.Len64(us) - histSub
	i := e<<histSub | int(us>>(e-1))&(1<<histSub-1)
	return min(i, histBuckets-1)
}

func histUpper(i int) time.Duration {
	if i < 1<<histSub {
		return time.Duration(i) * time.Microsecond
	}
	e := i >> histSub
	sub := uint64(i & (1<<histSub - 1))
	return time.Duration((1<<histSub|sub+1)<<(e-1)-1) * time.Microsecond
}

// Observe adds one duration.
func (h *Histogram) Observe(d time.Duration) {
	if h.counts == nil {
		h.counts = make([]uint32, histBuckets)
	}
	d = max(d, 0)
	h.counts[histBucket(uint64(d/time.Microsecond))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	if h.counts == nil {
		h.counts = make([]uint32, histBuckets)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
}

// Count is the number of observations.
func (h *Histogram) Count() int64 { return h.n }

// Max and Min are the exact extremes (0 when empty).
func (h *Histogram) Max() time.Duration { return h.max }
func (h *Histogram) Min() time.Duration { return h.min }

// Quantile returns the q-quantile (0 < q ≤ 1) by nearest rank: the upper
// bound of its bucket, capped at Max. 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(q * float64(h.n))
	if float64(rank) < q*float64(h.n) {
		rank++ // ceil
	}
	rank = min(max(rank, 1), h.n)
	var seen int64
	for i, c := range h.counts {
		seen += int64(c)
		if seen >= rank {
			return min(histUpper(i), h.max)
		}
	}
	return h.max
}
