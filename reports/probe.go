package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// forever is the open end of a window that lasts to the end of the run.
const forever = time.Duration(1<<63 - 1)

// probe is one SLO result in the making: an SLO over one window (the run,
// or a window relative to one fault), with what the pass over the client
// ledger counts inside it. Windows hold requests by intended send time,
// both ends included.
type probe struct {
	slo    spec.SLO
	w      *window // the fault the window is relative to; nil for the run
	window string  // run, before, during, after, or the SLO kind's own span
	from   time.Duration
	to     time.Duration // forever for the end of the run
	// missing says why the window does not exist (a fault never injected
	// or never reverted); such a probe fails.
	missing string

	total, ok, failed int64
	// stalled counts successful requests slower than the stall bound, for
	// the SLOs that count them as unavailable (availability, maxFailover);
	// first and last then span them too.
	stalled        int64
	first, last    ledger.Record
	lat            *ledger.Histogram // latency only
	gateways, lbs  []int64           // successful requests by name index; servedBy only
	lostGw, lostLB []bool            // servedBy: what the fault took out, by name index

	// Offending successful requests: slower than the latency bound, or
	// served by what a fault took out.
	offN              int64
	offFirst, offLast ledger.Record

	// group restricts the probe to one client group's records (an SLO's
	// region:, region.go); nil counts every record.
	group *ledger.Group
	// steadyAt: a group's maxFailover, its first healthy success after
	// its last unavailable request (tally.failovers' second pass).
	steadyAt    time.Duration
	steadyFound bool
}

// offend records r as an offending successful request.
func (p *probe) offend(r ledger.Record) {
	if p.offN == 0 || earlier(r, p.offFirst) {
		p.offFirst = r
	}
	if p.offN == 0 || earlier(p.offLast, r) {
		p.offLast = r
	}
	p.offN++
}

func (p *probe) contains(at time.Duration) bool { return at >= p.from && at <= p.to }

// bad records r as an unavailable request (failed, or stalled where
// stalls count).
func (p *probe) bad(r ledger.Record) {
	if n := p.failed + p.stalled; n == 0 || earlier(r, p.first) {
		p.first = r
	}
	if n := p.failed + p.stalled; n == 0 || earlier(p.last, r) {
		p.last = r
	}
}

// add counts r if it lies in the window; stalled says r is a success
// slower than the run's stall bound.
func (p *probe) add(r ledger.Record, stalled bool) {
	if p.missing != "" || !p.contains(r.Intended) || (p.group != nil && !p.group.Has(r.Seq)) {
		return
	}
	p.total++
	if r.OK() {
		p.ok++
		if stalled && (p.slo.Kind == spec.SLOAvailability || p.slo.Kind == spec.SLOMaxFailover) {
			p.bad(r)
			p.stalled++
		}
		if p.lat != nil {
			p.lat.Observe(r.Latency)
			if r.Latency > p.slo.Max.D() {
				p.offend(r)
			}
		}
		if p.gateways != nil {
			p.gateways[r.Gateway]++
			p.lbs[r.LB]++
			if p.lostGw[r.Gateway] || p.lostLB[r.LB] {
				p.offend(r)
			}
		}
		return
	}
	p.bad(r)
	p.failed++
}

// probesFor expands the scenario's SLOs into probes, in SLO order: an SLO
// over the run is one probe; an SLO over a fault window, or judged per
// fault, is one probe per window of its fault (every fault when it names
// none), in timeline order.
func probesFor(sc *spec.Scenario, ws []*window, meta ledger.Meta) []*probe {
	var out []*probe
	for _, o := range sc.SLOs {
		perFault := o.Kind == spec.SLOMaxFailover || o.Kind == spec.SLOErrorBudget ||
			(o.Kind == spec.SLOServedBy && o.Fault == "")
		switch {
		case o.Kind == spec.SLOReconciliation, !perFault && (o.Window == "" || o.Window == spec.WindowRun) && o.Kind != spec.SLOServedBy:
			out = append(out, newProbe(o, nil, spec.WindowRun))
			continue
		}
		var mine []*probe
		for _, w := range ws {
			if o.Fault != "" && w.name != o.Fault {
				continue
			}
			if o.Kind == spec.SLOServedBy && w.target == "" {
				continue // nothing specific was lost
			}
			mine = append(mine, newProbe(o, w, o.Window))
		}
		if len(mine) == 0 {
			p := newProbe(o, nil, spec.WindowRun) // servedBy: spread over the run
			if o.Kind == spec.SLOServedBy && o.Tolerance == 0 {
				p.missing = "no fault took out a zone, node, replica or load balancer"
			}
			if o.Fault != "" {
				p.missing = fmt.Sprintf("no fault named %q", o.Fault)
			}
			mine = append(mine, p)
		}
		out = append(out, mine...)
	}
	for _, p := range out {
		scopeToRegion(p, meta)
		if p.gateways != nil {
			target := ""
			if p.w != nil {
				target = p.w.target
			}
			p.lostGw, p.lostLB = lost(target, meta)
		}
	}
	return out
}

// lost marks the gateways and load balancers that target names: a replica,
// its node ("z1n1" of "z1n1-gw0"), its zone, or a load balancer by name or
// as "lbN" (the N-th of the ledger's load balancers).
func lost(target string, meta ledger.Meta) (gws, lbs []bool) {
	gws, lbs = make([]bool, 256), make([]bool, 256)
	if target == "" {
		return gws, lbs
	}
	for i, g := range meta.Gateways {
		node, _, _ := strings.Cut(g, "-")
		gws[i] = g == target || node == target || meta.Zones[g] == target
	}
	for i, l := range meta.LBs {
		lbs[i] = l == target || target == "lb"+strconv.Itoa(i+1)
	}
	return gws, lbs
}

// newProbe computes the window of o relative to w (nil: the run).
func newProbe(o spec.SLO, w *window, win string) *probe {
	p := &probe{slo: o, w: w, window: win, to: forever}
	switch o.Kind {
	case spec.SLOLatency:
		p.lat = &ledger.Histogram{}
	case spec.SLOServedBy:
		p.gateways, p.lbs = make([]int64, 256), make([]int64, 256)
	}
	if w == nil {
		return p
	}
	if !w.injected() {
		p.missing = fmt.Sprintf("fault %s was not injected", w.name)
		return p
	}
	settle := o.Settle.D()
	end := forever
	if w.reverted {
		end = w.to + settle
	}
	switch o.Kind {
	case spec.SLOMaxFailover:
		p.window = "failover"
		p.from = w.from
		if w.bounded {
			p.to = w.scopeEnd - 1
		}
		return p
	case spec.SLOServedBy:
		p.window = "after loss"
		p.from = w.from + o.Grace.D()
		switch {
		case w.restored:
			p.to = w.restore - 1 // from the restore on, the part may serve again
		case w.reverted:
			p.to = w.to
		}
		if p.from > p.to {
			p.missing = fmt.Sprintf("fault %s was reverted within the grace period", w.name)
		}
		return p
	case spec.SLOErrorBudget:
		p.window = spec.WindowDuring
	}
	switch p.window {
	case spec.WindowBefore:
		p.to = w.from - 1
	case spec.WindowDuring:
		p.from, p.to = w.from, end
	case spec.WindowAfter:
		if !w.reverted {
			p.missing = fmt.Sprintf("fault %s was not reverted", w.name)
		}
		p.from = end + 1
	}
	return p
}
