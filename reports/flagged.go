package reports

import (
	"fmt"
	"slices"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// FlaggedFor says whether a failed verdict failed for the reason its
// negative control declares: the SLO failed and the class (or stalls)
// shows in the evidence. why explains a miss.
func FlaggedFor(v *Verdict, f spec.FlaggedBy) (ok bool, why string) {
	if v.Passed {
		return false, "it passed"
	}
	if !slices.ContainsFunc(v.SLOs, func(r SLOResult) bool { return r.Kind == f.SLO && !r.Passed }) {
		return false, fmt.Sprintf("%s did not fail (failed: %v)", f.SLO, failedSLOs(v))
	}
	switch {
	case f.Class == "":
	case f.Class == spec.FlaggedStalled:
		if v.Stalls == nil || v.Stalls.Stalled == 0 {
			return false, "no stalled request"
		}
	case !knownClass(f.Class):
		return false, fmt.Sprintf("flaggedBy.class %q is no failure class of the ledger", f.Class)
	case v.Requests.ByClass[f.Class] == 0:
		return false, fmt.Sprintf("no %s failure (failures by class: %v)", f.Class, v.Requests.ByClass)
	}
	return true, ""
}

func failedSLOs(v *Verdict) []string {
	var out []string
	for _, r := range v.SLOs {
		if !r.Passed {
			out = append(out, r.Kind)
		}
	}
	return out
}

func knownClass(name string) bool {
	return slices.ContainsFunc(ledger.Classes(), func(c ledger.Class) bool { return c.String() == name && c != ledger.ClassOK })
}
