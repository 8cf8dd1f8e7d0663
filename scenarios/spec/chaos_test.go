package spec

import (
	"reflect"
	"strings"
	"testing"
)

const soakYAML = `name: soak
stack: {zones: 3, nodesPerZone: 2}
load: {rate: 100, duration: 100s}
chaos:
  seed: 7
  start: 10s
  every: 20s
  hold: 5s
  kinds: [pod-kill, node-kill, lb-drain]
slos:
  - kind: availability
    min: 0.99
`

// The same seed gives the same timeline; another seed another one; every
// drawn fault is valid for the topology.
func TestChaosExpansionIsSeededAndValid(t *testing.T) {
	a, err := Decode("soak.yaml", []byte(soakYAML))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(a.Faults) != 5 { // at 10, 30, 50, 70, 90s (90+5 < 100)
		t.Fatalf("%d faults, want 5: %+v", len(a.Faults), a.Faults)
	}
	b, _ := Decode("soak.yaml", []byte(soakYAML))
	if !reflect.DeepEqual(a.Faults, b.Faults) {
		t.Error("same seed, different timelines")
	}
	c, _ := Decode("soak.yaml", []byte(strings.Replace(soakYAML, "seed: 7", "seed: 8", 1)))
	if reflect.DeepEqual(a.Faults, c.Faults) {
		t.Error("different seeds, same timeline")
	}
	a.ExpandChaos()
	if len(a.Faults) != 5 {
		t.Error("expanding twice added faults")
	}
}

func TestChaosValidation(t *testing.T) {
	bad := strings.Replace(soakYAML, "kinds: [pod-kill, node-kill, lb-drain]", "kinds: [partition]", 1)
	bad = strings.Replace(bad, "hold: 5s", "hold: 30s", 1)
	s, err := Decode("soak.yaml", []byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	want := "soak.yaml:8: chaos.hold: must be shorter than chaos.every (one fault at a time)\n" +
		`soak.yaml:9: chaos.kinds[0]: "partition" cannot be drawn at random (use pod-kill, pod-terminate, node-kill, lb-drain or lb-kill)`
	if err := s.Validate(); err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}
