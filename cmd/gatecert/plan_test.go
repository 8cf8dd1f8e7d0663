package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/gatecert/gatecert/scenarios/plan"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// --set reaches pointer fields: a profile's unset sessionCache, and the
// plan shows what the override changed.
func TestPlanSetPointerField(t *testing.T) {
	s, err := spec.LoadFile("../../scenarios/tls-accel.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sets := []string{"tlsCompare.pairs[0].accelerated.sessionCache=true", "tlsCompare.capacity.maxSteps=4"}
	if err := applyOverrides(s, sets); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	plan.Write(&b, s, sets)
	cs := s.TLSCompare.Capacity
	wantLines(t, b.String(),
		"  --set tlsCompare.pairs[0].accelerated.sessionCache=true",
		"changes: key RSA-2048 → ECDSA P-256, session cache off → on",
		fmt.Sprintf("worst case %s of load: maxSteps 4 × step %s", 5*cs.Step.D(), cs.Step))
	err = applyOverrides(s, []string{"tlsCompare.capacity.strat=5"})
	if err == nil || !strings.Contains(err.Error(), `--set tlsCompare.capacity.strat=5: unknown field "tlsCompare.capacity.strat" (known: start, max,`) {
		t.Errorf("unknown path: %v", err)
	}
}

func wantLines(t *testing.T, plan string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(plan, w) {
			t.Errorf("plan lacks %q:\n%s", w, plan)
		}
	}
}
