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
	inject, revert time.Time // zero when missing
	from, to       time.Duration
	reverted       bool
	failed         int64
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
	for _, f := range sc.Faults {
		kinds[faultName(f.Name, f.Kind)] = f.Kind
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
			w := &window{name: name, kind: kind, inject: e.Time, from: e.Time.Sub(start)}
			open[name] = w
			out = append(out, w)
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
			out = append(out, &window{name: name, kind: f.Kind})
		}
	}
	return out
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
