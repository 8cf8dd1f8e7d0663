// Package capacity finds the highest offered rate at which a stack still
// meets its SLOs: a coarse geometric ramp until the first failing step,
// then bisection between the last passing and the first failing rate, and
// finally the boundary step repeated: the knee holds when most of its
// trials pass, so neither one lucky nor one unlucky step on a noisy
// machine sets the figure.
//
//	rate
//	 │              ╳ first fail
//	 │         ●          ┐
//	 │    ●        ◐ ◐    ├ bisection, then the knee repeated
//	 │ ●                  ┘
//	 └──────────────────── steps
package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Step is the outcome of offering one rate for one step duration.
type Step struct {
	Rate       float64       `json:"rate"`     // offered req/s
	Achieved   float64       `json:"achieved"` // completed req/s
	P50        time.Duration `json:"p50"`
	P99        time.Duration `json:"p99"`
	ErrorRatio float64       `json:"errorRatio"`
	// ClientSaturated: the load generator, not the stack, fell behind; a
	// failing step so marked says nothing about the gateway.
	ClientSaturated bool   `json:"clientSaturated"`
	Passed          bool   `json:"passed"`
	Reason          string `json:"reason,omitempty"` // why it failed
	Phase           string `json:"phase"`            // ramp, bisect, confirm
	// GatewayCPU is the gateway replicas' CPU time during the step (0
	// without CPU accounting).
	GatewayCPU time.Duration `json:"gatewayCpu,omitempty"`
}

// Probe offers rate and judges the step against the scenario's SLOs.
type Probe func(ctx context.Context, rate float64) (Step, error)

// Search bounds the search.
type Search struct {
	Start     float64 // first rate of the ramp (req/s)
	Max       float64 // never offer more than this
	Factor    float64 // ramp multiplier, > 1 (default 2)
	Precision float64 // stop bisecting when (hi-lo)/lo < Precision (default 0.05)
	Repeats   int     // extra confirmations of the knee (default 2)
	MaxSteps  int     // total step budget (default 20)
}

// Limits say what ended the search.
const (
	LimitGateway = "gateway"  // the stack failed its SLOs above the knee
	LimitClient  = "client"   // the load generator saturated first: the knee is a lower bound
	LimitMax     = "max-rate" // every step up to Max passed
	LimitBudget  = "budget"   // the step budget ran out before the precision was reached
	LimitNone    = "none"     // even the first step failed
)

// Result is the knee and the evidence for it.
type Result struct {
	Knee      float64 `json:"knee"` // highest confirmed passing rate; 0 if none
	LimitedBy string  `json:"limitedBy"`
	Steps     []Step  `json:"steps"`
}

// WithDefaults returns s with its defaults filled in, or every problem.
func (s Search) WithDefaults() (Search, error) {
	if s.Factor == 0 {
		s.Factor = 2
	}
	if s.Precision == 0 {
		s.Precision = 0.05
	}
	if s.Repeats == 0 {
		s.Repeats = 2
	}
	if s.MaxSteps == 0 {
		s.MaxSteps = 20
	}
	var errs []error
	if s.Start <= 0 {
		errs = append(errs, errors.New("start rate must be > 0"))
	}
	if s.Max < s.Start {
		errs = append(errs, fmt.Errorf("max rate %.0f below start %.0f", s.Max, s.Start))
	}
	if s.Factor <= 1 {
		errs = append(errs, errors.New("factor must be > 1"))
	}
	return s, errors.Join(errs...)
}

// Run executes the search with probe.
func (s Search) Run(ctx context.Context, probe Probe) (Result, error) {
	s, err := s.WithDefaults()
	if err != nil {
		return Result{}, err
	}
	r := &run{s: s, probe: probe}
	lo, hi, err := r.ramp(ctx)
	if err == nil && hi > 0 {
		lo, err = r.narrow(ctx, lo, hi)
	}
	if errors.Is(err, errBudget) {
		// A client that saturated on a failing step is the more telling
		// limit: the figure is a lower bound either way.
		limit := LimitBudget
		if r.clientBound() {
			limit = LimitClient
		}
		return Result{Knee: r.proven(lo), LimitedBy: limit, Steps: r.steps}, nil
	}
	return Result{Knee: lo, LimitedBy: r.limitedBy(lo, hi), Steps: r.steps}, err
}

// limitedBy names what ended a completed search.
func (r *run) limitedBy(knee, firstFail float64) string {
	switch {
	case r.clientBound():
		return LimitClient
	case firstFail == 0:
		return LimitMax
	case knee == 0:
		return LimitNone
	}
	return LimitGateway
}

// proven is the highest rate, at most lo, whose trials passed by a strict
// majority and below which no rate's trials failed by a majority: when the
// budget ends the search mid-way, lo may be a rate never offered (a failed
// confirmation moves it down untested).
func (r *run) proven(lo float64) float64 {
	votes := map[float64]int{} // passes minus failures per rate
	for _, st := range r.steps {
		if st.Passed {
			votes[st.Rate]++
		} else {
			votes[st.Rate]--
		}
	}
	lowestFail := math.Inf(1)
	for rate, v := range votes {
		if v < 0 {
			lowestFail = min(lowestFail, rate)
		}
	}
	best := 0.0
	for rate, v := range votes {
		if v > 0 && rate <= lo && rate < lowestFail {
			best = max(best, rate)
		}
	}
	return best
}

// run is one search in progress.
type run struct {
	s     Search
	probe Probe
	steps []Step
	// clientSaturated: some failing step was the load generator's fault.
	clientSaturated bool
}

func (r *run) step(ctx context.Context, rate float64, phase string) (Step, error) {
	if len(r.steps) >= r.s.MaxSteps {
		return Step{}, errBudget
	}
	st, err := r.probe(ctx, rate)
	st.Rate, st.Phase = rate, phase
	if err != nil {
		return st, fmt.Errorf("step at %.0f req/s: %w", rate, err)
	}
	r.steps = append(r.steps, st)
	return st, nil
}

var errBudget = errors.New("step budget exhausted")

// ramp multiplies the rate until a step fails; it returns the last passing
// rate (lo, 0 if none) and the first failing rate (hi, 0 if none failed).
func (r *run) ramp(ctx context.Context) (lo, hi float64, err error) {
	for rate := r.s.Start; ; rate = min(rate*r.s.Factor, r.s.Max) {
		passed, err := r.judge(ctx, rate, "ramp")
		if err != nil {
			return lo, 0, err
		}
		if !passed {
			return lo, rate, nil
		}
		lo = rate
		if rate >= r.s.Max {
			return lo, 0, nil
		}
	}
}

// narrow bisects between lo (passed) and hi (failed), then confirms the
// knee by repeating it; a failed confirmation moves the bracket down.
func (r *run) narrow(ctx context.Context, lo, hi float64) (float64, error) {
	for {
		for lo > 0 && (hi-lo)/lo >= r.s.Precision || lo == 0 && hi > r.s.Start/64 {
			mid := (lo + hi) / 2
			st, err := r.step(ctx, mid, "bisect")
			if err != nil {
				return lo, err
			}
			if st.Passed {
				lo = mid
			} else {
				r.noteFailure(st)
				hi = mid
			}
		}
		if lo == 0 {
			return 0, nil
		}
		ok, err := r.confirm(ctx, lo)
		if err != nil || ok {
			return lo, err
		}
		hi, lo = lo, lo*(1-2*r.s.Precision)
	}
}

// confirm repeats the knee step up to Repeats times; the knee holds when a
// strict majority of its 1+Repeats trials (the bisection step that passed
// counts) pass. Near the knee a step's verdict is a coin with a biased
// face (one CFS throttle or scheduler stall puts 1% of a step above the
// latency bound): requiring every trial to pass made one unlucky step drag
// the figure down, and three runs of the same stack disagreed by 2×.
// Confirmation stops as soon as the majority is decided either way.
func (r *run) confirm(ctx context.Context, rate float64) (bool, error) {
	return r.vote(ctx, rate, "confirm", 1, 0)
}

// judge offers a ramp rate once; a failure the stack is blamed for is
// offered again ("recheck") until a majority of 1+Repeats trials decides,
// so that one stalled step far below the knee (seen: p99 52 ms at 500
// req/s on a stack whose knee is ~1000) cannot end the ramp. Bisection
// steps are not rechecked: rechecking every failure there spent the step
// budget before the bracket closed (seen: 24 steps, knee unresolved), and
// an unlucky bisection step only narrows the bracket, which the knee's
// majority confirmation then tests. A step the client saturated is not
// repeated: the client is the limit there either way.
func (r *run) judge(ctx context.Context, rate float64, phase string) (bool, error) {
	st, err := r.step(ctx, rate, phase)
	if err != nil || st.Passed {
		return st.Passed, err
	}
	r.noteFailure(st)
	if st.ClientSaturated {
		return false, nil
	}
	return r.vote(ctx, rate, "recheck", 0, 1)
}

// vote offers rate again (as phase) until a strict majority of 1+Repeats
// trials, counting the passed and failed ones already seen, decides; it
// reports whether the passes won. Both the knee's confirmation and the
// ramp's recheck decide this way.
func (r *run) vote(ctx context.Context, rate float64, phase string, passed, failed int) (bool, error) {
	trials := 1 + r.s.Repeats
	for 2*passed <= trials && 2*failed < trials {
		st, err := r.step(ctx, rate, phase)
		if err != nil {
			return false, err
		}
		if st.Passed {
			passed++
		} else {
			failed++
			r.noteFailure(st)
		}
	}
	return 2*passed > trials, nil
}

// clientBound says whether the client, not the stack, bounds the knee: a
// client-saturated failure at or below the lowest rate the stack itself
// failed. A saturated step far above a knee the gateway clearly failed
// (seen: 2000 req/s flagged, every step from 925 up failing on latency
// with the client keeping time) says nothing about that knee.
func (r *run) clientBound() bool {
	if !r.clientSaturated {
		return false
	}
	lowestClient, lowestStack := math.Inf(1), math.Inf(1)
	for _, st := range r.steps {
		switch {
		case st.Passed:
		case st.ClientSaturated:
			lowestClient = min(lowestClient, st.Rate)
		default:
			lowestStack = min(lowestStack, st.Rate)
		}
	}
	return lowestClient <= lowestStack
}

// noteFailure records a client-saturated failure: then the client, not the
// gateway, is what limited the figure.
func (r *run) noteFailure(st Step) {
	if st.ClientSaturated {
		r.clientSaturated = true
	}
}
