package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// twoRuns is a composite kind for tests: the same scenario run twice,
// judged as the first part's requests and both parts' SLOs.
type twoRuns struct{}

func (twoRuns) Kind() string { return "twoRuns" }

func (twoRuns) Parts(s *spec.Scenario) []Part {
	return []Part{{Name: "a", Dir: "a", Scenario: s}, {Name: "b", Dir: "b", Scenario: s}}
}

func (twoRuns) Judge(s *spec.Scenario, parts []PartVerdict) (*Verdict, error) {
	v := *parts[0].Verdict
	v.SLOs = nil
	for _, p := range parts {
		for _, o := range p.Verdict.SLOs {
			o.Measured = "[" + p.Part.Name + "] " + o.Measured
			v.SLOs = append(v.SLOs, o)
		}
	}
	return &v, nil
}

// A composite is judged by its kind from its parts' verdicts; the outcome
// is Assemble's, and an invalid part makes the whole invalid; storedParts
// reads the parts back from their folders as Reassess does.
func TestCompositeAssembly(t *testing.T) {
	sc := scenario(zeroLoss)
	dir := t.TempDir()
	var parts []PartVerdict
	for i, p := range (twoRuns{}).Parts(sc) {
		recs := steady(100, 10*time.Millisecond)
		if i == 1 {
			fail(recs, ledger.ClassReset, 50)
		}
		in := run{recs: recs}.input(t, sc)
		pv, err := Assemble(Assembly{Scenario: sc, Dir: in.LedgerDir})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, p.Dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(filepath.Join(dir, p.Dir, VerdictFile), pv); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, PartVerdict{Part: p, Verdict: pv})
	}
	v, err := Assemble(Assembly{Scenario: sc, RunID: "r1", Composite: twoRuns{}, Parts: parts})
	if err != nil {
		t.Fatal(err)
	}
	if v.Composite != "twoRuns" || v.Outcome != OutcomeFailed || len(v.SLOs) != 2 || !strings.HasPrefix(v.SLOs[1].Measured, "[b] ") {
		t.Errorf("composite %q outcome %s slos %+v: want twoRuns, failed by part b", v.Composite, v.Outcome, v.SLOs)
	}
	stored, err := storedParts(dir, sc, twoRuns{})
	if err != nil || len(stored) != 2 || stored[1].Verdict.Requests.Failed != 1 {
		t.Fatalf("stored parts %+v, %v", stored, err)
	}
	parts[0].Verdict.Outcome, parts[0].Verdict.Reasons = OutcomeInvalid, []string{"machine saturated"}
	v, err = Assemble(Assembly{Scenario: sc, Composite: twoRuns{}, Parts: parts})
	if err != nil {
		t.Fatal(err)
	}
	if v.Outcome != OutcomeInvalid || len(v.Reasons) != 1 || v.Reasons[0] != "a: machine saturated" {
		t.Errorf("an invalid part: outcome %s, reasons %q; want invalid, naming the part", v.Outcome, v.Reasons)
	}
}
