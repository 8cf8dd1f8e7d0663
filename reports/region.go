package reports

import (
	"fmt"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// scopeToRegion restricts a probe whose SLO names a region to the records
// of that region's client group (ledger.json's groups: a record names its
// group by its Seq). A ledger without such a group cannot be judged for
// the region: the probe fails, it does not fall back to every client.
func scopeToRegion(p *probe, meta ledger.Meta) {
	region := p.slo.Region
	if region == "" {
		return
	}
	for i := range meta.Groups {
		if meta.Groups[i].Region == region {
			p.group = &meta.Groups[i]
			return
		}
	}
	if p.missing == "" {
		p.missing = fmt.Sprintf("no client group of region %s in the ledger", region)
	}
}

// groupFailoverProbes are the maxFailover probes scoped to a client group
// whose fault was injected: they need the second pass for their steady
// success.
func (t *tally) groupFailoverProbes() []*probe {
	var out []*probe
	for _, p := range t.probes {
		if p.group != nil && p.slo.Kind == spec.SLOMaxFailover && p.missing == "" && p.w != nil && p.w.injected() {
			out = append(out, p)
		}
	}
	return out
}

// steady takes a healthy success (the caller checked) of the second pass:
// the group's earliest one in the failover scope after its last
// unavailable request, or from the inject when none was.
func (p *probe) steady(r ledger.Record) {
	if !p.group.Has(r.Seq) || !p.contains(r.Intended) {
		return
	}
	after := r.Intended >= p.from
	if p.failed+p.stalled > 0 {
		after = r.Intended > p.last.Intended
	}
	if after && (!p.steadyFound || r.Intended < p.steadyAt) {
		p.steadyAt, p.steadyFound = r.Intended, true
	}
}

// groupFailover is tally.failover over the group's records only: from the
// inject to the group's first healthy success after its last failure or
// stall, which must last steady within the scope.
func (p *probe) groupFailover(t *tally, steady time.Duration) *Failover {
	w := p.w
	bad := p.failed + p.stalled
	f := &Failover{SteadyFor: Duration(steady), Failed: p.failed, Stalled: p.stalled}
	at := w.from
	if bad > 0 {
		f.LastFailure = Duration(p.last.Intended - w.from)
		at = p.steadyAt
	}
	if (bad == 0 || p.steadyFound) && t.scopeEnd(w)-at >= steady {
		f.Steady = ptr(Duration(at - w.from))
	}
	return f
}
