package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatecert/gatecert/fixtures/netns"
	"github.com/gatecert/gatecert/reports"
)

// shortRestart is the rolling-restart scenario cut down for interrupt
// tests: long enough that an interrupt lands in the middle of a fault.
const shortRestart = `name: interrupt-me
expect: pass
stack:
  zones: 2
  nodesPerZone: 1
  gateway:
    readinessDrain: true
    preStop: 2s
    stopSignal: SIGQUIT
    terminationGracePeriod: 10s
    cpuLimit: 0.5
    keepaliveRequests: 100
    keepaliveTimeout: 5s
load:
  rate: 200
  duration: 30s
  backendDelay: 10ms
faults:
  - kind: rolling-restart
    at: 1s
slos:
  - kind: zeroLoss
`

// shortNodeKill powers a node off for long enough to press Ctrl-C while
// it is down: the revert (booting the node) is what the interrupt cuts.
const shortNodeKill = `name: interrupt-me
stack: {zones: 2, nodesPerZone: 1, lb: {healthCheck: {interval: 500ms, fall: 2, rise: 2}}}
load: {rate: 200, duration: 30s, backendDelay: 10ms}
faults:
  - {kind: node-kill, node: z1n1, at: 1s, duration: 20s}
slos:
  - {kind: availability, min: 0.9}
`

// startRun launches gatecert run on shortRestart and waits until a pod is
// mid-termination (its preStop has begun).
func startRun(t *testing.T, runID string) (*exec.Cmd, *bytes.Buffer, string) {
	t.Helper()
	return startScenario(t, runID, shortRestart, `"step":"prestop"`)
}

// startScenario launches gatecert run on the scenario text and waits until
// its events log holds step.
func startScenario(t *testing.T, runID, scenario, step string) (*exec.Cmd, *bytes.Buffer, string) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "interrupt-me.yaml")
	if err := os.WriteFile(file, []byte(scenario), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(gatecertBin, "run", "-q", "-o", dir, "-run-id", runID, file)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	events := filepath.Join(dir, runID, "interrupt-me", "events.jsonl")
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(events) // not there yet: keep waiting
		if bytes.Contains(b, []byte(step)) {
			return cmd, &out, dir
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill() // test is failing anyway
			t.Fatalf("no fault in progress after 30s; output:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func assertGone(t *testing.T, runID string) {
	t.Helper()
	if left := netns.Remains(netns.DefaultStateRoot, runID); len(left) > 0 {
		t.Errorf("run %s left behind:\n%s", runID, strings.Join(left, "\n"))
	}
}

func TestCtrlCMidFaultLeavesNothingBehind(t *testing.T) {
	needRoot(t)
	const runID = "tctrlc"
	cmd, out, dir := startRun(t, runID)
	pressCtrlC(t, cmd, out, "ERROR")
	assertGone(t, runID)
	// What was measured until the interrupt is kept: a partial verdict,
	// and the run-level junit.xml.
	v, err := reports.ReadJSON(filepath.Join(dir, runID, "interrupt-me", reports.VerdictFile))
	if err != nil {
		t.Fatal(err)
	}
	if v.Outcome != reports.OutcomeInterrupted || v.Passed || v.Requests.Total == 0 || len(v.Faults) == 0 || v.Faults[0].Inject == nil {
		t.Errorf("partial verdict: outcome %s, passed %v, requests %+v, faults %+v", v.Outcome, v.Passed, v.Requests, v.Faults)
	}
	if _, err := os.Stat(filepath.Join(dir, runID, reports.JUnitFile)); err != nil {
		t.Errorf("no run-level junit.xml after an interrupt: %v", err)
	}
}

// Ctrl-C while a node is powered off: the revert the interrupt cuts short
// (booting the node) is reported as the interrupt it is, not as an
// environment error.
func TestCtrlCDuringNodeKillSaysInterrupted(t *testing.T) {
	needRoot(t)
	const runID = "tctrlnk"
	cmd, out, _ := startScenario(t, runID, shortNodeKill, `"step":"inject"`)
	time.Sleep(500 * time.Millisecond) // the node is down: a protocol timer of this test, not synchronisation
	pressCtrlC(t, cmd, out, "environment problem")
	assertGone(t, runID)
}

// pressCtrlC interrupts the run and asserts what the user sees: exit 130
// and INTERRUPTED, and never forbidden (an error wording that would blame
// the environment).
func pressCtrlC(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer, forbidden string) {
	t.Helper()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != reports.ExitInterrupted {
		t.Errorf("exit after Ctrl-C: %v, want code %d; output:\n%s", err, reports.ExitInterrupted, out)
	}
	if !strings.Contains(out.String(), "INTERRUPTED interrupt-me") || strings.Contains(out.String(), forbidden) {
		t.Errorf("output does not say the run was interrupted (and only that: no %q):\n%s", forbidden, out)
	}
}

func TestKilledRunIsReapedByClean(t *testing.T) {
	needRoot(t)
	const runID = "tkill9"
	cmd, _, _ := startRun(t, runID)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // killed: the error is the point
	left := netns.Remains(netns.DefaultStateRoot, runID)
	if len(left) == 0 {
		t.Fatal("SIGKILL left nothing behind; this test cannot show that clean works")
	}
	if !slices.ContainsFunc(left, func(l string) bool { return strings.HasPrefix(l, "cgroup ") }) {
		t.Errorf("no CPU cgroup among the leftovers (%v): the scenario sets cpuLimit", left)
	}
	out, err := exec.Command(gatecertBin, "clean", "-run", runID).CombinedOutput()
	if err != nil {
		t.Fatalf("gatecert clean: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), runID) {
		t.Errorf("clean did not report run %s:\n%s", runID, out)
	}
	assertGone(t, runID)
}
