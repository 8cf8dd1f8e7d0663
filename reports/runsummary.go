package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// The run-level summary: one table and one page for a whole run (every
// scenario, expected vs got, the failing SLO and class, a link to each
// report), written beside the run-level junit.xml, and the same table
// printed at the end of gatecert run.

// Run-level files, in the run's folder.
const (
	RunSummaryFile = "summary.md"
	RunIndexFile   = "index.html"
)

// RunEntry is one scenario of a run: its verdict, or why it has none.
type RunEntry struct {
	Scenario string
	Expect   string // pass, or fail for a negative control
	Outcome  Outcome
	Verdict  *Verdict // nil when skipped or not judged
	Why      string   // the skip reason or the error, without a verdict
	Dir      string   // the scenario's folder, relative to the run's
	// FlaggedBy is the negative control's declared reason (nil: any
	// failure flags it).
	FlaggedBy *spec.FlaggedBy
}

// AsExpected reports whether e met its expectation: a good profile
// passed, a negative control was flagged (failed) for its declared
// reason. Skipped and unjudged runs did not.
func (e RunEntry) AsExpected() bool {
	return e.Outcome.Judged() && e.Outcome.CertifyExit(e.Expect) == ExitPassed && e.WrongReason() == ""
}

// WrongReason says why a negative control that failed did not fail for
// its declared reason ("" when it did, or declares none).
func (e RunEntry) WrongReason() string {
	if e.Expect != spec.ExpectFail || e.FlaggedBy == nil || e.Verdict == nil || e.Outcome != OutcomeFailed {
		return ""
	}
	if ok, why := FlaggedFor(e.Verdict, *e.FlaggedBy); !ok {
		return why
	}
	return ""
}

// Headline counts a run for people: "14 of 14 as expected (7 good
// profiles passed, 7 negative controls flagged), 2 skipped".
func Headline(entries []RunEntry) string {
	var ok, good, flagged, skipped, unjudged, judged int
	for _, e := range entries {
		switch {
		case e.Outcome == OutcomeSkipped:
			skipped++
			continue
		case !e.Outcome.Judged():
			unjudged++
		}
		judged++
		if e.AsExpected() {
			ok++
			if e.Expect == spec.ExpectFail {
				flagged++
			} else {
				good++
			}
		}
	}
	s := fmt.Sprintf("%d of %d as expected (%d good profiles passed, %d negative controls flagged)", ok, judged, good, flagged)
	if unjudged > 0 {
		s += fmt.Sprintf(", %d not judged (invalid, environment or interrupted)", unjudged)
	}
	if skipped > 0 {
		s += fmt.Sprintf(", %d skipped", skipped)
	}
	return s
}

// runRow is one row of the run's table.
type runRow struct {
	Scenario, Expect, Got, Verdict, Why, Report string
	OK                                          bool
}

func rowsOf(entries []RunEntry) []runRow {
	var out []runRow
	for _, e := range entries {
		r := runRow{Scenario: e.Scenario, Expect: e.Expect, Got: e.Outcome.Word(), Why: e.Why, OK: e.AsExpected()}
		switch {
		case e.Outcome == OutcomeSkipped:
			r.Verdict = "–"
		case r.OK:
			r.Verdict = "yes"
		default:
			r.Verdict = "no"
		}
		if e.Verdict != nil {
			r.Why = failingSLOs(e.Verdict)
			if w := e.WrongReason(); w != "" {
				r.Why = "not flagged for its reason (" + w + "): " + r.Why
			}
			r.Report = filepath.ToSlash(filepath.Join(e.Dir, ReportFile))
		}
		out = append(out, r)
	}
	return out
}

// failingSLOs names a verdict's failing SLOs with their failure classes,
// or its reasons when it was not judged.
func failingSLOs(v *Verdict) string {
	if !outcomeOf(v).Judged() {
		return strings.Join(v.Reasons, "; ")
	}
	var parts []string
	for _, s := range v.SLOs {
		if !s.Passed {
			parts = append(parts, fmt.Sprintf("%s %s", s.Kind, s.Measured))
		}
	}
	if len(parts) > 0 {
		if c := classList(v.Requests.ByClass); c != "" {
			parts = append(parts, "classes: "+c)
		}
		if st := v.Stalls; st != nil && st.Stalled > 0 {
			parts = append(parts, fmt.Sprintf("stalled %d (ok, later than %s)", st.Stalled, short(st.Bound.D())))
		}
	}
	return strings.Join(parts, "; ")
}

// RunTable renders the run's table for a terminal, headline last.
func RunTable(entries []RunEntry) string {
	var b strings.Builder
	w := 8
	for _, e := range entries {
		w = max(w, len(e.Scenario))
	}
	fmt.Fprintf(&b, "%-*s  %-6s  %-11s  %-8s  %s\n", w, "scenario", "expect", "got", "expected", "failing SLO / reason")
	for _, r := range rowsOf(entries) {
		fmt.Fprintf(&b, "%-*s  %-6s  %-11s  %-8s  %s\n", w, r.Scenario, r.Expect, r.Got, r.Verdict, r.Why)
	}
	b.WriteString(Headline(entries) + "\n")
	return b.String()
}

// WriteRunSummary writes the run's summary.md and index.html into runDir.
func WriteRunSummary(runDir, runID, provider string, entries []RunEntry) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Run %s on %s\n\n**%s.**\n\n", runID, provider, Headline(entries))
	var rows [][]string
	for _, r := range rowsOf(entries) {
		link := ""
		if r.Report != "" {
			link = "[report](" + r.Report + ")"
		}
		rows = append(rows, []string{r.Scenario, r.Expect, r.Got, r.Verdict, strings.ReplaceAll(r.Why, "|", "\\|"), link})
	}
	table(&b, []string{"scenario", "expect", "got", "as expected", "failing SLO / reason", "report"}, "llllll", rows)
	if err := os.WriteFile(filepath.Join(runDir, RunSummaryFile), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write run summary: %w", err)
	}
	b.Reset()
	err := runIndexTmpl.Execute(&b, struct {
		RunID, Provider, Headline string
		Rows                      []runRow
	}{runID, provider, Headline(entries), rowsOf(entries)})
	if err != nil {
		return fmt.Errorf("render run index: %w", err)
	}
	return os.WriteFile(filepath.Join(runDir, RunIndexFile), b.Bytes(), 0o644)
}

var runIndexTmpl = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Run {{.RunID}} — gatecert</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; } table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
.yes { background: #e0f5e0; } .no { background: #fde0e0; } .– { color: #666; }
</style></head>
<body data-run="{{.RunID}}" data-rows="{{len .Rows}}">
<h1>Run {{.RunID}} on {{.Provider}}</h1>
<p id="headline"><b>{{.Headline}}.</b></p>
<table id="scenarios">
<tr><th>scenario</th><th>expect</th><th>got</th><th>as expected</th><th>failing SLO / reason</th><th>report</th></tr>
{{range .Rows}}<tr class="{{.Verdict}}" data-scenario="{{.Scenario}}"><td>{{.Scenario}}</td><td>{{.Expect}}</td><td>{{.Got}}</td><td>{{.Verdict}}</td><td>{{.Why}}</td><td>{{with .Report}}<a href="{{.}}">report</a>{{end}}</td></tr>
{{end}}</table>
</body></html>
`))
