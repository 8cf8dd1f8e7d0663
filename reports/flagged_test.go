package reports

import (
	"strings"
	"testing"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// TestFlaggedFor: a control is flagged for its reason only when the
// declared SLO failed and the declared evidence shows; a failure of
// another SLO, of another class, or without stalls is a miss that says
// why, and the run table counts it as not as expected.
func TestFlaggedFor(t *testing.T) {
	v := &Verdict{
		SLOs:     []SLOResult{{Kind: "maxFailover", Passed: false}, {Kind: "servedBy", Passed: true}},
		Requests: Requests{ByClass: map[string]int64{"eof": 3}},
		Stalls:   &Stalls{Stalled: 0},
	}
	for _, c := range []struct {
		f    spec.FlaggedBy
		miss string
	}{
		{spec.FlaggedBy{SLO: "maxFailover", Class: "eof"}, ""},
		{spec.FlaggedBy{SLO: "maxFailover"}, ""},
		{spec.FlaggedBy{SLO: "servedBy", Class: "eof"}, "servedBy did not fail (failed: [maxFailover])"},
		{spec.FlaggedBy{SLO: "maxFailover", Class: "connect-refused"}, "no connect-refused failure"},
		{spec.FlaggedBy{SLO: "maxFailover", Class: "stalled"}, "no stalled request"},
		{spec.FlaggedBy{SLO: "maxFailover", Class: "eofs"}, `"eofs" is no failure class`},
	} {
		ok, why := FlaggedFor(v, c.f)
		if ok != (c.miss == "") || !strings.Contains(why, c.miss) {
			t.Errorf("%+v: ok %v, why %q; want miss %q", c.f, ok, why, c.miss)
		}
		e := RunEntry{Expect: spec.ExpectFail, Outcome: OutcomeFailed, Verdict: v, FlaggedBy: &c.f}
		if e.AsExpected() != (c.miss == "") {
			t.Errorf("%+v: AsExpected %v", c.f, e.AsExpected())
		}
	}
	v.Stalls.Stalled = 5
	if ok, why := FlaggedFor(v, spec.FlaggedBy{SLO: "maxFailover", Class: "stalled"}); !ok {
		t.Errorf("stalled: %s", why)
	}
}
