package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func capacityReport() *CapacityReport {
	ms := func(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }
	r := &CapacityReport{
		Scenario: "capacity", RunID: "abc", Provider: "local", Knee: 3000, LimitedBy: "gateway",
		Search:   CapacitySearchParams{Start: 500, Max: 20000, Step: Duration(5 * time.Second), Factor: 2, Precision: 0.05, Repeats: 2, MaxSteps: 16},
		SLOs:     []string{"p99 <= 50ms", "availability >= 99.9%"},
		Replicas: 6, ReplicasTotal: 6, LBs: 2,
		Steps: []CapacityStep{
			{Phase: "ramp", Rate: 2000, Achieved: 2000, P50: ms(2), P99: ms(10), Passed: true, GatewayCores: 0.5},
			{Phase: "ramp", Rate: 4000, Achieved: 3500, P50: ms(30), P99: ms(400), ErrorRatio: 0.01, Reason: "latency: p99 400ms"},
			{Phase: "bisect", Rate: 3000, Achieved: 3000, P50: ms(3), P99: ms(20), Passed: true, GatewayCores: 0.8},
			{Phase: "confirm", Rate: 3000, Achieved: 3000, P50: ms(3), P99: ms(25), Passed: true, GatewayCores: 0.75},
		},
	}
	r.Fill()
	return r
}

func TestCapacityReportFill(t *testing.T) {
	r := capacityReport()
	if r.MaxRate != 3000 || r.PerReplica != 500 {
		t.Errorf("maxRate %v, per replica %v", r.MaxRate, r.PerReplica)
	}
	if r.KneeGatewayCores != 0.75 || r.PerGatewayCore != 4000 {
		t.Errorf("knee cores %v, per core %v: want the last passing knee step's 0.75 and 4000", r.KneeGatewayCores, r.PerGatewayCore)
	}
	if r.ClientLimited {
		t.Error("a gateway-limited search is not client-limited")
	}
	r.LimitedBy = "client"
	r.Steps[1].ClientSaturated, r.Steps[1].Reason = true, "client saturated: send lag"
	r.Fill()
	if !r.ClientLimited || !strings.Contains(r.ClientReason, "at 4000 req/s: client saturated: send lag") {
		t.Errorf("client limited %v, reason %q", r.ClientLimited, r.ClientReason)
	}
}

func TestCapacityRendering(t *testing.T) {
	r := capacityReport()
	var b bytes.Buffer
	if err := WriteCapacityMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{
		"# Capacity of capacity: 3000 req/s",
		"- Knee: **3000 req/s**",
		"(p99 <= 50ms; availability >= 99.9%): 2 of 2 passed",
		"- Limited by: the stack: steps above the knee failed their SLOs.",
		"6 of 6, behind 2 load balancer(s): 500 req/s per replica",
		"4000 requests per gateway CPU-second",
		"| 2 | ramp | 4000 | 3500 | 30ms | 400ms | 1.000% | – | FAIL | latency: p99 400ms |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("capacity.md lacks %q:\n%s", want, md)
		}
	}
	r.Without = "zone:z1"
	b.Reset()
	if err := WriteCapacityMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "without zone:z1 (N−1)") {
		t.Error("N−1 title missing")
	}

	b.Reset()
	if err := WriteCapacityHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{`data-knee="3000"`, `"knee":3000`, `"rate":[2000,3000,4000]`, `"p99":[10,25,400]`, "new uPlot("} {
		if !strings.Contains(page, want) {
			t.Errorf("capacity.html lacks %q", want)
		}
	}

	path := filepath.Join(t.TempDir(), "capacity.json")
	if err := WriteCapacityJSON(path, r); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if x, ok := number(m, "maxRate"); !ok || x != 3000 {
		t.Errorf("compare reads maxRate %v (%v) from capacity.json", x, ok)
	}
}

// A verdict carrying a capacity figure and a TLS speed-up gives compare
// its max rate and speed-up metrics.
func TestMetricsCapacityAndTLS(t *testing.T) {
	low := 1.9
	v := &Verdict{Capacity: &CapacityFigure{MaxRate: 3000, LimitedBy: "gateway"}, TLSSpeedup: &low}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, m := range Metrics(v, raw) {
		got[m.Name] = m.Value
	}
	if got["max rate"] != 3000 || got["TLS speed-up"] != 1.9 {
		t.Errorf("metrics %v", got)
	}
}

// TestCapacityHTMLInChromium opens capacity.html in headless Chromium and
// checks that both charts drew.
func TestCapacityHTMLInChromium(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("chromium not installed: capacity.html not checked in a browser")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "capacity.html")
	var b bytes.Buffer
	if err := WriteCapacityHTML(&b, capacityReport()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, bin, dir, "--dump-dom", "file://"+page)
	if n := strings.Count(dom, "<canvas"); n < 2 || !strings.Contains(dom, `data-charts="2"`) {
		t.Errorf("%d canvas elements, data-charts missing: the charts did not draw", n)
	}
	checkAxesFit(t, probeAxes(t, bin, b.Bytes()), nil)
}
