package loadgen

import (
	"math"
	"time"
)

// Schedule gives the intended send time of every request of a run as an
// offset from the run's time zero. At(n) must not decrease with n; ok=false
// ends the schedule (and every later n must also return false).
//
// Vegeta's pacers are not used: a vegeta.Pacer answers "how long to wait
// before the next hit" given elapsed time and hits so far, and its attacker
// timestamps a result when a worker picks the hit up, not when the pacer
// scheduled it. Latency from the intended time (no coordinated omission)
// needs the absolute intended time of request n, which this interface gives.
type Schedule interface {
	At(n uint64) (offset time.Duration, ok bool)
}

// Shape is a Schedule of known length: the building block of Phases. Every
// request of a Shape is due before Duration.
type Shape interface {
	Schedule
	Duration() time.Duration
}

// Phaser is implemented by schedules made of phases (Phases): Phase(n) is
// the index of the phase request n belongs to, recorded in Record.Phase.
// Schedules without phases record phase 0.
type Phaser interface {
	Phase(n uint64) uint8
}

// Constant is a fixed rate for a fixed duration:
//
//	rate ▲
//	     │┌──────────────┐
//	     ││              │
//	     └┴──────────────┴──► t
//	      0           duration
//
// Request n is due at n/rate seconds; the schedule holds every n whose due
// time is before duration (ceil(rate × duration) requests).
func Constant(rate float64, duration time.Duration) Shape {
	return constant{rate: rate, duration: duration}
}

type constant struct {
	rate     float64
	duration time.Duration
}

var _ Shape = constant{}

func (c constant) Duration() time.Duration { return c.duration }

func (c constant) At(n uint64) (time.Duration, bool) {
	if !(c.rate > 0) {
		return 0, false
	}
	ns := float64(n) / c.rate * 1e9
	if ns >= float64(c.duration) || ns > math.MaxInt64 {
		return 0, false
	}
	return time.Duration(ns), true
}

// Ramp changes the rate linearly from `from` to `to` requests per second
// over duration (either may be the larger; from may be 0):
//
//	rate ▲
//	   to│            ╱│
//	     │         ╱   │
//	     │      ╱      │
//	 from│   ╱         │
//	     │  │          │
//	     └──┴──────────┴──► t
//	        0       duration
//
// The cumulative count is N(t) = from·t + (to−from)·t²/(2·duration);
// request n is due at the t where N(t) = n, so the schedule holds
// round((from+to)/2 × duration) requests, give or take one.
func Ramp(from, to float64, duration time.Duration) Shape {
	return ramp{from: from, to: to, duration: duration}
}

type ramp struct {
	from, to float64
	duration time.Duration
}

var _ Shape = ramp{}

func (r ramp) Duration() time.Duration { return r.duration }

func (r ramp) At(n uint64) (time.Duration, bool) {
	if r.from < 0 || r.to < 0 || !(r.from+r.to > 0) || r.duration <= 0 {
		return 0, false
	}
	d := r.duration.Seconds()
	a := (r.to - r.from) / (2 * d) // N(t) = a·t² + from·t
	// t = (−b + √(b²+4an)) / 2a, written as 2n / (b + √(b²+4an)): stable
	// for a → 0 and for from = 0.
	disc := r.from*r.from + 4*a*float64(n)
	if disc < 0 {
		return 0, false // a falling ramp that never reaches n
	}
	den := r.from + math.Sqrt(disc)
	if den <= 0 {
		return 0, n == 0 && r.duration > 0
	}
	t := 2 * float64(n) / den
	if t*1e9 >= float64(r.duration) || math.IsNaN(t) {
		return 0, false
	}
	return time.Duration(t * 1e9), true
}

// Steps raises the rate by step every stepDuration, count times, starting
// at start (step may be negative, the rate must stay positive):
//
//	rate ▲
//	     │                  ┌────┐
//	     │             ┌────┘    │   start + (count−1)·step
//	     │        ┌────┘         │
//	     │   ┌────┘              │   start
//	     │   │                   │
//	     └───┴────┴────┴────┴────┴──► t
//	         0  stepDuration ...   count·stepDuration
//
// Each step is a Constant; request times carry on across steps.
func Steps(start, step float64, stepDuration time.Duration, count int) Shape {
	parts := make([]Shape, 0, max(count, 0))
	for i := 0; i < count; i++ {
		parts = append(parts, Constant(start+float64(i)*step, stepDuration))
	}
	return steps{newSequence(parts)}
}

type steps struct{ *sequence }

var _ Shape = steps{}

// Phases runs shapes one after the other; each phase starts when the
// previous one's Duration ends, and its requests record the phase's index
// (Record.Phase). For example a warm-up ramp, a steady phase in which the
// faults happen, and a cool-down:
//
//	rate ▲   phase 0   phase 1          phase 2
//	     │          ┌───────────────┐
//	     │       ╱  │               │
//	     │    ╱     │               └─────┐
//	     │ ╱        │                     │
//	     └──────────┴───────────────┴─────┴──► t
//
// At most 255 phases (the index is a byte); later ones are dropped.
func Phases(shapes ...Shape) Shape {
	if len(shapes) > maxPhases {
		shapes = shapes[:maxPhases] // scenario validation refuses more
	}
	return phases{newSequence(shapes)}
}

// maxPhases: Record.Phase is a byte.
const maxPhases = 255

type phases struct{ *sequence }

var (
	_ Shape  = phases{}
	_ Phaser = phases{}
)

// Phase is the index of the phase request n belongs to.
func (p phases) Phase(n uint64) uint8 {
	i := p.find(n)
	if i >= len(p.parts) {
		i = len(p.parts) - 1
	}
	return uint8(max(i, 0))
}

// sequence concatenates shapes: part i's requests are numbered from
// first[i] and shifted by start[i], the sum of the earlier durations.
type sequence struct {
	parts []Shape
	first []uint64        // number of the part's first request
	start []time.Duration // offset of the part's time zero
	total time.Duration
}

func newSequence(parts []Shape) *sequence {
	s := &sequence{parts: parts}
	var n uint64
	for _, p := range parts {
		s.first = append(s.first, n)
		s.start = append(s.start, s.total)
		n += count(p)
		s.total += p.Duration()
	}
	s.first = append(s.first, n) // sentinel: one past the last request
	return s
}

func (s *sequence) Duration() time.Duration { return s.total }

// find returns the index of the part holding request n, len(parts) if none.
func (s *sequence) find(n uint64) int {
	for i := range s.parts {
		if n < s.first[i+1] {
			return i
		}
	}
	return len(s.parts)
}

func (s *sequence) At(n uint64) (time.Duration, bool) {
	i := s.find(n)
	if i >= len(s.parts) {
		return 0, false
	}
	off, ok := s.parts[i].At(n - s.first[i])
	if !ok {
		return 0, false
	}
	return s.start[i] + off, true
}

// count is the number of requests of a finite schedule: the first n whose
// At is not ok, found by doubling and bisection (At is monotone in ok).
func count(s Schedule) uint64 {
	if _, ok := s.At(0); !ok {
		return 0
	}
	lo, hi := uint64(0), uint64(1) // At(lo) ok; find hi with At(hi) not ok
	for {
		if _, ok := s.At(hi); !ok {
			break
		}
		lo = hi
		if hi >= math.MaxUint32 {
			return math.MaxUint32 + 1
		}
		hi *= 2
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if _, ok := s.At(mid); ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// phaseOf is the phase of request n under s, 0 for unphased schedules.
func phaseOf(s Schedule, n uint64) uint8 {
	if p, ok := s.(Phaser); ok {
		return p.Phase(n)
	}
	return 0
}

// Requests is how many requests s schedules (At(n) ok), for sizing a
// client group's id range (Config.SeqBase).
func Requests(s Schedule) uint32 {
	n := uint32(0)
	for ; n < math.MaxUint32; n++ {
		if _, ok := s.At(uint64(n)); !ok {
			break
		}
	}
	return n
}
