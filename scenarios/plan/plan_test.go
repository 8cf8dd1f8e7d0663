package plan

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// planOf loads a scenario file and returns its plan text.
func planOf(t *testing.T, path string) (*spec.Scenario, string) {
	t.Helper()
	s, err := spec.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	Write(&b, s, nil)
	return s, b.String()
}

func wantLines(t *testing.T, plan string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(plan, w) {
			t.Errorf("plan lacks %q:\n%s", w, plan)
		}
	}
}

// The example TLS scenario's plan shows the comparison it runs: every
// pair with both profiles and what the accelerated one changes, the
// handshake-bound load, the keep-alive variant, the CPU limit, the
// capacity search per profile and the tlsSpeedup target. Numbers come
// from the file, so the test follows edits to its bounds.
func TestPlanTLSCompare(t *testing.T) {
	s, plan := planOf(t, "../tls-accel.yaml")
	c := s.TLSCompare
	cs := c.Capacity
	wantLines(t, plan,
		fmt.Sprintf("tlsCompare: %d pair(s), baseline and accelerated each on its own stack; %d round(s)", len(c.Pairs), c.Rounds),
		fmt.Sprintf("handshake-bound load per profile and round: %d req/s for %s", s.Load.Rate, s.Load.Duration),
		"connection close (keep-alive off), client resumption off unless a pair offers it on both sides",
		"keep-alive variant: on — the same rate with connections kept, once per profile; reported, not judged",
		fmt.Sprintf("gateway: cpuLimit %g cores, %d worker process(es) per replica", s.Stack.Gateway.CPULimit, s.Stack.Gateway.WorkerProcesses),
		"pair 1 (RSA-2048; client resumption off):",
		`baseline    "RSA-2048 certificate": key RSA-2048, session cache off, session tickets off`,
		`accelerated "ECDSA P-256 certificate": key ECDSA P-256`,
		"changes: key RSA-2048 → ECDSA P-256",
		"pair 2 (RSA-2048; client offers resumption on both sides):",
		"pair 3 (ECDSA P-256; client offers resumption on both sides):",
		"changes: session cache off → on, session tickets off → on",
		"capacity search per profile (CPU-limited gateway; counted only when both searches are gateway-limited):",
		fmt.Sprintf("start %d req/s, ramp ×%g up to max %d req/s, each step offered for %s", cs.Start, cs.Factor, cs.Max, cs.Step),
		fmt.Sprintf("the knee confirmed %d more time(s) (repeats), at most %d steps (maxSteps)", cs.Repeats, cs.MaxSteps),
		fmt.Sprintf("worst case %s of load: maxSteps %d × step %s + one unjudged warm-up step", time.Duration(cs.MaxSteps+1)*cs.Step.D(), cs.MaxSteps, cs.Step),
		"      latency p99 <= 100ms — whole run", // a step's SLOs, without tlsSpeedup
		"target: tlsSpeedup >= 1.8x accelerated/baseline, every pair (reported per key type); measured as handshakes per gateway CPU-second and the CPU-limited knee",
	)
	if strings.Contains(plan, "\n      tlsSpeedup") {
		t.Errorf("tlsSpeedup listed among the SLOs judging a capacity step:\n%s", plan)
	}
}

// A comparison without capacity and keep-alive, with identical profiles,
// says so, and its load time adds up: 2 profiles × 2 rounds × 5s.
func TestPlanTLSIdenticalControl(t *testing.T) {
	s, err := spec.Decode("inline.yaml", []byte(`
name: ctl
stack: {zones: 1, nodesPerZone: 1, loadBalancers: 1, gateway: {tls: {enabled: true, key: rsa}}}
load: {rate: 10, duration: 5s, connection: close, tls: {enabled: true}}
tlsCompare:
  rounds: 2
  pairs:
    - {key: rsa, baseline: {name: a}, accelerated: {name: b, workerProcesses: 2, cpuLimit: 0.5}}
    - {key: rsa, baseline: {name: c}, accelerated: {name: d}}
slos: [{kind: tlsSpeedup, min: 1.5}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	Write(&b, s, nil)
	wantLines(t, b.String(),
		"keep-alive variant: off",
		"changes: workers 1 → 2, cpuLimit none → 0.5 cores",
		"changes: nothing — an identical control: its speed-up should be about 1.0x",
		"capacity search: none (the speed-up is handshakes per gateway CPU-second only)",
		"target: tlsSpeedup >= 1.5x accelerated/baseline, every pair (reported per key type); measured as handshakes per gateway CPU-second\n",
		"load time: at most 40s (4 profiles × 10s), plus 8 stack bring-ups",
	)
}

// The example capacity scenario's plan shows its search: bounds, the SLOs
// that judge each step, and the worst-case time (maxSteps × step plus the
// warm-up step).
func TestPlanCapacity(t *testing.T) {
	s, plan := planOf(t, "../capacity.yaml")
	cs := s.Capacity
	wantLines(t, plan,
		"capacity search (`gatecert capacity`; `gatecert run` skips this scenario",
		fmt.Sprintf("  start %d req/s, ramp ×%g up to max %d req/s, each step offered for %s", cs.Start, cs.Factor, cs.Max, cs.Step),
		fmt.Sprintf("  then bisection to precision %g%%, the knee confirmed %d more time(s) (repeats), at most %d steps (maxSteps)", cs.Precision*100, cs.Repeats, cs.MaxSteps),
		"  each step judged by:\n    latency p99 <= 50ms — whole run\n    availability >= 99.9% — whole run\n",
		fmt.Sprintf("  worst case %s of load: maxSteps %d × step %s + one unjudged warm-up step of %s at the start rate",
			time.Duration(cs.MaxSteps+1)*cs.Step.D(), cs.MaxSteps, cs.Step, cs.Step),
	)
	if strings.Contains(plan, "tlsCompare") {
		t.Errorf("a capacity scenario's plan mentions tlsCompare:\n%s", plan)
	}
}

// A nodePort scenario's plan says the LBs target the nodes' port and how
// they check them; a pathCompare's plan names the paths it runs.
func TestPlanDataPath(t *testing.T) {
	_, plan := planOf(t, "../scale-in-local-tcp-check.yaml")
	wantLines(t, plan, "lb1 → every node's port 30080 (6 nodes)",
		"data path: nodePort, externalTrafficPolicy Local; health check: a TCP connect to node port 30080")
	_, plan = planOf(t, "../data-path.yaml")
	wantLines(t, plan, "lb1 → every replica (6)", "data paths compared: direct, nodeport-cluster, 2 alternating round(s)")
}
