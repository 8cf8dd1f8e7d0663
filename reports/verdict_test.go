package reports

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

func TestCleanRunPasses(t *testing.T) {
	recs := steady(1000, 10*time.Millisecond)
	v := run{recs: recs, backends: [][]uint32{seqs(0, 500), seqs(500, 1000)}}.
		evaluate(t, scenario(zeroLoss, avail(0.999)))

	if !v.Passed {
		t.Fatalf("clean run failed: %+v", v.SLOs)
	}
	for _, s := range v.SLOs {
		if !s.Passed || s.FirstFailure != nil || s.ActiveFault != "" {
			t.Errorf("SLO %s = %+v, want a plain pass", s.Kind, s)
		}
	}
	r := v.Requests
	if r.Total != 1000 || r.OK != 1000 || r.Failed != 0 || len(r.ByClass) != 0 {
		t.Errorf("requests = %+v", r)
	}
	if v.Latency.P99.D() != 2*time.Millisecond || v.Latency.Max.D() != 2*time.Millisecond {
		t.Errorf("latency = %+v, want 2ms", v.Latency)
	}
	if got, want := v.Duration.D(), 9992*time.Millisecond; got != want {
		t.Errorf("duration = %v, want %v", got, want)
	}
	if want := map[string]int64{"z1": 500, "z2": 500}; !maps.Equal(v.ServedBy.Zones, want) {
		t.Errorf("zones = %v, want %v", v.ServedBy.Zones, want)
	}
	if want := map[string]int64{"z1n1-gw0": 500, "z2n1-gw0": 500}; !maps.Equal(v.ServedBy.Gateways, want) {
		t.Errorf("gateways = %v, want %v", v.ServedBy.Gateways, want)
	}
	if want := (Reconciliation{Delivered: 1000}); *v.Reconciliation != want {
		t.Errorf("reconciliation = %+v, want %+v", *v.Reconciliation, want)
	}
	if len(v.Timeline) != 10 || v.Timeline[0].OK != 100 {
		t.Errorf("timeline = %d seconds, first %+v; want 10 of 100 ok", len(v.Timeline), v.Timeline[0])
	}
	if got := FormatLine(v); got != "PASS rolling-restart  1000 req  0 failed  p99 2ms  zeroLoss ✓  availability ✓" {
		t.Errorf("FormatLine = %q", got)
	}
}

func TestFailuresFailZeroLoss(t *testing.T) {
	recs := steady(1000, 10*time.Millisecond)
	fail(recs, ledger.ClassEOF, 120, 450, 700)
	fail(recs, ledger.ClassReset, 321, 888)
	recs[888].LB, recs[888].Gateway, recs[888].Backend = 0, ledger.NoName, ledger.NoName
	// The ledger is in completion order: put the last failure first and the
	// first failure last.
	recs[0], recs[888] = recs[888], recs[0]
	recs[999], recs[120] = recs[120], recs[999]

	v := run{recs: recs}.evaluate(t, scenario(zeroLoss, avail(0.99)))

	if v.Passed {
		t.Fatal("run with 5 failures passed")
	}
	if want := map[string]int64{"eof": 3, "reset": 2}; !maps.Equal(v.Requests.ByClass, want) {
		t.Errorf("byClass = %v, want %v", v.Requests.ByClass, want)
	}
	if v.Requests.OK != 995 || v.Requests.Failed != 5 {
		t.Errorf("requests = %+v", v.Requests)
	}
	zl := v.SLOs[0]
	if zl.Passed || zl.Value != 5 || zl.Measured != "5 failed" || zl.Threshold != "0 failed" || zl.Window != "run" {
		t.Errorf("zeroLoss = %+v", zl)
	}
	wantFirst := Failure{Seq: 120, At: Duration(1200 * time.Millisecond), Class: "eof", Latency: Duration(2 * time.Millisecond), LB: "lb1", Gateway: "z1n1-gw0", Backend: "z1n1-be0"}
	if zl.FirstFailure == nil || *zl.FirstFailure != wantFirst {
		t.Errorf("firstFailure = %+v, want %+v", zl.FirstFailure, wantFirst)
	}
	wantLast := Failure{Seq: 888, At: Duration(8880 * time.Millisecond), Class: "reset", Latency: Duration(2 * time.Millisecond), LB: "lb1"}
	if zl.LastFailure == nil || *zl.LastFailure != wantLast {
		t.Errorf("lastFailure = %+v, want %+v", zl.LastFailure, wantLast)
	}
	if zl.ActiveFault != "" {
		t.Errorf("activeFault = %q without faults", zl.ActiveFault)
	}
	if av := v.SLOs[1]; !av.Passed || av.Measured != "99.5% (995/1000 ok)" || av.Threshold != ">= 99%" || av.FirstFailure != nil {
		t.Errorf("availability = %+v", av)
	}
	want := "FAIL rolling-restart  1000 req  5 failed  p99 2ms  zeroLoss ✗ 5 failed (want 0 failed; eof 3, reset 2)  availability ✓"
	if got := FormatLine(v); got != want {
		t.Errorf("FormatLine =\n%q, want\n%q", got, want)
	}
}

func TestAvailabilityBoundary(t *testing.T) {
	for _, tc := range []struct {
		total, failed int
		min           float64
		pass          bool
		measured      string
	}{
		{1000, 1, 0.999, true, "99.9% (999/1000 ok)"},
		{1000, 2, 0.999, false, "99.8% (998/1000 ok)"},
		{10000, 1, 0.9999, true, "99.99% (9999/10000 ok)"},
		{10, 7, 0.3, true, "30% (3/10 ok)"},
		{10, 3, 0.7, true, "70% (7/10 ok)"},
		{1000, 0, 1, true, "100% (1000/1000 ok)"},
		{3, 1, 2.0 / 3, true, "66.67% (2/3 ok)"},
	} {
		recs := steady(tc.total, time.Millisecond)
		fail(recs, ledger.ClassTimeout, seqs(0, uint32(tc.failed))...)
		v := run{recs: recs}.evaluate(t, scenario(avail(tc.min)))
		if s := v.SLOs[0]; s.Passed != tc.pass || s.Measured != tc.measured || v.Passed != tc.pass {
			t.Errorf("%d/%d ok at min %v: passed %v, measured %q; want %v, %q",
				tc.total-tc.failed, tc.total, tc.min, s.Passed, s.Measured, tc.pass, tc.measured)
		}
	}
}

func TestDistinctPercent(t *testing.T) {
	if got := distinctPercent(0.998999, 0.999); got != "99.8999%" {
		t.Errorf("distinctPercent = %q", got)
	}
	if got := percent(0.99995, 6); got != "99.995%" {
		t.Errorf("percent = %q", got)
	}
}

func TestEmptyRunFails(t *testing.T) {
	v := run{backends: [][]uint32{nil}}.evaluate(t, scenario(zeroLoss, avail(0.5)))
	if v.Passed {
		t.Fatal("a run without requests passed")
	}
	for _, s := range v.SLOs {
		if s.Passed || s.Measured != "no requests" {
			t.Errorf("SLO %s = %+v, want failed with no requests", s.Kind, s)
		}
	}
	if v.Requests.ByClass == nil || v.Faults == nil || v.ServedBy.Zones == nil {
		t.Error("empty run has nil collections; JSON would show null")
	}
	if got := FormatLine(v); !strings.HasPrefix(got, "FAIL rolling-restart  0 req") {
		t.Errorf("FormatLine = %q", got)
	}

	v = run{recs: steady(10, time.Millisecond)}.evaluate(t, scenario())
	if v.Passed {
		t.Error("a run without SLOs passed")
	}
}

func TestReconciliation(t *testing.T) {
	recs := records(t, `
		# seq intended class   latency lb gw be
		0     0s       ok      1ms     0  0  0
		1     10ms     ok      1ms     1  1  1
		2     20ms     ok      1ms     0  0  0
		3     30ms     ok      1ms     1  1  1
		4     40ms     ok      1ms     0  0  0
		5     50ms     ok      1ms     1  1  1
		6     60ms     ok      1ms     0  0  0
		7     70ms     eof     5ms     1  1  -
		8     80ms     connect-refused 0s 0 - -
		9     90ms     reset   3ms     1  1  -
	`)
	v := run{recs: recs, backends: [][]uint32{
		{0, 1, 2, 3, 7},     // 7: the client failed after the backend got it
		{4, 5, 3, 5, 5, 42}, // 3 and 5 twice (and thrice): duplicates; 42: phantom
		{100000, 4e9, 4e9},  // phantoms far beyond the client's range, one duplicated
	}}.evaluate(t, scenario(zeroLoss))

	want := Reconciliation{Delivered: 6, OKUnconfirmed: 1, FailedAfterBackend: 1, FailedBeforeBackend: 2, Duplicates: 3, Phantoms: 3}
	if got := *v.Reconciliation; got != want {
		t.Errorf("reconciliation = %+v\nwant             %+v", got, want)
	}
}

func TestNoBackendLedgersNoReconciliation(t *testing.T) {
	v := run{recs: steady(10, time.Millisecond)}.evaluate(t, scenario(zeroLoss))
	if v.Reconciliation != nil {
		t.Errorf("reconciliation = %+v without backend ledgers", v.Reconciliation)
	}
}

func TestFaultWindows(t *testing.T) {
	recs := steady(1000, 10*time.Millisecond)  // 10s
	fail(recs, ledger.ClassEOF, 250, 300, 400) // 2.5s, 3s, 4s (revert: inclusive)
	fail(recs, ledger.ClassReset, 450)         // 4.5s: between faults
	fail(recs, ledger.ClassTimeout, 600, 950)  // 6s (inject: inclusive), 9.5s: never reverted
	sc := scenario(zeroLoss)
	sc.Faults = []spec.Fault{
		{Name: "restart-a", Kind: spec.FaultRollingRestart},
		{Kind: spec.FaultPodTerminate},
		{Name: "never", Kind: spec.FaultPodTerminate},
	}
	v := run{recs: recs}.evaluate(t, sc,
		// Out of order, with steps that do not delimit windows.
		event("", spec.FaultPodTerminate, spec.StepInject, 6*time.Second),
		event("restart-a", spec.FaultRollingRestart, "not-ready", 2100*time.Millisecond),
		event("restart-a", "", spec.StepRevert, 4*time.Second),
		event("restart-a", spec.FaultRollingRestart, spec.StepInject, 2*time.Second),
		event("restart-a", spec.FaultRollingRestart, spec.StepRevert, 9*time.Second), // no open window: ignored
	)
	at := func(d time.Duration) *time.Time { return ptr(t0.Add(d)) }
	want := []FaultWindow{
		{Name: "restart-a", Kind: spec.FaultRollingRestart, Inject: at(2 * time.Second), Revert: at(4 * time.Second), Failed: 3},
		{Name: spec.FaultPodTerminate, Kind: spec.FaultPodTerminate, Inject: at(6 * time.Second), Failed: 2},
		{Name: "never", Kind: spec.FaultPodTerminate},
	}
	if !slices.EqualFunc(v.Faults, want, equalFault) {
		t.Errorf("faults =\n%s\nwant\n%s", faultsString(v.Faults), faultsString(want))
	}
	if s := v.SLOs[0]; s.ActiveFault != "restart-a" || s.FirstFailure.Seq != 250 || s.LastFailure.Seq != 950 {
		t.Errorf("zeroLoss = %+v, want first failure 250 during restart-a, last 950", s)
	}

	// The first failure outside every window has no active fault.
	fail(recs, ledger.ClassEOF, 10)
	v = run{recs: recs}.evaluate(t, sc, event("restart-a", spec.FaultRollingRestart, spec.StepInject, 2*time.Second))
	if s := v.SLOs[0]; s.ActiveFault != "" || s.FirstFailure.Seq != 10 {
		t.Errorf("zeroLoss = %+v, want first failure 10 with no active fault", s)
	}
}

func TestActiveFaultPrefersLatestInject(t *testing.T) {
	ws := []*window{
		{name: "outer", inject: t0, from: 0, to: 10 * time.Second, reverted: true},
		{name: "inner", inject: t0.Add(time.Second), from: time.Second, to: 3 * time.Second, reverted: true},
	}
	for at, want := range map[time.Duration]string{
		500 * time.Millisecond: "outer", 2 * time.Second: "inner", 5 * time.Second: "outer", 11 * time.Second: "",
	} {
		if got := activeFault(ws, at); got != want {
			t.Errorf("activeFault(%v) = %q, want %q", at, got, want)
		}
	}
}

func TestEvaluateRejectsBadInput(t *testing.T) {
	if _, err := assembleInput(run{recs: steady(3, time.Millisecond)}.input(t, scenario(spec.SLO{Kind: "p99Latency"}))); err == nil || !strings.Contains(err.Error(), `unknown SLO kind "p99Latency"`) {
		t.Errorf("unknown SLO kind: err = %v", err)
	}
	recs := steady(3, time.Millisecond)
	recs[2].Seq = 1
	if _, err := assembleInput(run{recs: recs}.input(t, scenario(zeroLoss))); err == nil || !strings.Contains(err.Error(), "seq 1 recorded twice") {
		t.Errorf("duplicate client seq: err = %v", err)
	}
	recs = steady(3, time.Millisecond)
	recs[1].Intended = 30 * 24 * time.Hour
	if _, err := assembleInput(run{recs: recs}.input(t, scenario(zeroLoss))); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("corrupt intended offset: err = %v", err)
	}
	if _, err := assembleInput(Input{Scenario: scenario(zeroLoss), LedgerDir: t.TempDir()}); err == nil {
		t.Error("missing ledger: no error")
	}
	if _, err := assembleInput(Input{LedgerDir: t.TempDir()}); err == nil {
		t.Error("nil scenario: no error")
	}
}

func equalFault(a, b FaultWindow) bool {
	eq := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return a.Name == b.Name && a.Kind == b.Kind && a.Failed == b.Failed && eq(a.Inject, b.Inject) && eq(a.Revert, b.Revert)
}

func faultsString(fs []FaultWindow) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.Name + " " + f.Kind)
		for _, p := range []*time.Time{f.Inject, f.Revert} {
			if p == nil {
				b.WriteString(" -")
			} else {
				b.WriteString(" +" + p.Sub(t0).String())
			}
		}
		b.WriteString(" failed " + itoa(f.Failed) + "\n")
	}
	return b.String()
}
