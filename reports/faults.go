package reports

import (
	"cmp"
	"slices"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// window is one fault's span as offsets from the ledger start: from its
// inject event to its revert event, or to the end of the run when it was
// never reverted.
type window struct {
	name, kind     string
	fault          *spec.Fault // the scenario's entry, nil if the events name another
	target         string      // what the inject acted on, from its event or the fault
	inject, revert time.Time   // zero when missing
	from, to       time.Duration
	reverted       bool
	// restore is when the undo began (the end of the hold); servedBy
	// judges up to it, since a restored part may serve again before the
	// revert event marks the undo complete.
	restore  time.Duration
	restored bool
	failed   int64
	stalled  int64 // stalled requests intended inside the window

	// The failover scope runs from the inject up to, not including,
	// scopeEnd: the next window's inject, or the end of the run (bounded
	// false). See Failover.
	scopeEnd     time.Duration
	bounded      bool
	scopeFailed  int64
	scopeStalled int64
	lastFail     time.Duration // intended time of the scope's last failed or stalled request
	steadyAt     time.Duration // first healthy success after lastFail (or the inject)
	steadyFound  bool
}

// scopeBad counts the failover scope's unavailable requests: failed or
// stalled.
func (w *window) scopeBad() int64 { return w.scopeFailed + w.scopeStalled }

// unavailable records a failed (or else stalled) request intended at
// offset at in the failover scope, if it lies there.
func (w *window) unavailable(at time.Duration, failed bool) {
	if !w.inScope(at) {
		return
	}
	if w.scopeBad() == 0 || at > w.lastFail {
		w.lastFail = at
	}
	if failed {
		w.scopeFailed++
	} else {
		w.scopeStalled++
	}
}

// injected reports whether the window has an inject event.
func (w *window) injected() bool { return w.inject != (time.Time{}) }

// inScope reports whether offset at lies in the failover scope.
func (w *window) inScope(at time.Duration) bool {
	return w.injected() && at >= w.from && (!w.bounded || at < w.scopeEnd)
}

// contains reports whether offset at lies inside the window (both ends
// included).
func (w *window) contains(at time.Duration) bool {
	return w.inject != (time.Time{}) && at >= w.from && (!w.reverted || at <= w.to)
}

// faultWindows pairs each inject event with the next revert event of the
// same fault name. Repeated injects of a fault make one window each; a
// revert without an open inject is ignored. Faults of the scenario that
// never injected are listed last, in scenario order, without a window, so a
// report shows a timeline that did not happen.
func faultWindows(sc *spec.Scenario, events []spec.Event, start time.Time) []*window {
	kinds := map[string]string{}
	faults := map[string]*spec.Fault{}
	for i, f := range sc.Faults {
		kinds[faultName(f.Name, f.Kind)] = f.Kind
		faults[faultName(f.Name, f.Kind)] = &sc.Faults[i]
	}
	evs := slices.Clone(events)
	slices.SortStableFunc(evs, func(a, b spec.Event) int { return a.Time.Compare(b.Time) })

	var out []*window
	open := map[string]*window{}
	for _, e := range evs {
		name := faultName(e.Fault, e.Kind)
		switch e.Step {
		case spec.StepInject:
			if open[name] != nil {
				continue // still injected: the window is already open
			}
			kind := cmp.Or(e.Kind, kinds[name])
			w := &window{name: name, kind: kind, fault: faults[name], target: targetOf(e.Target, faults[name]),
				inject: e.Time, from: e.Time.Sub(start)}
			open[name] = w
			out = append(out, w)
		case spec.StepRestore:
			if w := open[name]; w != nil && !w.restored {
				w.restore, w.restored = e.Time.Sub(start), true
			}
		case spec.StepRevert:
			if w := open[name]; w != nil {
				w.revert, w.to, w.reverted = e.Time, e.Time.Sub(start), true
				delete(open, name)
			}
		}
	}
	injected := map[string]bool{}
	for _, w := range out {
		injected[w.name] = true
	}
	for _, f := range sc.Faults {
		if name := faultName(f.Name, f.Kind); !injected[name] {
			injected[name] = true
			out = append(out, &window{name: name, kind: f.Kind, fault: faults[name], target: targetOf("", faults[name])})
		}
	}
	// Each injected window's failover scope ends at the next inject.
	for _, w := range out {
		for _, o := range out {
			if o != w && o.injected() && o.from > w.from && (!w.bounded || o.from < w.scopeEnd) {
				w.scopeEnd, w.bounded = o.from, true
			}
		}
	}
	return out
}

// targetOf names what a fault takes out: the inject event's target when it
// names something specific, else the fault's zone, node, load balancer or
// replica; "" for every replica.
func targetOf(event string, f *spec.Fault) string {
	if event != "" && event != spec.TargetAll {
		return event
	}
	if f == nil {
		return ""
	}
	for _, t := range []string{f.Zone, f.Node, f.LB, f.Target} {
		if t != "" && t != spec.TargetAll {
			return t
		}
	}
	return ""
}

// faultName is the name a fault goes by: its Name, defaulting to its Kind.
func faultName(name, kind string) string { return cmp.Or(name, kind) }

// activeFault returns the name of the most recently injected fault whose
// window contains offset at, or "".
func activeFault(ws []*window, at time.Duration) string {
	var best *window
	for _, w := range ws {
		if w.contains(at) && (best == nil || w.from > best.from) {
			best = w
		}
	}
	if best == nil {
		return ""
	}
	return best.name
}
