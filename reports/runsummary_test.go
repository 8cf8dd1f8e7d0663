package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
)

// runEntries is a run of five: a good profile passed, a negative control
// flagged, a good profile failed, an invalid run and a skip.
func runEntries(t *testing.T) []RunEntry {
	sc := scenario(zeroLoss)
	pass := run{recs: steady(50, 10*time.Millisecond)}.evaluate(t, sc)
	recs := steady(50, 10*time.Millisecond)
	fail(recs, ledger.ClassEOF, 3, 4)
	failed := run{recs: recs}.evaluate(t, sc)
	invalid := *pass
	invalid.Outcome, invalid.Passed, invalid.Reasons = OutcomeInvalid, false, []string{"machine saturated: CPU 99.0% busy"}
	return []RunEntry{
		{Scenario: "rolling-restart", Expect: "pass", Outcome: pass.Outcome, Verdict: pass, Dir: "rolling-restart"},
		{Scenario: "rolling-restart-no-drain", Expect: "fail", Outcome: failed.Outcome, Verdict: failed, Dir: "rolling-restart-no-drain"},
		{Scenario: "pod-kill", Expect: "pass", Outcome: failed.Outcome, Verdict: failed, Dir: "pod-kill"},
		{Scenario: "node-kill", Expect: "pass", Outcome: OutcomeInvalid, Verdict: &invalid, Dir: "node-kill"},
		{Scenario: "capacity", Expect: "pass", Outcome: OutcomeSkipped, Why: "a capacity scenario"},
	}
}

func TestRunTable(t *testing.T) {
	out := RunTable(runEntries(t))
	for _, want := range []string{
		"2 of 4 as expected (1 good profiles passed, 1 negative controls flagged), 1 not judged (invalid, environment or interrupted), 1 skipped",
		"rolling-restart-no-drain  fail    FAIL         yes       zeroLoss 2 failed; classes: eof 2",
		"pod-kill                  pass    FAIL         no        zeroLoss 2 failed",
		"node-kill                 pass    INVALID      no        machine saturated: CPU 99.0% busy",
		"capacity                  pass    SKIP         –         a capacity scenario",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// The run's index.html lists every scenario with a link to its report;
// in headless Chromium, as the report test does.
func TestRunIndexInChromium(t *testing.T) {
	dir := t.TempDir()
	if err := WriteRunSummary(dir, "r1", "local", runEntries(t)); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, RunSummaryFile))
	if err != nil || !strings.Contains(string(md), "| pod-kill | pass | FAIL | no | zeroLoss 2 failed; classes: eof 2 | [report](pod-kill/report.html) |") {
		t.Errorf("summary.md (%v):\n%s", err, md)
	}
	bin := chromium()
	if bin == "" {
		t.Skip("chromium not installed (apt-get install -y chromium, or make deps): index.html not checked in a browser")
	}
	dom := runChromium(t, bin, dir, "--dump-dom", "file://"+filepath.Join(dir, RunIndexFile))
	for _, want := range []string{`data-rows="5"`, `<a href="pod-kill/report.html">report</a>`, `class="no" data-scenario="node-kill"`, "2 of 4 as expected"} {
		if !strings.Contains(dom, want) {
			t.Errorf("index.html in Chromium lacks %q:\n%s", want, dom)
		}
	}
}
