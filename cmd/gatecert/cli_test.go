package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// gatecert runs the built binary and returns stdout, stderr and the exit code.
func gatecert(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(gatecertBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.ExitCode()
	}
	t.Fatal(err)
	return "", "", -1
}

// storeVerdict writes a synthetic verdict as root/<run>/<scenario>/verdict.json.
func storeVerdict(t *testing.T, root, run string, v *reports.Verdict) {
	t.Helper()
	dir := filepath.Join(root, run, v.Scenario)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := reports.WriteJSON(filepath.Join(dir, "verdict.json"), v); err != nil {
		t.Fatal(err)
	}
}

func verdict(scenario string, failed int64, p99, steady time.Duration, start time.Time) *reports.Verdict {
	inj := start.Add(3 * time.Second)
	st := reports.Duration(steady)
	return &reports.Verdict{
		SchemaVersion: reports.SchemaVersion, RunID: "r" + start.Format("0102"), Scenario: scenario, Expect: "pass",
		Provider: "local", Passed: failed == 0, Start: start, Rate: 1000,
		Requests: reports.Requests{Total: 45000, OK: 45000 - failed, Failed: failed, ByClass: map[string]int64{}},
		Latency:  reports.Latency{P99: reports.Duration(p99)},
		Faults: []reports.FaultWindow{{Name: "rolling-restart", Kind: "rolling-restart", Inject: &inj,
			Failover: &reports.Failover{Steady: &st, SteadyFor: reports.Duration(time.Second)}}},
		SLOs: []reports.SLOResult{{Kind: "zeroLoss", Passed: failed == 0, Window: "run"}},
	}
}

func TestCompare(t *testing.T) {
	day := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	base, same, worse := t.TempDir(), t.TempDir(), t.TempDir()
	for _, root := range []string{base, same} {
		storeVerdict(t, root, "a", verdict("rolling-restart", 0, 20*time.Millisecond, 0, day))
		storeVerdict(t, root, "a", verdict("zone-outage", 2, 30*time.Millisecond, 800*time.Millisecond, day))
	}
	// Planted: p99 +10% and failover 800ms -> 1.2s in zone-outage.
	storeVerdict(t, worse, "b", verdict("rolling-restart", 0, 20400*time.Microsecond, 0, day))
	storeVerdict(t, worse, "b", verdict("zone-outage", 2, 33*time.Millisecond, 1200*time.Millisecond, day))

	out, errs, code := gatecert(t, "compare", base, same)
	if code != 0 || !strings.Contains(out, "**No regression**") {
		t.Errorf("identical runs: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = gatecert(t, "compare", "--max-regression", "5%", base, worse)
	if code != 1 {
		t.Errorf("planted regression: exit %d, want 1\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"**2 regression(s)** (threshold 5%)",
		"| zone-outage | p99 | 30ms | 33ms | +10.0% | ❌ regression |",
		"| zone-outage | failover | 800ms | 1.2s | +50.0% | ❌ regression |",
		"| rolling-restart | p99 | 20ms | 20.4ms | +2.0% | ok |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("compare output lacks %q:\n%s", want, out)
		}
	}
	// A looser threshold lets the p99 change through, not the failover.
	out, _, code = gatecert(t, "compare", "--max-regression", "20%", base, worse)
	if code != 1 || !strings.Contains(out, "**1 regression(s)**") {
		t.Errorf("20%%: exit %d\n%s", code, out)
	}
	if _, errs, code := gatecert(t, "compare", "--max-regression", "lots", base, same); code != 2 || !strings.Contains(errs, "--max-regression") {
		t.Errorf("bad threshold: exit %d, %s", code, errs)
	}
	if _, errs, code := gatecert(t, "compare", base, filepath.Join(base, "nope")); code != 2 || strings.Contains(errs, "goroutine") {
		t.Errorf("missing folder: exit %d, %s", code, errs)
	}
}

func TestHistory(t *testing.T) {
	root := t.TempDir()
	for i := range 3 {
		day := time.Date(2026, 11, 1+i, 2, 0, 0, 0, time.UTC)
		storeVerdict(t, root, "n"+string(rune('a'+i)), verdict("zone-outage", int64(i), time.Duration(30+i)*time.Millisecond, 800*time.Millisecond, day))
	}
	out, errs, code := gatecert(t, "history", root)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "| 2026-11-02 02:00 | r1102 | zone-outage | FAIL | 1 | 800ms | 31ms |  |"
	if !strings.Contains(out, want) || strings.Index(out, "2026-11-01") > strings.Index(out, "2026-11-03") {
		t.Errorf("history lacks %q or is out of order:\n%s", want, out)
	}
}

func TestReportRerenders(t *testing.T) {
	root := t.TempDir()
	storeVerdict(t, root, "a", verdict("rolling-restart", 0, 20*time.Millisecond, 0, time.Now().UTC()))
	out, errs, code := gatecert(t, "report", root)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	for _, f := range []string{"summary.md", "junit.xml", "report.html"} {
		if _, err := os.Stat(filepath.Join(root, "a", "rolling-restart", f)); err != nil {
			t.Error(err)
		}
	}
	if _, errs, code := gatecert(t, "report", t.TempDir()); code != 2 || !strings.Contains(errs, "no verdict.json") {
		t.Errorf("empty folder: exit %d, %s", code, errs)
	}
}

func TestPlanAndSet(t *testing.T) {
	out, errs, code := gatecert(t, "plan", "--set", "load.rate=500", "--set", "stack.gateway.preStop=2s", "../../scenarios/rolling-restart.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"load: 500 req/s for 45s (22500 requests)", "preStop 2s", "lb2 → every replica (6)",
		"+3s       rolling-restart (rolling-restart) on every replica; loss budget 0", "zeroLoss: 0 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	for _, tt := range []struct{ set, want string }{
		{"load.rate=fast", `--set load.rate=fast: load.rate: want an integer, got "fast"`},
		{"load.rat=5", `unknown field "load.rat"`},
		{"load.rate=0", "scenarios/rolling-restart.yaml:30: load.rate: must be between 1 and 100000"},
		{"slos[0].window=later", "slos[0].window: must be run, before, during or after"},
		{"norate", "want key=value"},
	} {
		_, errs, code := gatecert(t, "plan", "--set", tt.set, "../../scenarios/rolling-restart.yaml")
		if code != 2 || !strings.Contains(errs, tt.want) || strings.Contains(errs, "goroutine") {
			t.Errorf("--set %s: exit %d, stderr %q, want 2 and %q", tt.set, code, errs, tt.want)
		}
	}
}

func TestApplyOverrides(t *testing.T) {
	s, err := spec.LoadFile("../../scenarios/rolling-restart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = applyOverrides(s, []string{"load.rate=500", "stack.gateway.preStop=2s", "faults[0].at=5s", "stack.lb.shutdownSessions=true", "slos[0].kind=zeroLoss"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Load.Rate != 500 || s.Stack.Gateway.PreStop.D() != 2*time.Second || s.Faults[0].At.D() != 5*time.Second || !s.Stack.LB.ShutdownSessions {
		t.Errorf("overrides not applied: %+v", s)
	}
}
