package loadgen

import (
	"math"
	"testing"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// all returns every offset of s.
func all(t *testing.T, s Schedule) []time.Duration {
	t.Helper()
	var out []time.Duration
	for n := uint64(0); ; n++ {
		off, ok := s.At(n)
		if !ok {
			return out
		}
		if len(out) > 0 && off < out[len(out)-1] {
			t.Fatalf("At(%d) = %v goes back from %v", n, off, out[len(out)-1])
		}
		out = append(out, off)
	}
}

// perSecond counts offsets in each whole second.
func perSecond(offs []time.Duration, seconds int) []int {
	out := make([]int, seconds)
	for _, o := range offs {
		out[int(o/time.Second)]++
	}
	return out
}

func TestRamp(t *testing.T) {
	tests := []struct {
		from, to float64
		d        time.Duration
		want     []int // per second, ±1
	}{
		{0, 100, 4 * time.Second, []int{13, 38, 63, 88}},
		{100, 0, 4 * time.Second, []int{88, 63, 38, 13}},
		{50, 50, 2 * time.Second, []int{50, 50}},
		{10, 30, 2 * time.Second, []int{15, 25}},
	}
	for _, tt := range tests {
		s := Ramp(tt.from, tt.to, tt.d)
		offs := all(t, s)
		got := perSecond(offs, len(tt.want))
		for i := range got {
			if math.Abs(float64(got[i]-tt.want[i])) > 1 {
				t.Errorf("Ramp(%v, %v, %v): per second %v, want %v", tt.from, tt.to, tt.d, got, tt.want)
				break
			}
		}
		if s.Duration() != tt.d {
			t.Errorf("Duration %v", s.Duration())
		}
	}
	if _, ok := Ramp(0, 0, time.Second).At(0); ok {
		t.Error("a zero ramp schedules requests")
	}
}

func TestSteps(t *testing.T) {
	s := Steps(10, 20, 500*time.Millisecond, 3) // 10, 30, 50 req/s for 0.5 s each
	offs := all(t, s)
	if len(offs) != 5+15+25 {
		t.Fatalf("%d requests, want 45", len(offs))
	}
	if offs[5] != 500*time.Millisecond || offs[20] != time.Second {
		t.Errorf("steps start at %v and %v, want 500ms and 1s", offs[5], offs[20])
	}
	if s.Duration() != 1500*time.Millisecond {
		t.Errorf("Duration %v", s.Duration())
	}
	// More steps than a phase index holds are all kept.
	if got := count(Steps(1, 0, time.Second, 300)); got != 300 {
		t.Errorf("300 steps of 1 req/s: %d requests", got)
	}
	// Steps is one shape: no phases of its own.
	if _, ok := s.(Phaser); ok {
		t.Error("Steps has phases")
	}
}

func TestPhases(t *testing.T) {
	s := Phases(Ramp(0, 100, time.Second), Constant(100, 2*time.Second), Constant(0, time.Second), Constant(10, time.Second))
	offs := all(t, s)
	p := s.(Phaser)
	var n [4]int
	for i, off := range offs {
		ph := p.Phase(uint64(i))
		n[ph]++
		lo := []time.Duration{0, time.Second, 3 * time.Second, 4 * time.Second}[ph]
		if off < lo || off >= lo+[]time.Duration{time.Second, 2 * time.Second, time.Second, time.Second}[ph] {
			t.Fatalf("request %d in phase %d at %v", i, ph, off)
		}
	}
	// An empty phase (rate 0) keeps its time: phase 3 starts at 4 s.
	if n != [4]int{50, 200, 0, 10} {
		t.Errorf("requests per phase %v, want [50 200 0 10]", n)
	}
	if s.Duration() != 5*time.Second || phaseCount(s) != 4 {
		t.Errorf("Duration %v, %d phases", s.Duration(), phaseCount(s))
	}
	if phaseOf(Constant(1, time.Second), 0) != 0 {
		t.Error("unphased schedule has a phase")
	}
}

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		s    Schedule
		want uint64
	}{
		{Constant(300, time.Second), 300},
		{Constant(3, 1001*time.Millisecond), 4},
		{Constant(0, time.Second), 0},
		{Steps(1000, 1000, time.Second, 3), 6000},
	} {
		if got := count(tt.s); got != tt.want {
			t.Errorf("count = %d, want %d", got, tt.want)
		}
	}
}

func TestPeakRate(t *testing.T) {
	cfg := Config{Schedule: Phases(Constant(10, time.Second), Constant(500, time.Second), Ramp(500, 0, 2*time.Second))}
	if got := peakRate(cfg); got != 500 {
		t.Errorf("peakRate = %v, want 500", got)
	}
}

func TestLagHistogram(t *testing.T) {
	var h lagHistogram
	for i := 0; i < 990; i++ {
		h.observe(time.Duration(i%10) * time.Microsecond)
	}
	for i := 0; i < 10; i++ {
		h.observe(3 * time.Millisecond)
	}
	if got := h.quantile(0.5); got > 10*time.Microsecond {
		t.Errorf("p50 %v", got)
	}
	if got := h.quantile(0.99); got != 9*time.Microsecond {
		t.Errorf("p99 %v, want 9µs", got)
	}
	if got := h.quantile(1); got < 3*time.Millisecond || got > 3*time.Millisecond*17/16 {
		t.Errorf("max %v, want 3ms within 1/16", got)
	}
	for us := uint64(0); us < 1<<20; us += 7 {
		if b := lagBucket(us); lagUpper(b) < us || (b > 0 && lagUpper(b-1) >= us) {
			t.Fatalf("value %d in bucket %d [.., %d]", us, b, lagUpper(b))
		}
	}
}

func TestScheduleOf(t *testing.T) {
	s := ScheduleOf(spec.Load{Phases: []spec.LoadPhase{
		{Shape: spec.ShapeRamp, From: 0, Rate: 100, Duration: spec.Duration(time.Second)},
		{Rate: 10, Duration: spec.Duration(time.Second)},
		{Shape: spec.ShapeSteps, Rate: 10, Step: 10, Steps: 2, Duration: spec.Duration(2 * time.Second)},
	}})
	if got := count(s); got != 50+10+10+20 || s.Duration() != 4*time.Second || phaseCount(s) != 3 {
		t.Errorf("%d requests over %v in %d phases", got, s.Duration(), phaseCount(s))
	}
	if got := count(ScheduleOf(spec.Load{Rate: 7, Duration: spec.Duration(2 * time.Second)})); got != 14 {
		t.Errorf("constant: %d requests", got)
	}
}

func TestConfigOf(t *testing.T) {
	l := spec.Load{Rate: 50, Duration: spec.Duration(time.Second), Method: "POST", LBPolicy: spec.LBPolicyFailover,
		Connection: spec.ConnectionClose, TLS: spec.LoadTLS{Enabled: true, Resumption: true, Key: spec.KeyRSA}}
	cfg := ConfigOf(l, nil)
	if cfg.LBPolicy != PolicyFailover || !cfg.DisableKeepAlive || cfg.TLS == nil || cfg.TLS.InsecureSkipVerify || !cfg.TLSResumption || cfg.HTTP2 {
		t.Errorf("config %+v", cfg)
	}
	if count(cfg.Schedule) != 50 {
		t.Errorf("schedule has %d requests", count(cfg.Schedule))
	}
	if ConfigOf(spec.Load{Rate: 1, Duration: spec.Duration(time.Second)}, nil).TLS != nil {
		t.Error("TLS without tls.enabled")
	}
}
