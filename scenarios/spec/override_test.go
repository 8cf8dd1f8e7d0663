package spec

import (
	"strings"
	"testing"
	"time"
)

const overrideBase = `name: ov
stack:
  zones: 1
  nodesPerZone: 2
load:
  rate: 100
  duration: 10s
faults:
  - kind: pod-kill
    at: 1s
slos:
  - kind: maxFailover
    max: 2s
`

func loadOverride(t *testing.T, overrides string) (*Scenario, error) {
	t.Helper()
	s, err := Decode("ov.yaml", []byte(overrideBase+overrides))
	if err != nil {
		return nil, err
	}
	return s, s.Validate()
}

func TestOverridesApplyOnlyToTheirProvider(t *testing.T) {
	s, err := loadOverride(t, `overrides:
  kind:
    - set: slos[0].max=4s
      why: measured 3.1s on kind
`)
	if err != nil {
		t.Fatal(err)
	}
	local, applied, err := s.ForProvider("local")
	if err != nil || len(applied) != 0 || local.SLOs[0].Max.D() != 2*time.Second {
		t.Fatalf("local: %v %v %v", err, applied, local.SLOs[0].Max)
	}
	k, applied, err := s.ForProvider("kind")
	if err != nil {
		t.Fatal(err)
	}
	if k.SLOs[0].Max.D() != 4*time.Second || len(applied) != 1 {
		t.Fatalf("kind: max %v applied %v", k.SLOs[0].Max, applied)
	}
	if s.SLOs[0].Max.D() != 2*time.Second {
		t.Fatalf("ForProvider changed the original: %v", s.SLOs[0].Max)
	}
	if got, want := applied[0].String("kind"), "slos[0].max=4s (kind: measured 3.1s on kind)"; got != want {
		t.Fatalf("String: %q, want %q", got, want)
	}
}

func TestOverrideProblemsAreLocated(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown provider": {`overrides:
  kube:
    - set: slos[0].max=4s
      why: x
`, "ov.yaml:15: overrides.kube: unknown field"},
		"no why": {`overrides:
  kind:
    - set: slos[0].max=4s
`, "ov.yaml:16: overrides.kind[0].why: required"},
		"unknown path": {`overrides:
  kind:
    - set: slos[0].maxx=4s
      why: x
`, `ov.yaml:16: overrides.kind[0].set: unknown field "slos[0].maxx"`},
		"index out of range": {`overrides:
  kind:
    - set: slos[3].max=4s
      why: x
`, "ov.yaml:16: overrides.kind[0].set: slos[3]: the scenario has 1 entries"},
		"bad value": {`overrides:
  kind:
    - set: slos[0].max=four
      why: x
`, `ov.yaml:16: overrides.kind[0].set: slos[0].max: want a duration`},
		"not key=value": {`overrides:
  kind:
    - set: slos[0].max
      why: x
`, "ov.yaml:16: overrides.kind[0].set: want key=value"},
		"invalid result": {`overrides:
  kind:
    - set: load.rate=-5
      why: x
`, "ov.yaml:15: overrides.kind: with these overrides applied: load.rate:"},
	} {
		_, err := loadOverride(t, tc.yaml)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want it to contain %q", name, err, tc.want)
		}
	}
}
