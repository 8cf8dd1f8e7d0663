package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// FormatLine renders v as one terminal line, e.g.
//
//	PASS rolling-restart  45012 req  0 failed  p99 12.3ms  zeroLoss ✓
//	FAIL drain-no-readiness  30000 req  5 failed  p99 14ms  zeroLoss ✗ 5 failed (want 0 failed; eof 3, reset 2)
func FormatLine(v *Verdict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", outcomeOf(v).Word(), v.Scenario)
	if v.Expect != "" && v.Expect != "pass" {
		fmt.Fprintf(&b, " (expect %s)", v.Expect)
	}
	fmt.Fprintf(&b, "  %d req  %d failed", v.Requests.Total, v.Requests.Failed)
	if v.Stalls != nil && v.Stalls.Stalled > 0 {
		fmt.Fprintf(&b, "  %d stalled > %s", v.Stalls.Stalled, short(v.Stalls.Bound.D()))
	}
	fmt.Fprintf(&b, "  p99 %s", short(v.Latency.P99.D()))
	for _, r := range v.Reasons {
		fmt.Fprintf(&b, "  [%s]", r)
	}
	if len(v.SLOs) == 0 {
		b.WriteString("  no SLOs")
	}
	for _, s := range v.SLOs {
		if s.Passed {
			fmt.Fprintf(&b, "  %s ✓", s.Kind)
			continue
		}
		fmt.Fprintf(&b, "  %s ✗ %s (want %s", s.Kind, s.Measured, s.Threshold)
		if c := classList(v.Requests.ByClass); c != "" {
			b.WriteString("; " + c)
		}
		b.WriteString(")")
	}
	return b.String()
}

// outcomeOf is v's outcome; a verdict without one (built by hand, in
// tests) reads as its Passed.
func outcomeOf(v *Verdict) Outcome {
	if v.Outcome != "" {
		return v.Outcome
	}
	if v.Passed {
		return OutcomePassed
	}
	return OutcomeFailed
}

// result is the word for an SLO.
func result(passed bool) string {
	if passed {
		return "PASS"
	}
	return "FAIL"
}

// short rounds d to three significant digits for people: 12.3456ms -> 12.3ms.
func short(d time.Duration) string {
	u := time.Duration(1)
	for d/u >= 1000 {
		u *= 10
	}
	return d.Round(u).String()
}

// classCount is one row of failures by class.
type classCount struct {
	class string
	n     int64
}

// classCounts orders failure classes by count, most first, then by name.
func classCounts(by map[string]int64) []classCount {
	out := make([]classCount, 0, len(by))
	for c, n := range by {
		out = append(out, classCount{c, n})
	}
	slices.SortFunc(out, func(a, b classCount) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.class, b.class))
	})
	return out
}

// classList renders failure classes as "eof 3, reset 2".
func classList(by map[string]int64) string {
	var parts []string
	for _, c := range classCounts(by) {
		parts = append(parts, fmt.Sprintf("%s %d", c.class, c.n))
	}
	return strings.Join(parts, ", ")
}
