package reports

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

func TestCPUDelta(t *testing.T) {
	ms := time.Millisecond
	before := map[string]time.Duration{"z1n1-gw0": 1000 * ms, "z1n2-gw0": 500 * ms}
	after := map[string]time.Duration{
		"z1n1-gw0": 1750 * ms, // +750ms
		"z1n2-gw0": 200 * ms,  // went backwards (recreated): counts its 200ms
		"z2n1-gw0": 50 * ms,   // new: counts from zero
	}
	if got := CPUDelta(before, after); got != 1000*ms {
		t.Errorf("CPUDelta %s, want 1s", got)
	}
	if got := PerCPUSecond(900, 1500*ms); got != 600 {
		t.Errorf("PerCPUSecond %v, want 600", got)
	}
	if got := PerCPUSecond(900, 0); got != 0 {
		t.Errorf("PerCPUSecond without CPU %v, want 0", got)
	}
}

// measure is a profile that did handshakes on cpu (synthetic cgroup
// counters: cumulative CPU before and after the run).
func measure(name string, handshakes int64, cpuBefore, cpuAfter time.Duration, knee float64, limitedBy string) TLSMeasure {
	cpu := CPUDelta(map[string]time.Duration{"gw": cpuBefore}, map[string]time.Duration{"gw": cpuAfter})
	m := TLSMeasure{Profile: name, Run: TLSRun{Handshakes: handshakes, GatewayCPU: Duration(cpu), PerCPUSecond: PerCPUSecond(handshakes, cpu)}}
	if limitedBy != "" {
		m.Capacity = &TLSCapacity{Knee: knee, LimitedBy: limitedBy}
	}
	return m
}

func TestComparePair(t *testing.T) {
	s := time.Second
	// RSA: 1000 handshakes on 0.78s of CPU; ECDSA: 1000 on 0.45s → 1.73x.
	rsa := measure("RSA-2048", 1000, 10*s, 10*s+780*time.Millisecond, 300, "gateway")
	ecdsa := measure("ECDSA P-256", 1000, 20*s, 20*s+450*time.Millisecond, 600, "gateway")

	p := ComparePair(spec.KeyRSA, rsa, ecdsa)
	if math.Abs(p.CPUSpeedup-780.0/450) > 1e-9 {
		t.Errorf("cpu speed-up %v, want %v", p.CPUSpeedup, 780.0/450)
	}
	if p.GatedBy != MeasureCPU || p.Speedup != p.CPUSpeedup {
		t.Errorf("gated by %s at %v, want cpu (the capacity ratio 2.0 is higher)", p.GatedBy, p.Speedup)
	}
	if p.KeyName != "RSA-2048" {
		t.Errorf("key name %q", p.KeyName)
	}

	// The capacity ratio gates when it is the lower one.
	ecdsa.Capacity.Knee = 450
	p = ComparePair(spec.KeyRSA, rsa, ecdsa)
	if p.GatedBy != MeasureCapacity || p.Speedup != 1.5 {
		t.Errorf("gated by %s at %v, want capacity at 1.5", p.GatedBy, p.Speedup)
	}

	// A client-limited search does not count.
	ecdsa.Capacity.LimitedBy = "client"
	p = ComparePair(spec.KeyRSA, rsa, ecdsa)
	if p.GatedBy != MeasureCPU || !strings.Contains(p.CapacityNote, "accelerated search was limited by client") {
		t.Errorf("gated by %s, note %q: want cpu, capacity not counted", p.GatedBy, p.CapacityNote)
	}
}

func TestJudgeTLSSpeedup(t *testing.T) {
	s := time.Second
	r := &TLSResult{Method: TLSMethod(false, 1), Pairs: []TLSPairResult{
		ComparePair(spec.KeyRSA, measure("RSA, no resumption", 1000, 0, s, 0, ""), measure("RSA, tickets", 1000, 0, s/4, 0, "")),
		ComparePair(spec.KeyECDSA, measure("ECDSA", 1000, 0, s, 0, ""), measure("ECDSA (identical)", 1000, 0, s, 0, "")),
	}}
	got := JudgeTLSSpeedup(spec.SLO{Kind: spec.SLOTLSSpeedup, Min: 1.8}, r)
	if len(got) != 2 {
		t.Fatalf("%d results, want one per pair", len(got))
	}
	if !got[0].Passed || got[0].Value != 4 || !strings.Contains(got[0].Measured, "4.00x RSA-2048, gated by cpu") {
		t.Errorf("rsa: %+v", got[0])
	}
	if got[1].Passed || got[1].Value != 1 || got[1].Threshold != ">= 1.80x" {
		t.Errorf("identical profiles must fail: %+v", got[1])
	}
	if low := LowestSpeedup(r); low != 1 {
		t.Errorf("lowest speed-up %v, want 1", low)
	}
	var b bytes.Buffer
	writeTLSSummary(&b, r)
	for _, want := range []string{"## TLS acceleration", "| RSA-2048 | RSA, no resumption | RSA, tickets | 1000 → 4000 (4.00x) |", "**1.00x** (cpu)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
	v := &Verdict{Scenario: "tls", TLS: r}
	b.Reset()
	if err := WriteHTML(&b, v); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `data-tls-key="ecdsa"`) {
		t.Error("report.html lacks the TLS table")
	}
}

func TestAddTLSRuns(t *testing.T) {
	ms := func(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }
	a := TLSRun{Rate: 60, Duration: ms(8000), OK: 480, Handshakes: 480, Resumed: 10, GatewayCPU: ms(400), P99: ms(9), Rounds: 1}
	b := TLSRun{Rate: 60, Duration: ms(8000), OK: 470, Failed: 10, Handshakes: 470, GatewayCPU: ms(550), P99: ms(20), ClientSaturated: true, Rounds: 1}
	got := AddTLSRuns(a, b, false)
	if got.Handshakes != 950 || got.GatewayCPU != ms(950) || got.PerCPUSecond != 1000 || got.P99 != ms(20) || !got.ClientSaturated || got.Rounds != 2 || got.Failed != 10 || got.Duration != ms(16000) {
		t.Errorf("sum %+v", got)
	}
}

// TestTLSEngineEvidence: the engine's batches add up over rounds and the
// tlsSpeedup result says how the handshakes were signed on each side.
func TestTLSEngineEvidence(t *testing.T) {
	a := TLSRun{Handshakes: 1200, Rounds: 1, Engine: &TLSEngine{Accelerator: "multibuffer", EngineID: "qatengine", SignOp: "rsa_private_crt", SignCalls: 300, SignLanes: 1200, AvgSignBatch: 4}}
	b := TLSRun{Handshakes: 1200, Rounds: 1, Engine: &TLSEngine{Accelerator: "multibuffer", EngineID: "qatengine", SignOp: "rsa_private_crt", SignCalls: 200, SignLanes: 1200, AvgSignBatch: 6}}
	sum := AddTLSRuns(a, b, false)
	if e := sum.Engine; e.SignCalls != 500 || e.SignLanes != 2400 || e.AvgSignBatch != 4.8 {
		t.Errorf("summed engine = %+v", e)
	}
	if a.Engine.SignCalls != 300 {
		t.Error("AddTLSRuns changed its argument")
	}
	got := sum.Engine.Detail(sum.Handshakes)
	if want := "2400 handshakes signed in 500 crypto_mb rsa_private_crt batches of 4.8 lanes"; !strings.Contains(got, want) {
		t.Errorf("detail %q, want %q", got, want)
	}
	none := &TLSEngine{Accelerator: "none", SignOp: "rsa_private_crt"}
	if got := none.Detail(1200); !strings.Contains(got, "no crypto_mb signing batch over 1200 handshakes") {
		t.Errorf("baseline detail %q", got)
	}
}
