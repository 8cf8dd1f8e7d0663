package reports

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// knownSLO reports whether judge can evaluate kind; an SLO it cannot judge
// is an error, never a pass.
func knownSLO(kind string) bool {
	switch kind {
	case spec.SLOZeroLoss, spec.SLOAvailability, spec.SLOMaxFailover, spec.SLOLatency,
		spec.SLOThroughput, spec.SLOServedBy, spec.SLOErrorBudget, spec.SLOReconciliation:
		return true
	}
	return false
}

// judge evaluates one probe: an SLO over one window. A window without
// requests fails every SLO (a check that saw nothing passes nothing), and
// so does a window that does not exist (a fault never injected). A failed
// result names its offending requests: the first and last failed ones, or
// for latency the slowest-bound breakers, for servedBy the requests served
// by what was lost.
func judge(p *probe, t *tally, v *Verdict) SLOResult {
	o := p.slo
	r := SLOResult{Kind: o.Kind, Window: p.window, From: Duration(p.from)}
	if p.w != nil {
		r.Fault = p.w.name
	}
	if p.to != forever {
		r.To = ptr(Duration(p.to))
	}
	offenders := p.failed+p.stalled > 0
	switch o.Kind {
	case spec.SLOZeroLoss:
		r.Threshold = "0 failed"
		r.Value = float64(p.failed)
		r.Measured = fmt.Sprintf("%d failed", p.failed)
		r.Passed = p.failed == 0
	case spec.SLOAvailability:
		r.Threshold = ">= " + percent(o.Min, 6)
		if p.total > 0 {
			// A correctly rounded quotient equals the nearest double to an
			// exact decimal ratio, so ok/total == min holds at the boundary.
			// A stalled success is not available service (stall.go).
			avail := p.ok - p.stalled
			r.Value = float64(avail) / float64(p.total)
			r.Passed = r.Value >= o.Min
			r.Measured = fmt.Sprintf("%s (%d/%d ok)", distinctPercent(r.Value, o.Min), avail, p.total)
			if p.stalled > 0 {
				r.Measured = fmt.Sprintf("%s (%d/%d ok in time, %d stalled)", distinctPercent(r.Value, o.Min), avail, p.total, p.stalled)
				r.Details = append(r.Details, fmt.Sprintf("stalled: answered later than %s (%s)", short(t.stall.Bound.D()), t.stall.Source))
			}
		}
	case spec.SLOLatency:
		q := quantileName(o.Quantile)
		r.Threshold = fmt.Sprintf("%s <= %s", q, o.Max)
		d := p.lat.Quantile(o.Quantile)
		r.Value = d.Seconds()
		r.Passed = p.ok > 0 && d <= o.Max.D()
		r.Measured = fmt.Sprintf("%s %s (%d ok, %d slower than %s)", q, short(d), p.ok, p.offN, o.Max)
		offenders = p.offN > 0
	case spec.SLOThroughput:
		judgeThroughput(&r, p, t, v.Rate)
	case spec.SLOMaxFailover:
		judgeFailover(&r, p, t)
	case spec.SLOServedBy:
		judgeServedBy(&r, p, t)
		offenders = p.offN > 0
	case spec.SLOErrorBudget:
		budget, why := int64(o.Budget), "set by the SLO"
		if o.Budget == 0 && p.w != nil && p.w.fault != nil {
			budget, why = t.lossBudget(*p.w.fault)
		}
		r.Threshold = fmt.Sprintf("<= %d failed", budget)
		r.Value = float64(p.failed)
		r.Measured = fmt.Sprintf("%d failed", p.failed)
		r.Passed = p.failed <= budget
		r.Details = append(r.Details, "budget: "+why)
	case spec.SLOReconciliation:
		judgeReconciliation(&r, o, t, v.Reconciliation)
		offenders = false
	}
	switch {
	case p.missing != "":
		r.Measured, r.Passed = p.missing, false
	case p.total == 0 && o.Kind != spec.SLOReconciliation:
		r.Measured, r.Passed = "no requests", false
	}
	if !r.Passed && offenders {
		first, last := p.first, p.last
		if o.Kind == spec.SLOLatency || o.Kind == spec.SLOServedBy {
			first, last = p.offFirst, p.offLast
		}
		r.FirstFailure = t.failure(first)
		r.LastFailure = t.failure(last)
		r.ActiveFault = activeFault(t.windows, first.Intended)
	}
	return r
}

// judgeThroughput finds the worst whole second of the window: its
// successful requests against the offered rate. Seconds the window covers
// only in part, and the run's last second when the schedule ended inside
// it, are left out: a part-second is not a rate.
func judgeThroughput(r *SLOResult, p *probe, t *tally, rate float64) {
	r.Threshold = fmt.Sprintf(">= %s of offered", percent(p.slo.Min, 4))
	if rate <= 0 {
		r.Measured = "offered rate unknown"
		return
	}
	step := time.Duration(float64(time.Second) / rate)
	worst, found := -1, false
	for s := range t.seconds {
		from, to := time.Duration(s)*time.Second, time.Duration(s+1)*time.Second-1
		if from < p.from || to > p.to || t.lastIntended+step < to {
			continue
		}
		if !found || t.seconds[s].OK < t.seconds[worst].OK {
			worst, found = s, true
		}
	}
	if !found {
		r.Measured = "no whole second in the window"
		return
	}
	ok := t.seconds[worst].OK
	r.Value = float64(ok) / rate
	r.Passed = r.Value >= p.slo.Min
	r.Measured = fmt.Sprintf("%s in second +%ds (%d ok of %g/s offered)", percent(r.Value, 2), worst, ok, rate)
}

// judgeFailover judges the time from the inject to the return of steady
// success (see Failover).
func judgeFailover(r *SLOResult, p *probe, t *tally) {
	o := p.slo
	steady := cmp.Or(o.Steady, spec.DefaultSteady).D()
	r.Threshold = fmt.Sprintf("<= %s to steady success (%s without failure)", o.Max, steady)
	if p.w == nil || !p.w.injected() {
		return
	}
	f := t.failover(p.w, steady)
	if p.group != nil {
		f = p.groupFailover(t, steady)
		r.Details = append(r.Details, fmt.Sprintf("clients of region %s (group %s)", p.group.Region, p.group.Name))
	}
	if t.stall != nil {
		r.Threshold = fmt.Sprintf("<= %s to steady healthy success (%s without failure or stall > %s)", o.Max, steady, short(t.stall.Bound.D()))
	}
	last := "no failed request"
	switch {
	case f.Stalled > 0:
		last = fmt.Sprintf("last failure or stall +%s after inject, %d failed, %d stalled", short(f.LastFailure.D()), f.Failed, f.Stalled)
	case f.Failed > 0:
		last = fmt.Sprintf("last failure +%s after inject, %d failed", short(f.LastFailure.D()), f.Failed)
	}
	if f.Steady == nil {
		end := "the end of the run"
		if p.w.bounded {
			end = "the next fault"
		}
		r.Measured = fmt.Sprintf("no steady success before %s (%s)", end, last)
		r.Value = (t.scopeEnd(p.w) - p.w.from).Seconds()
		return
	}
	r.Value = f.Steady.D().Seconds()
	r.Passed = *f.Steady <= Duration(o.Max)
	r.Measured = fmt.Sprintf("steady after %s (%s)", short(f.Steady.D()), last)
}

// judgeServedBy checks that nothing the fault took out served a request
// after the grace period, and, with a tolerance, that every surviving zone
// carried an equal share of the load within it.
func judgeServedBy(r *SLOResult, p *probe, t *tally) {
	o := p.slo
	target := ""
	if p.w != nil {
		target = p.w.target
	}
	var parts []string
	if target != "" {
		parts = append(parts, fmt.Sprintf("0 served by %s", target))
	}
	if o.Tolerance > 0 {
		parts = append(parts, fmt.Sprintf("surviving zones within ±%s of an equal share", percent(o.Tolerance, 2)))
	}
	r.Threshold = strings.Join(parts, "; ")
	r.Value = float64(p.offN)
	r.Passed = true
	var measured []string
	if target != "" {
		measured = append(measured, fmt.Sprintf("%d served by %s", p.offN, target))
		r.Passed = p.offN == 0
	}
	zones := map[string]int64{}
	lostZone := map[string]bool{}
	for i, g := range t.meta.Gateways {
		z := cmp.Or(t.meta.Zones[g], unknown)
		if !p.lostGw[i] {
			zones[z] += p.gateways[i]
			lostZone[z] = lostZone[z] || false
		} else if _, ok := lostZone[z]; !ok {
			lostZone[z] = true
		}
	}
	var survivors []string
	var sum int64
	for _, z := range sortedKeys(lostZone) {
		if !lostZone[z] {
			survivors = append(survivors, z)
			sum += zones[z]
		}
	}
	if len(survivors) > 0 && sum > 0 {
		equal := 1 / float64(len(survivors))
		var shares []string
		worst := 0.0
		for _, z := range survivors {
			share := float64(zones[z]) / float64(sum)
			worst = max(worst, abs(share-equal))
			shares = append(shares, fmt.Sprintf("%s %s", z, percent(share, 1)))
		}
		r.Details = append(r.Details, "zone shares: "+strings.Join(shares, ", "))
		if o.Tolerance > 0 {
			measured = append(measured, fmt.Sprintf("largest deviation %s", percent(worst, 2)))
			r.Passed = r.Passed && worst <= o.Tolerance
		}
	}
	r.Measured = strings.Join(measured, "; ")
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// judgeReconciliation compares the reconciliation counts with the SLO's
// allowances; without backend ledgers nothing is proven and it fails.
func judgeReconciliation(r *SLOResult, o spec.SLO, t *tally, rc *Reconciliation) {
	r.Threshold = fmt.Sprintf("failed after backend <= %d, duplicates <= %d, phantoms <= %d",
		o.AllowFailedAfterBackend, o.AllowDuplicates, o.AllowPhantoms)
	if rc == nil {
		r.Measured = "no backend ledgers: not reconciled"
		return
	}
	r.Value = float64(rc.FailedAfterBackend + rc.Duplicates + rc.Phantoms)
	r.Measured = fmt.Sprintf("failed after backend %d, duplicates %d, phantoms %d",
		rc.FailedAfterBackend, rc.Duplicates, rc.Phantoms)
	r.Passed = rc.FailedAfterBackend <= int64(o.AllowFailedAfterBackend) &&
		rc.Duplicates <= int64(o.AllowDuplicates) && rc.Phantoms <= int64(o.AllowPhantoms)
	for _, sr := range t.rec.Ranges() {
		r.Details = append(r.Details, fmt.Sprintf("%s: first seq %d, last seq %d", sr.Name, sr.First, sr.Last))
	}
}

// quantileName renders 0.99 as "p99" and 0.999 as "p99.9".
func quantileName(q float64) string {
	return "p" + strconv.FormatFloat(q*100, 'f', -1, 64)
}

// percent formats a ratio as a percentage with at most prec decimals,
// trailing zeros removed: 0.999 -> "99.9%".
func percent(ratio float64, prec int) string {
	s := strconv.FormatFloat(ratio*100, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s + "%"
}

// distinctPercent formats v with enough decimals that it does not print the
// same as a different threshold: 0.998999 against 0.999 is "99.8999%", not
// "99.9%".
func distinctPercent(v, threshold float64) string {
	prec := 2
	for ; prec < 12 && v != threshold && percent(v, prec) == percent(threshold, prec); prec++ {
	}
	return percent(v, prec)
}
