package reports

import (
	"fmt"
	"path/filepath"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// Composite is a kind of run made of plain part runs — each its own stack,
// ledgers and verdict in its own folder — judged together: a comparison of
// configurations (the data paths next). A new kind is its spec section,
// one Composite implementation in this package and one case in
// CompositeOf: the runner runs the parts it lists (RunComposite there) and
// Reassess reads them back, neither knowing the kind. (A TLS comparison
// and a capacity search measure more than their parts' ledgers — gateway
// CPU, a search — and keep their own paths.)
type Composite interface {
	// Kind names the composite in verdict.json ("pathCompare").
	Kind() string
	// Parts lists the part runs of s, in the order they run.
	Parts(s *spec.Scenario) []Part
	// Judge builds the composite's verdict from its parts' verdicts, in
	// Parts order; Assemble then decides the outcome.
	Judge(s *spec.Scenario, parts []PartVerdict) (*Verdict, error)
}

// Part is one plain run of a composite.
type Part struct {
	Name     string         // unique among the parts: progress lines, SLO labels
	Dir      string         // folder relative to the composite's
	Scenario *spec.Scenario // the plain scenario the part runs
}

// PartVerdict is a part with the verdict of its run.
type PartVerdict struct {
	Part    Part
	Verdict *Verdict
}

// CompositeOf is s's composite kind; nil for a plain run (and for a TLS
// comparison or capacity search). Each kind adds its case here.
func CompositeOf(s *spec.Scenario) Composite {
	switch {
	case s.PathCompare != nil:
		return pathCompare{}
	}
	return nil
}

// assembleComposite builds a composite's verdict through its kind, and
// carries its parts' validity: an invalid part makes the whole invalid.
func assembleComposite(a *Assembly) (*Verdict, error) {
	v, err := a.Composite.Judge(a.Scenario, a.Parts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.Composite.Kind(), err)
	}
	v.Composite = a.Composite.Kind()
	for _, p := range a.Parts {
		if p.Verdict.Outcome == OutcomeInvalid {
			for _, r := range p.Verdict.Reasons {
				a.Invalid = append(a.Invalid, p.Part.Name+": "+r)
			}
		}
	}
	return v, nil
}

// storedParts reads a stored composite's parts back, each part's verdict
// from its folder (judged again just before, as a plain run).
func storedParts(dir string, s *spec.Scenario, k Composite) ([]PartVerdict, error) {
	var out []PartVerdict
	for _, p := range k.Parts(s) {
		v, err := ReadJSON(filepath.Join(dir, p.Dir, VerdictFile))
		if err != nil {
			return nil, fmt.Errorf("part %s: %w", p.Name, err)
		}
		out = append(out, PartVerdict{Part: p, Verdict: v})
	}
	return out, nil
}
