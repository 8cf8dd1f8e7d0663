package reports

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// knownSLO reports whether judge can evaluate kind; an SLO it cannot judge
// is an error, never a pass.
func knownSLO(kind string) bool {
	switch kind {
	case spec.SLOZeroLoss, spec.SLOAvailability:
		return true
	}
	return false
}

// judge evaluates one SLO over the whole run. A run without requests fails
// every SLO: a check that saw nothing passes nothing.
func judge(s spec.SLO, t *tally) SLOResult {
	r := SLOResult{Kind: s.Kind, Window: WindowRun}
	switch s.Kind {
	case spec.SLOZeroLoss:
		r.Threshold = "0 failed"
		r.Value = float64(t.failed)
		r.Measured = fmt.Sprintf("%d failed", t.failed)
		r.Passed = t.total > 0 && t.failed == 0
	case spec.SLOAvailability:
		r.Threshold = ">= " + percent(s.Min, 6)
		if t.total > 0 {
			// A correctly rounded quotient equals the nearest double to an
			// exact decimal ratio, so ok/total == min holds at the boundary.
			r.Value = float64(t.ok) / float64(t.total)
			r.Passed = r.Value >= s.Min
			r.Measured = fmt.Sprintf("%s (%d/%d ok)", distinctPercent(r.Value, s.Min), t.ok, t.total)
		}
	}
	if t.total == 0 {
		r.Measured = "no requests"
		r.Passed = false
	}
	if !r.Passed && t.failed > 0 {
		r.FirstFailure = t.failure(t.first)
		r.LastFailure = t.failure(t.last)
		r.ActiveFault = activeFault(t.windows, t.first.Intended)
	}
	return r
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
