// Package loadgen is gatecert's open-model load generator: requests are sent
// at the times a Schedule fixes in advance, whatever the system under test
// does, and every scheduled request leaves exactly one record in the client
// ledger, including the ones that failed or were never sent. Latency is
// measured from the intended send time, so a stall shows up in full
// (no coordinated omission).
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/gatecert/gatecert/ledger"
)

// metaVersion is the ledger.json version this package writes.
const metaVersion = 1

// kernelSleep is how much of a wait the dispatcher sleeps in the kernel
// instead of on a Go timer: Go timers wait in the netpoller in whole
// milliseconds, so one under 1 ms can fire up to a millisecond late when
// the process is idle; nanosleep(2) on the dispatcher's own thread wakes
// within the timer slack (~50 µs) and burns no CPU, unlike spinning.
const kernelSleep = 2 * time.Millisecond

// Run offers cfg's load until the schedule ends or ctx is cancelled, then
// waits for requests in flight (each is bounded by cfg.Timeout from its
// send) and writes the ledger: LedgerDir/client.ledger with one record per
// scheduled request and LedgerDir/ledger.json. Cancellation is a normal way
// to stop: pacing stops, requests whose time had come but were not sent are
// recorded as ClassNotSent, and Run returns a nil error with a complete
// ledger. Errors are configuration, ledger or results-file errors.
func Run(ctx context.Context, cfg Config) (Stats, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(cfg.LedgerDir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("loadgen: %w", err)
	}
	w, err := ledger.Create(filepath.Join(cfg.LedgerDir, ledger.ClientFile))
	if err != nil {
		return Stats{}, fmt.Errorf("loadgen: %w", err)
	}
	a := &attack{cfg: cfg, w: w}
	var gateways, backends *names
	if cfg.Client == ClientLean {
		if a.lean, err = newLeanClient(cfg, a.done); err != nil {
			_ = w.Close() // the set-up error is what matters
			return Stats{}, err
		}
		a.route, gateways, backends = a.lean.route, a.lean.gateways, a.lean.backends
	} else {
		a.client = newClient(cfg)
		defer a.client.close()
		a.route, gateways, backends = a.client.route, a.client.gateways, a.client.backends
	}

	start := time.Now()
	a.stats.start = start
	stopProgress := a.progress()
	if a.lean != nil {
		a.pace(ctx, start)
	} else {
		a.dispatch(ctx, start)
	}
	stopProgress()
	st := a.stats.Snapshot()
	st.Client = cfg.Client
	st.Saturated, st.SaturationReason = saturation(st, cfg.SaturationLag, cfg.MaxWorkers)

	errs := []error{a.writeErr}
	if err := w.Close(); err != nil {
		errs = append(errs, fmt.Errorf("loadgen: close ledger: %w", err))
	}
	meta := ledger.Meta{
		Version:  metaVersion,
		Start:    start,
		Rate:     cfg.Rate,
		Records:  w.Count(),
		LBs:      append([]string{}, cfg.Targets...),
		Gateways: gateways.table(),
		Backends: backends.table(),
		Zones:    maps.Clone(cfg.Zones),
		Nodes:    maps.Clone(cfg.Nodes),
		Policy:   cfg.LBPolicy,
		Phases:   phaseCount(cfg.Schedule),

		SendLagP99:       st.SendLagP99,
		MaxSendLag:       st.MaxSendLag,
		ClientSaturated:  st.Saturated,
		SaturationReason: st.SaturationReason,
	}
	if err := ledger.WriteMeta(cfg.LedgerDir, meta); err != nil {
		errs = append(errs, fmt.Errorf("loadgen: %w", err))
	}
	if cfg.VegetaResults && a.writeErr == nil {
		if err := writeVegetaResults(cfg, meta); err != nil {
			errs = append(errs, fmt.Errorf("loadgen: %w", err))
		}
	}
	return st, errors.Join(errs...)
}

// attack is one Run in progress.
type attack struct {
	cfg    Config
	client *client     // the net/http client, or
	lean   *leanClient // the lean one
	route  *route
	stats  counters

	wmu      sync.Mutex
	w        *ledger.Writer
	writeErr error // first ledger write error
}

// job is one request handed from the dispatcher to a worker.
type job struct {
	seq   uint64
	lb    int // first address to try
	phase uint8
	at    time.Time     // intended send time
	off   time.Duration // at, as an offset from the run's start
}

// dispatch paces the schedule from a single goroutine and hands each
// request to a worker, starting a new worker when none is idle (up to
// MaxWorkers). With every worker busy it blocks: the schedule is never
// thinned or shifted, the delay shows as SendLag of the requests that
// follow. It returns when every request has its record.
func (a *attack) dispatch(ctx context.Context, start time.Time) {
	// Requests in flight outlive a cancelled run; each has its own timeout.
	reqCtx := context.WithoutCancel(ctx)
	work := make(chan job)
	var wg sync.WaitGroup
	workers := 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()

	// The kernel sleeps of sleepUntil block this thread, not another
	// goroutine's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	n := uint64(0)
	for ; n <= math.MaxUint32 && ctx.Err() == nil; n++ {
		off, ok := a.cfg.Schedule.At(n)
		if !ok {
			break
		}
		j := a.job(n, start, off)
		if !sleepUntil(ctx, timer, j.at) {
			break // cancelled before request n was due: it was never scheduled
		}
		a.stats.scheduled.Add(1)
		select {
		case work <- j: // an idle worker took it
			continue
		default:
		}
		if workers < a.cfg.MaxWorkers {
			workers++
			wg.Add(1)
			go a.worker(reqCtx, &wg, j, work)
			continue
		}
		a.stats.exhausted.Add(1) // the client is saturated: say so
		select {
		case work <- j:
		case <-ctx.Done():
			a.notSent(j) // the loop ends after n++: the tail below goes on from n+1
		}
	}
	if ctx.Err() != nil {
		a.notSentTail(n, start)
	}
	close(work)
	wg.Wait()
}

// notSentTail records the requests from n on that came due before a stop
// but were not handed out.
func (a *attack) notSentTail(n uint64, start time.Time) {
	cut := time.Since(start)
	for ; n <= math.MaxUint32; n++ {
		off, ok := a.cfg.Schedule.At(n)
		if !ok || off > cut {
			break
		}
		a.stats.scheduled.Add(1)
		a.notSent(a.job(n, start, off))
	}
}

// job builds request n, due at offset off: its first address comes from
// the LB policy, its phase from the schedule.
func (a *attack) job(n uint64, start time.Time, off time.Duration) job {
	lb := a.route.pick(n)
	if a.cfg.Resolver != nil {
		lb = ledger.NoName // by name: the dial picks the LB (a request never sent has none)
	}
	return job{seq: uint64(a.cfg.SeqBase) + n, lb: lb, phase: phaseOf(a.cfg.Schedule, n), at: start.Add(off), off: off}
}

// phaseCount is the number of phases of s (1 for an unphased schedule).
func phaseCount(s Schedule) int {
	if p, ok := s.(phases); ok {
		return len(p.parts)
	}
	return 1
}

// sleepUntil waits for t: on the Go timer until kernelSleep before, then
// in nanosleep(2). It returns false if ctx ends first (noticed within
// kernelSleep at worst).
func sleepUntil(ctx context.Context, timer *time.Timer, t time.Time) bool {
	for {
		if ctx.Err() != nil {
			return false
		}
		d := time.Until(t)
		switch {
		case d <= 0:
			return true
		case d > kernelSleep:
			timer.Reset(d - kernelSleep/2)
			select {
			case <-ctx.Done():
				timer.Stop()
				return false
			case <-timer.C:
			}
		default:
			ts := syscall.NsecToTimespec(int64(d))
			_ = syscall.Nanosleep(&ts, nil) // EINTR or done: the loop looks at the clock
		}
	}
}

func (a *attack) worker(ctx context.Context, wg *sync.WaitGroup, first job, work <-chan job) {
	defer wg.Done()
	a.send(ctx, first)
	for j := range work {
		a.send(ctx, j)
	}
}

func (a *attack) send(ctx context.Context, j job) {
	a.stats.sent.Add(1)
	a.stats.inFlight.Add(1)
	rec, _ := a.client.do(ctx, j.seq, j.lb, j.at, j.off) // the error is summarised by rec.Class
	rec.Phase = j.phase
	a.done(rec)
}

// done counts a finished request and writes its record.
func (a *attack) done(rec ledger.Record) {
	a.stats.inFlight.Add(-1)
	if rec.Flags&ledger.FlagFailover != 0 {
		a.stats.failedOver.Add(1)
	}
	a.stats.observeLag(rec.SendLag)
	if rec.OK() {
		a.stats.ok.Add(1)
	} else {
		a.stats.failed.Add(1)
	}
	a.write(rec)
}

func (a *attack) notSent(j job) {
	a.stats.notSent.Add(1)
	a.write(ledger.Record{
		Seq:      uint32(j.seq),
		Intended: j.off,
		Class:    ledger.ClassNotSent,
		LB:       uint8(j.lb),
		Phase:    j.phase,
		Gateway:  ledger.NoName,
		Backend:  ledger.NoName,
	})
}

func (a *attack) write(r ledger.Record) {
	if err := a.w.Write(r); err != nil {
		a.wmu.Lock()
		if a.writeErr == nil {
			a.writeErr = fmt.Errorf("loadgen: %w", err)
		}
		a.wmu.Unlock()
	}
}

// progress calls cfg.Progress about once a second until the returned stop
// function is called; stop returns after the last call.
func (a *attack) progress() (stop func()) {
	if a.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				st := a.stats.Snapshot()
				st.Saturated, st.SaturationReason = saturation(st, a.cfg.SaturationLag, a.cfg.MaxWorkers)
				a.cfg.Progress(st)
			}
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}
