package loadgen

import (
	"fmt"
	"math/bits"
	"sync/atomic"
	"time"
)

// Stats are the counters of a run. Every scheduled request ends up in
// exactly one of OK, Failed (sent, then failed) or NotSent.
type Stats struct {
	Scheduled int64 // requests whose intended time has come
	Sent      int64 // requests handed to the HTTP client
	OK        int64
	Failed    int64
	NotSent   int64 // scheduled but never sent (run cancelled first)
	InFlight  int64
	// FailedOver counts requests that were served by another address
	// after a failed connect (policy failover); they are in OK or Failed.
	FailedOver int64
	Elapsed    time.Duration // since the schedule's time zero
	// MaxSendLag is the largest actual-minus-intended send time: how far
	// the generator fell behind its schedule; SendLagP99 its 99th
	// percentile (from a log-linear histogram, within 1/16 above).
	MaxSendLag time.Duration
	SendLagP99 time.Duration
	// WorkersExhausted counts requests that came due while all MaxWorkers
	// workers were busy: the dispatcher had to wait for one.
	WorkersExhausted int64
	// Saturated says the generator itself could not keep to the schedule
	// (send-lag p99 above Config.SaturationLag, or MaxWorkers reached):
	// the load actually offered was lower and later than the schedule, and
	// the run measures the client as much as the system under test.
	// SaturationReason says why; both are copied into ledger.json.
	Saturated        bool
	SaturationReason string
	// Client is the HTTP client that sent the requests (ClientLean or
	// ClientNetHTTP).
	Client string
}

// counters are the live, atomically updated Stats of a run.
type counters struct {
	start                                time.Time
	scheduled, sent, ok, failed, notSent atomic.Int64
	inFlight, maxSendLag, failedOver     atomic.Int64
	exhausted                            atomic.Int64
	lag                                  lagHistogram
}

// Snapshot reads the counters; safe while the run goes on. It leaves
// Saturated unset: Run and the progress callback judge it (saturation).
func (c *counters) Snapshot() Stats {
	return Stats{
		Scheduled:        c.scheduled.Load(),
		Sent:             c.sent.Load(),
		OK:               c.ok.Load(),
		Failed:           c.failed.Load(),
		NotSent:          c.notSent.Load(),
		InFlight:         c.inFlight.Load(),
		FailedOver:       c.failedOver.Load(),
		Elapsed:          time.Since(c.start),
		MaxSendLag:       time.Duration(c.maxSendLag.Load()),
		SendLagP99:       c.lag.quantile(0.99),
		WorkersExhausted: c.exhausted.Load(),
	}
}

func (c *counters) observeLag(d time.Duration) {
	c.lag.observe(d)
	for {
		cur := c.maxSendLag.Load()
		if int64(d) <= cur || c.maxSendLag.CompareAndSwap(cur, int64(d)) {
			return
		}
	}
}

// saturation judges a finished run's stats against the lag threshold.
func saturation(st Stats, threshold time.Duration, maxWorkers int) (bool, string) {
	switch {
	case st.WorkersExhausted > 0:
		return true, fmt.Sprintf("max workers (%d) reached: %d requests waited for a free worker", maxWorkers, st.WorkersExhausted)
	case st.SendLagP99 > threshold:
		return true, fmt.Sprintf("send lag p99 %v above %v (max %v)", st.SendLagP99, threshold, st.MaxSendLag)
	}
	return false, ""
}

// lagHistogram is a lock-free log-linear histogram of durations in
// microseconds: 16 sub-buckets per power of two, so a quantile is read
// within 1/16 of its value; values under 16 µs are exact.
type lagHistogram struct {
	b [lagBuckets]atomic.Int64
}

const (
	lagSubBits = 4
	lagBuckets = (64 - lagSubBits + 1) << lagSubBits
)

func lagBucket(us uint64) int {
	if us < 1<<lagSubBits {
		return int(us)
	}
	e := bits.Len64(us) - lagSubBits // ≥ 1
	return e<<lagSubBits | int(us>>(e-1))&(1<<lagSubBits-1)
}

// lagUpper is the largest value of bucket i, in microseconds.
func lagUpper(i int) uint64 {
	if i < 1<<lagSubBits {
		return uint64(i)
	}
	e := i >> lagSubBits
	sub := uint64(i & (1<<lagSubBits - 1))
	return (1<<lagSubBits|sub+1)<<(e-1) - 1
}

func (h *lagHistogram) observe(d time.Duration) {
	us := uint64(0)
	if d > 0 {
		us = uint64(d / time.Microsecond)
	}
	h.b[lagBucket(us)].Add(1)
}

// quantile returns the upper bound of the bucket holding quantile q.
func (h *lagHistogram) quantile(q float64) time.Duration {
	var total int64
	var counts [lagBuckets]int64
	for i := range h.b {
		counts[i] = h.b[i].Load()
		total += counts[i]
	}
	if total == 0 {
		return 0
	}
	rank := int64(q*float64(total-1)) + 1
	var seen int64
	for i, c := range counts {
		seen += c
		if seen >= rank {
			return time.Duration(lagUpper(i)) * time.Microsecond
		}
	}
	return 0
}
