package loadgen

import (
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
	Elapsed   time.Duration // since the schedule's time zero
	// MaxSendLag is the largest actual-minus-intended send time: how far
	// the generator fell behind its schedule.
	MaxSendLag time.Duration
}

// counters are the live, atomically updated Stats of a run.
type counters struct {
	start                                time.Time
	scheduled, sent, ok, failed, notSent atomic.Int64
	inFlight, maxSendLag                 atomic.Int64
}

// Snapshot reads the counters; safe while the run goes on.
func (c *counters) Snapshot() Stats {
	return Stats{
		Scheduled:  c.scheduled.Load(),
		Sent:       c.sent.Load(),
		OK:         c.ok.Load(),
		Failed:     c.failed.Load(),
		NotSent:    c.notSent.Load(),
		InFlight:   c.inFlight.Load(),
		Elapsed:    time.Since(c.start),
		MaxSendLag: time.Duration(c.maxSendLag.Load()),
	}
}

func (c *counters) observeLag(d time.Duration) {
	for {
		cur := c.maxSendLag.Load()
		if int64(d) <= cur || c.maxSendLag.CompareAndSwap(cur, int64(d)) {
			return
		}
	}
}
