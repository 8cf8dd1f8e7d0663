package reports

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
)

// Synthetic artifacts for report -evaluate: ledgers, resolved scenarios
// and stale verdicts laid out as scenarios/runner writes them.

var evalStart = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// writeLedger writes a client ledger of n requests at rate into dir, the
// first failed of them failed (reset); it starts at start.
func writeLedger(t *testing.T, dir string, start time.Time, rate float64, n, failed int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	meta := ledger.Meta{Version: 1, Start: start, Rate: rate, Records: int64(n), LBs: []string{"lb1"},
		Gateways: []string{"z1n1-gw0"}, Backends: []string{"z1n1-echo"}, Zones: map[string]string{"z1n1-gw0": "z1", "z1n1-echo": "z1"}}
	if err := ledger.WriteMeta(dir, meta); err != nil {
		t.Fatal(err)
	}
	w, err := ledger.Create(filepath.Join(dir, ledger.ClientFile))
	if err != nil {
		t.Fatal(err)
	}
	every := time.Duration(float64(time.Second) / rate)
	for i := range n {
		r := ledger.Record{Seq: uint32(i), Intended: time.Duration(i) * every, Latency: 2 * time.Millisecond, Status: 200}
		if i < failed {
			r.Class, r.Status = ledger.ClassReset, 0
		}
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeVerdict(t *testing.T, dir string, v *Verdict) {
	t.Helper()
	if err := WriteJSON(filepath.Join(dir, "verdict.json"), v); err != nil {
		t.Fatal(err)
	}
}

func readVerdict(t *testing.T, dir string) *Verdict {
	t.Helper()
	v, err := ReadJSON(filepath.Join(dir, "verdict.json"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const tlsResolved = `name: tlsx
expect: pass
stack: {zones: 1, nodesPerZone: 1, loadBalancers: 1, gateway: {tls: {enabled: true}}}
load: {rate: 10, duration: 2s, method: GET, connection: close, tls: {enabled: true}}
tlsCompare:
  pairs:
    - {key: ecdsa, baseline: {name: plain}, accelerated: {name: fast, sessionTickets: true}}
slos:
  - {kind: tlsSpeedup, min: 1.5}
  - {kind: availability, min: 1}
`

const profileResolved = `name: tlsx-pair1-%s
stack: {zones: 1, nodesPerZone: 1, loadBalancers: 1, gateway: {tls: {enabled: true}}}
load: {rate: 10, duration: 2s, method: GET, connection: close, tls: {enabled: true}}
slos: [{kind: availability, min: 1}]
`

func tlsSection() *TLSResult {
	m := func(name string, perCPU float64) TLSMeasure {
		return TLSMeasure{Profile: name, Key: "ecdsa", Run: TLSRun{Rate: 10, OK: 20, Handshakes: 20, PerCPUSecond: perCPU, Rounds: 1}}
	}
	return &TLSResult{Method: "handshakes per gateway CPU-second", Pairs: []TLSPairResult{
		ComparePair("ecdsa", m("plain", 1000), m("fast", 1900)),
	}}
}

// A tlsCompare run judged again keeps its tls section (gateway CPU
// figures no ledger holds), judges tlsSpeedup from it, and takes up the
// new judgement of each profile's run: here the accelerated run's ledger
// shows a failure the stale verdict had not counted.
func TestEvaluateKeepsTLSSection(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "r1", "tlsx")
	writeFile(t, filepath.Join(dir, ResolvedFile), tlsResolved)
	tr := tlsSection()
	low := LowestSpeedup(tr)
	writeVerdict(t, dir, &Verdict{SchemaVersion: SchemaVersion, RunID: "r1", Scenario: "tlsx", Expect: "pass",
		Provider: "local", Passed: true, Start: evalStart, Duration: Duration(3 * time.Minute), Overrides: []Override{{Set: "load.rate=10", Source: SourceCLI}}, TLS: tr, TLSSpeedup: &low,
		SLOs: []SLOResult{{Kind: "tlsSpeedup", Passed: true, Measured: "stale"}}})
	for i, side := range []string{"baseline", "accelerated"} {
		writeFile(t, filepath.Join(dir, "pair1-"+side, ResolvedFile), strings.Replace(profileResolved, "%s", side, 1))
		hs := filepath.Join(dir, "pair1-"+side, "handshake")
		writeLedger(t, hs, evalStart.Add(time.Duration(i)*time.Minute), 10, 20, i) // the accelerated run lost one
		writeVerdict(t, hs, &Verdict{SchemaVersion: SchemaVersion, RunID: "r1", Scenario: "tlsx-pair1-" + side,
			Provider: "local", Passed: true, SLOs: []SLOResult{{Kind: "availability", Passed: true, Measured: "stale"}}})
	}

	reassessAll(t, root)
	v := readVerdict(t, dir)
	if !reflect.DeepEqual(v.TLS, tr) || v.TLSSpeedup == nil || *v.TLSSpeedup != low {
		t.Errorf("tls section not carried over: %+v, speed-up %v", v.TLS, v.TLSSpeedup)
	}
	if v.Scenario != "tlsx" || v.RunID != "r1" || len(v.Overrides) != 1 || v.Duration.D() != 3*time.Minute {
		t.Errorf("identity not kept: scenario %q, run %q, overrides %v, duration %v (want the comparison's 3m)", v.Scenario, v.RunID, v.Overrides, v.Duration)
	}
	if len(v.SLOs) != 3 {
		t.Fatalf("%d SLO results, want tlsSpeedup + availability of 2 profile runs: %+v", len(v.SLOs), v.SLOs)
	}
	if s := v.SLOs[0]; s.Kind != "tlsSpeedup" || !s.Passed || s.Threshold != ">= 1.50x" || !strings.Contains(s.Measured, "1.90x ECDSA P-256") {
		t.Errorf("tlsSpeedup not judged from the tls section: %+v", s)
	}
	if s := v.SLOs[1]; !s.Passed || !strings.HasPrefix(s.Measured, "[pair1-baseline round 1] ") {
		t.Errorf("baseline run: %+v", s)
	}
	if s := v.SLOs[2]; s.Passed || !strings.HasPrefix(s.Measured, "[pair1-accelerated round 1] ") || s.Details[0] != "pair1-accelerated handshake-bound run, round 1 (fast)" {
		t.Errorf("accelerated run, judged again from its ledger, should fail: %+v", s)
	}
	if v.Passed || v.Requests.Total != 20 || v.Requests.Failed != 0 {
		t.Errorf("passed %v, requests %+v: want a FAIL with the baseline run's counts", v.Passed, v.Requests)
	}
	if acc := readVerdict(t, filepath.Join(dir, "pair1-accelerated", "handshake")); acc.Passed || acc.Scenario != "tlsx-pair1-accelerated" {
		t.Errorf("profile run not judged again with its profile's scenario: %+v", acc)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil || !strings.Contains(string(html), `data-tls-key="ecdsa"`) {
		t.Errorf("report.html lacks the TLS section (%v)", err)
	}
}

const capacityResolved = `name: capacity
stack: {zones: 1, nodesPerZone: 1, loadBalancers: 1}
load: {rate: 100, duration: 2s}
capacity: {start: 100, max: 1000, step: 2s}
slos: [{kind: availability, min: 0.99}]
`

// A capacity search's verdict is judged again from its knee step's
// ledger, and keeps its capacity section and the name saying what it ran
// without; the steps and the warm-up are left alone.
func TestEvaluateKeepsCapacitySection(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "r2", "capacity-without-zone-z1")
	writeFile(t, filepath.Join(dir, ResolvedFile), capacityResolved)
	writeLedger(t, filepath.Join(dir, "warmup"), evalStart, 100, 200, 0)
	writeLedger(t, filepath.Join(dir, "step-01-100"), evalStart.Add(2*time.Second), 100, 200, 0)
	writeLedger(t, filepath.Join(dir, "step-02-200"), evalStart.Add(4*time.Second), 200, 400, 1)
	writeLedger(t, filepath.Join(dir, "step-03-400"), evalStart.Add(6*time.Second), 400, 800, 80)
	capFig := &CapacityFigure{MaxRate: 200, LimitedBy: "gateway", Without: "zone:z1", PerReplica: 200}
	writeVerdict(t, dir, &Verdict{SchemaVersion: SchemaVersion, RunID: "r2", Scenario: "capacity-without-zone-z1",
		Provider: "local", Start: evalStart.Add(4 * time.Second), Rate: 200, Passed: true, Capacity: capFig,
		SLOs: []SLOResult{{Kind: "availability", Passed: true, Measured: "stale"}}})

	reassessAll(t, root)
	v := readVerdict(t, dir)
	capFig.Step = "step-02-200" // found by its start (a schema-1 verdict lacks it), then recorded
	if !reflect.DeepEqual(v.Capacity, capFig) || v.Scenario != "capacity-without-zone-z1" {
		t.Errorf("capacity %+v, scenario %q: not carried over", v.Capacity, v.Scenario)
	}
	if v.Rate != 200 || v.Requests.Total != 400 || v.Requests.Failed != 1 || !v.Passed || v.SLOs[0].Measured == "stale" {
		t.Errorf("not judged from the knee step (step-02): rate %v, requests %+v, passed %v, slos %+v", v.Rate, v.Requests, v.Passed, v.SLOs)
	}
	for _, d := range []string{"warmup", "step-01-100", "step-03-400"} {
		if _, err := os.Stat(filepath.Join(dir, d, "verdict.json")); err == nil {
			t.Errorf("%s got a verdict of its own", d)
		}
	}

	// A verdict whose knee step is gone cannot be judged again: an error.
	if err := os.RemoveAll(filepath.Join(dir, "step-02-200")); err != nil {
		t.Fatal(err)
	}
	capFig.Step = ""
	writeVerdict(t, dir, &Verdict{SchemaVersion: SchemaVersion, RunID: "r2", Scenario: "capacity-without-zone-z1",
		Provider: "local", Start: evalStart.Add(4 * time.Second), Capacity: capFig})
	if _, err := reassessComposite(dir); err == nil || !strings.Contains(err.Error(), "no step-*/ ledger started at") {
		t.Errorf("missing knee step: %v", err)
	}
}

// A composite scenario (tlsCompare) with its ledger in its own folder is
// not a layout the runner writes: judging it would drop what no ledger
// holds (or judge tlsSpeedup from nothing), so it is an error.
func TestReassessRefusesCompositeBesideLedger(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r3", "tlsx")
	writeFile(t, filepath.Join(dir, ResolvedFile), tlsResolved)
	writeLedger(t, dir, evalStart, 10, 20, 0)
	tr := tlsSection()
	low := LowestSpeedup(tr)
	writeVerdict(t, dir, &Verdict{SchemaVersion: SchemaVersion, RunID: "r3", Scenario: "tlsx", Provider: "local",
		Start: evalStart, TLS: tr, TLSSpeedup: &low})
	if _, err := reassessLedger(dir); err == nil || !strings.Contains(err.Error(), "composite scenario") {
		t.Errorf("composite beside a ledger: %v", err)
	}
}

// reassessAll runs Reassess on root and fails on any folder it could not
// judge.
func reassessAll(t *testing.T, root string) {
	t.Helper()
	done, _, err := Reassess([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range done {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Dir, r.Err)
		}
	}
}
