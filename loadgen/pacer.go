package loadgen

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// pacerQuantum is the shortest time the lean client's pacer sleeps
// between two wakes. Below one request per quantum it wakes at each
// request's intended time; above, it wakes once per quantum and sends
// every request that has come due, each no earlier than its intended time
// and at most a quantum (plus the kernel's wake-up latency) late:
//
//	due      │ │ │ │ │ │ │ │ │ │ │ │      (50k req/s: one every 20 µs)
//	wakes    ▲         ▲         ▲        (one per 200 µs)
//	sent     └─────────┴┴┴┴┴┴┴┴┴┴┴┴┴┴┴┴┴  the batch of what came due
//
// Send lag is measured per request as before, so the batching shows in the
// ledger; 200 µs is far inside the 5 ms saturation bound and the 1 ms
// accuracy goal at 5000 req/s, where each request still has its own wake.
const pacerQuantum = 200 * time.Microsecond

// sendBatch is how many requests the loop sends before it looks at the
// connections again. After a stall (the host did not run the loop) a
// backlog of due requests is sent in batches, and the responses that came
// in meanwhile put their connections back in the pools between batches:
// the backlog reuses them instead of opening a connection per request.
const sendBatch = 64

// pace is the lean client's event loop and pacer in one goroutine on its
// own thread: it sends each request the moment it is due (on an idle
// pooled connection: one write), handles what epoll reports, and fails
// requests whose Timeout passed. The schedule is never thinned or shifted;
// with MaxWorkers requests unfinished the next one waits for one to
// finish (counted once in WorkersExhausted), and the delay shows as
// SendLag. It returns when every request has its record.
func (a *attack) pace(ctx context.Context, start time.Time) {
	lc := a.lean
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	stopWake := context.AfterFunc(ctx, lc.wake)
	defer stopWake()

	var (
		n         uint64
		next      job  // request n, once known
		have      bool // next is request n
		waited    bool // request n was counted as waiting for a worker
		ended     bool // no more requests to send
		pacerWake time.Time
	)
	lc.sweep = start.Add(time.Second)
	for {
		now := time.Now()
		batch := 0
		for !ended {
			if batch == sendBatch {
				break // read what came back before sending more
			}
			if ctx.Err() != nil {
				a.notSentTail(n, start) // due but not sent, n included
				ended = true
				break
			}
			if !have {
				off, ok := a.cfg.Schedule.At(n)
				if !ok || n > math.MaxUint32 {
					ended = true
					break
				}
				next, have, waited = a.job(n, start, off), true, false
			}
			if next.at.After(now) {
				break
			}
			if lc.busy >= a.cfg.MaxWorkers {
				if !waited {
					a.stats.exhausted.Add(1) // the client is saturated: say so
					waited = true
				}
				break
			}
			if lc.failover {
				next.lb = lc.pick(next.seq) // the sticky address as of now, not as of scheduling
			}
			a.stats.scheduled.Add(1)
			a.stats.sent.Add(1)
			a.stats.inFlight.Add(1)
			lc.send(next)
			have = false
			n++
			batch++
		}
		lc.expire(now)
		if now.After(lc.sweep) {
			lc.sweepIdle(now)
			lc.sweep = now.Add(time.Second)
		}
		if ended && lc.busy == 0 {
			break
		}

		// How long to wait: until the next request is due (but a
		// quantum after the last wake for the schedule), the next
		// deadline, or the next sweep.
		wait := lc.sweep.Sub(now)
		timed := false
		if !ended && have && lc.busy < a.cfg.MaxWorkers {
			due := next.at
			if q := pacerWake.Add(pacerQuantum); q.After(due) {
				due = q
			}
			if d := due.Sub(now); d < wait {
				wait, timed = d, true
			}
		}
		if e, ok := lc.expiry.front(); ok {
			wait = min(wait, e.at.Sub(now))
		}
		if batch == sendBatch {
			wait = 0
		}
		nev, err := epollWait(lc.ep, lc.events, max(wait, 0))
		if err != nil && err != syscall.EINTR {
			panic(fmt.Sprintf("loadgen: epoll_wait: %v", err)) // EBADF/EFAULT/EINVAL: a bug of this loop
		}
		if timed && nev == 0 {
			pacerWake = time.Now()
		}
		for _, ev := range lc.events[:max(nev, 0)] {
			if ev.Fd < 0 {
				lc.drainWake()
				continue
			}
			if c := lc.slots[ev.Fd]; c != nil {
				lc.event(c, ev.Events)
			}
		}
	}
	lc.shutdown()
}

// drainWake reads the wake-up counter and takes in finished connects.
func (lc *leanClient) drainWake() {
	var b [8]byte
	_, _ = syscall.Read(lc.wakefd, b[:]) // EAGAIN: already drained
	for {
		select {
		case r := <-lc.dialed:
			lc.connected(r)
		default:
			return
		}
	}
}

// sysEpollPwait2 is epoll_pwait2(2) (Linux 5.11): a timeout in
// nanoseconds, where epoll_wait(2) rounds up to milliseconds.
const sysEpollPwait2 = 441

var noPwait2 atomic.Bool // set when the kernel lacks epoll_pwait2

// epollWait waits up to d for events.
func epollWait(ep int, evs []syscall.EpollEvent, d time.Duration) (int, error) {
	if !noPwait2.Load() {
		ts := syscall.NsecToTimespec(int64(d))
		r, _, errno := syscall.Syscall6(sysEpollPwait2, uintptr(ep), uintptr(unsafe.Pointer(&evs[0])),
			uintptr(len(evs)), uintptr(unsafe.Pointer(&ts)), 0, 0)
		if errno != syscall.ENOSYS {
			if errno != 0 {
				return 0, errno
			}
			return int(r), nil
		}
		noPwait2.Store(true)
	}
	return syscall.EpollWait(ep, evs, int((d+time.Millisecond-1)/time.Millisecond))
}
