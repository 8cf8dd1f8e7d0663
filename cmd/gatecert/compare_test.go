package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/reports"
)

// gatecert compare reads the TLS speed-ups and the capacity figure from
// verdict.json and fails on a speed-up 1.9 → 1.5 and a capacity −20%.
func TestCompareTLSAndCapacity(t *testing.T) {
	day := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	tlsV := func(rsa, ecdsa float64) *reports.Verdict {
		v := verdict("tls-accel", 0, 5*time.Millisecond, 0, day)
		v.Faults = nil
		v.TLS = &reports.TLSResult{Method: "m", Pairs: []reports.TLSPairResult{
			{Key: "rsa", KeyName: "RSA-2048", Speedup: rsa, GatedBy: reports.MeasureCPU},
			{Key: "ecdsa", KeyName: "ECDSA P-256", Speedup: ecdsa, GatedBy: reports.MeasureCPU},
		}}
		low := reports.LowestSpeedup(v.TLS)
		v.TLSSpeedup = &low
		return v
	}
	capV := func(maxRate float64) *reports.Verdict {
		v := verdict("capacity", 0, 30*time.Millisecond, 0, day)
		v.Faults = nil
		v.Capacity = &reports.CapacityFigure{MaxRate: maxRate, LimitedBy: "gateway", PerReplica: maxRate / 6}
		return v
	}
	base, worse := t.TempDir(), t.TempDir()
	storeVerdict(t, base, "a", tlsV(1.9, 2.5))
	storeVerdict(t, base, "a", capV(3000))
	storeVerdict(t, worse, "b", tlsV(1.5, 2.5))
	storeVerdict(t, worse, "b", capV(2400))
	// Each profile's runs write their own verdicts inside the comparison's
	// folder (handshake and keep-alive under one name): they are judged
	// through the comparison, and compare shows no rows of their own.
	for _, root := range []string{filepath.Join(base, "a"), filepath.Join(worse, "b")} {
		for _, run := range []string{"handshake", "keepalive"} {
			part := verdict("tls-accel-pair1-accelerated", 0, 5*time.Millisecond, 0, day.Add(time.Minute))
			part.Faults = nil
			storeVerdict(t, filepath.Join(root, "tls-accel", "pair1-accelerated"), run, part)
		}
	}
	out, errs, code := gatecert(t, "compare", base, worse)
	if code != exitSLOFail {
		t.Errorf("exit %d, want %d\n%s%s", code, exitSLOFail, out, errs)
	}
	for _, want := range []string{
		"**3 regression(s)**",
		"| tls-accel | TLS speed-up | 1.9 x | 1.5 x | -21.1% | ❌ regression |",
		"| tls-accel | TLS speed-up pair 1 (RSA-2048) | 1.9 x | 1.5 x | -21.1% | ❌ regression |",
		"| tls-accel | TLS speed-up pair 2 (ECDSA P-256) | 2.5 x | 2.5 x | +0.0% | ok |",
		"| capacity | max rate | 3000 req/s | 2400 req/s | -20.0% | ❌ regression |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("compare lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pair1-accelerated |") {
		t.Errorf("compare shows a profile run of the TLS comparison as a scenario:\n%s", out)
	}
	if out, _, code := gatecert(t, "compare", base, base); code != exitPass || !strings.Contains(out, "**No regression**") {
		t.Errorf("same runs: exit %d\n%s", code, out)
	}
}
