package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// tlsVerdict is a TLS comparison's verdict with an RSA pair gated by its
// CPU-limited knee (speed-up rsa) and an ECDSA pair gated by CPU (ecdsa).
func tlsVerdict(rsa, ecdsa float64) *Verdict {
	s := time.Second
	knee := func(m TLSMeasure, k float64) TLSMeasure {
		m.Capacity = &TLSCapacity{Knee: k, LimitedBy: "gateway"}
		return m
	}
	r := &TLSResult{Method: TLSMethod(true, 3), Pairs: []TLSPairResult{
		ComparePair(spec.KeyRSA, knee(measure("RSA-2048 certificate", 1000, 0, s, 0, ""), 100),
			knee(measure("ECDSA P-256 certificate", 1000, 0, s/4, 0, ""), 100*rsa)),
		ComparePair(spec.KeyECDSA, measure("ECDSA, no resumption", 1000, 0, s, 0, ""),
			measure("ECDSA, tickets", 1000, 0, time.Duration(float64(s)/ecdsa), 0, "")),
	}}
	low := LowestSpeedup(r)
	return &Verdict{SchemaVersion: SchemaVersion, Scenario: "tls-accel", RunID: "r1", Start: t0, TLS: r, TLSSpeedup: &low}
}

func capacityVerdict(maxRate float64) *Verdict {
	return &Verdict{SchemaVersion: SchemaVersion, Scenario: "capacity-without-zone-z1", RunID: "r1", Start: t0, Rate: maxRate,
		Capacity: &CapacityFigure{MaxRate: maxRate, LimitedBy: "client", Without: "zone:z1", PerReplica: maxRate / 4}}
}

func render(t *testing.T, v *Verdict) (html, md string) {
	t.Helper()
	var h, m bytes.Buffer
	if err := WriteHTML(&h, v); err != nil {
		t.Fatal(err)
	}
	if err := WriteSummary(&m, v); err != nil {
		t.Fatal(err)
	}
	return h.String(), m.String()
}

// report.html shows a TLS comparison's speed-up per key type, how it was
// measured and which measure gated it.
func TestHTMLShowsTLSSection(t *testing.T) {
	html, _ := render(t, tlsVerdict(1.5, 2))
	for _, want := range []string{
		"<h2>TLS acceleration</h2>",
		"Method: handshakes per gateway CPU-second: successful requests on new TLS connections",
		"summed over 3 rounds",
		`<tr data-tls-key="rsa"><td>RSA-2048</td><td>RSA-2048 certificate</td><td>ECDSA P-256 certificate</td>`,
		"100 → 150 (1.50x)",
		"<b>1.50x</b></td><td>capacity<br><small>CPU-limited sustained rate</small>",
		`<tr data-tls-key="ecdsa"><td>ECDSA P-256</td>`,
		"<b>2.00x</b></td><td>cpu<br><small>handshakes per gateway CPU-second</small>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(html, `id="capacity"`) {
		t.Error("a TLS verdict without a capacity figure shows a capacity section")
	}
}

// report.html and summary.md show a capacity search's headline: the knee,
// what limited it, per replica, and what an N−1 figure ran without.
func TestHTMLShowsCapacitySection(t *testing.T) {
	html, md := render(t, capacityVerdict(3000))
	for _, want := range []string{
		"<h2>Capacity</h2>",
		`data-capacity-max-rate="3000" data-capacity-limited-by="client"`,
		"<b>3000 req/s</b>",
		"the client (load generator) saturated before the stack failed: the knee is a lower bound",
		"750 req/s",
		"zone:z1 (N−1: the stack less it, as after its loss)",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	for _, want := range []string{
		"## Capacity",
		"- Max sustained rate (knee): **3000 req/s**, 750 req/s per replica.",
		"- Limited by: client (the client (load generator) saturated",
		"- Without: zone:z1 (N−1",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
	v := capacityVerdict(3000)
	v.Capacity.Without, v.Capacity.LimitedBy = "", "gateway"
	if html, _ := render(t, v); !strings.Contains(html, "nothing: the whole stack") || !strings.Contains(html, "steps above the knee failed their SLOs") {
		t.Error("whole-stack, gateway-limited capacity not described")
	}
	if html, md := render(t, &Verdict{Scenario: "plain", Start: t0}); strings.Contains(html, `id="capacity"`) || strings.Contains(md, "## Capacity") || strings.Contains(html, "TLS acceleration") {
		t.Error("a plain verdict shows a capacity or TLS section")
	}
}

// runOf is v as compare reads it from verdict.json.
func runOf(t *testing.T, v *Verdict) Run {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	return Run{Dir: v.Scenario, Verdict: v, Raw: raw}
}

func rowsByMetric(rows []Row) map[string]Row {
	m := map[string]Row{}
	for _, r := range rows {
		m[r.Scenario+" / "+r.Metric] = r
	}
	return m
}

// compare flags a TLS speed-up that fell (1.9 → 1.5) and a capacity that
// fell by 20%, and a pair that regressed while the lowest speed-up held.
func TestCompareTLSAndCapacity(t *testing.T) {
	base := []Run{runOf(t, tlsVerdict(1.9, 2.5)), runOf(t, capacityVerdict(3000))}
	cur := []Run{runOf(t, tlsVerdict(1.5, 2.5)), runOf(t, capacityVerdict(2400))}
	rows := rowsByMetric(Compare(base, cur, 0.05))
	for _, tt := range []struct {
		key, base, cur, change string
		regression             bool
	}{
		{"tls-accel / TLS speed-up", "1.9 x", "1.5 x", "-21.1%", true},
		{"tls-accel / TLS speed-up pair 1 (RSA-2048)", "1.9 x", "1.5 x", "-21.1%", true},
		{"tls-accel / TLS speed-up pair 2 (ECDSA P-256)", "2.5 x", "2.5 x", "+0.0%", false},
		{"capacity-without-zone-z1 / max rate", "3000 req/s", "2400 req/s", "-20.0%", true},
	} {
		r, ok := rows[tt.key]
		if !ok {
			t.Errorf("no row %s", tt.key)
			continue
		}
		if r.Baseline != tt.base || r.Current != tt.cur || r.Change != tt.change || r.Regression != tt.regression {
			t.Errorf("%s: %+v, want %s → %s (%s), regression %v", tt.key, r, tt.base, tt.cur, tt.change, tt.regression)
		}
	}
	md := string(CompareMarkdown(Compare(base, cur, 0.05), 0.05))
	if !strings.Contains(md, "| tls-accel | TLS speed-up | 1.9 x | 1.5 x | -21.1% | ❌ regression |") ||
		!strings.Contains(md, "| capacity-without-zone-z1 | max rate | 3000 req/s | 2400 req/s | -20.0% | ❌ regression |") {
		t.Errorf("compare table:\n%s", md)
	}

	// The ECDSA pair fell 2.5 → 2.0 while the lowest (RSA, 1.9) held.
	rows = rowsByMetric(Compare([]Run{runOf(t, tlsVerdict(1.9, 2.5))}, []Run{runOf(t, tlsVerdict(1.9, 2))}, 0.05))
	if r := rows["tls-accel / TLS speed-up"]; r.Regression {
		t.Errorf("lowest speed-up held but flagged: %+v", r)
	}
	if r := rows["tls-accel / TLS speed-up pair 2 (ECDSA P-256)"]; !r.Regression || r.Change != "-20.0%" {
		t.Errorf("pair 2's fall not flagged: %+v", r)
	}
	// Within the threshold is no regression.
	rows = rowsByMetric(Compare([]Run{runOf(t, capacityVerdict(3000))}, []Run{runOf(t, capacityVerdict(2900))}, 0.05))
	if r := rows["capacity-without-zone-z1 / max rate"]; r.Regression {
		t.Errorf("-3.3%% flagged at a 5%% threshold: %+v", r)
	}
}
