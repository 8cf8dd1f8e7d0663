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
func Constant(rate float64, duration time.Duration) Schedule {
	return constant{rate: rate, duration: duration}
}

type constant struct {
	rate     float64
	duration time.Duration
}

var _ Schedule = constant{}

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
