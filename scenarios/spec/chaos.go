package spec

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Chaos describes periodic random faults for soak runs: every Every, from
// Start on, one fault drawn from Kinds with a target drawn from the
// topology, held for Hold. The same Seed always yields the same timeline.
type Chaos struct {
	Seed  int      `yaml:"seed"`
	Start Duration `yaml:"start"`
	Every Duration `yaml:"every"`
	Hold  Duration `yaml:"hold"`
	Kinds []string `yaml:"kinds"`
	// expanded marks that the faults are already in the timeline.
	expanded bool
}

// chaosKinds are the kinds a soak may draw, with how to pick a target.
var chaosKinds = map[string]func(r *rand.Rand, st StackProfile, f *Fault){
	FaultPodKill:      func(r *rand.Rand, st StackProfile, f *Fault) { f.Target = pick(r, st.Replicas()) },
	FaultPodTerminate: func(r *rand.Rand, st StackProfile, f *Fault) { f.Target = pick(r, st.Replicas()) },
	FaultNodeKill: func(r *rand.Rand, st StackProfile, f *Fault) {
		f.Node = fmt.Sprintf("z%dn%d", 1+r.IntN(st.Zones), 1+r.IntN(st.NodesPerZone))
	},
	FaultLBDrain: func(r *rand.Rand, st StackProfile, f *Fault) { f.LB = fmt.Sprintf("lb%d", 1+r.IntN(st.LoadBalancers)) },
	FaultLBKill: func(r *rand.Rand, st StackProfile, f *Fault) {
		f.LB = fmt.Sprintf("lb%d", 1+r.IntN(st.LoadBalancers))
		f.Mode = ModeRefused
	},
}

func pick(r *rand.Rand, names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[r.IntN(len(names))]
}

// ExpandChaos appends the seeded random faults to the timeline once; the
// faults are named chaos-1, chaos-2, ... in time order.
func (s *Scenario) ExpandChaos() {
	c := s.Chaos
	if c == nil || c.expanded || c.Every.D() <= 0 || len(c.Kinds) == 0 {
		return
	}
	for _, k := range c.Kinds {
		if chaosKinds[k] == nil {
			return // Validate reports it; expanding half a list would mislead
		}
	}
	c.expanded = true
	r := rand.New(rand.NewPCG(uint64(c.Seed), uint64(c.Seed)^0x9e3779b97f4a7c15))
	n := 0
	for at := c.Start.D(); at+c.Hold.D() < s.Load.Duration.D(); at += c.Every.D() {
		n++
		f := Fault{Name: fmt.Sprintf("chaos-%d", n), Kind: c.Kinds[r.IntN(len(c.Kinds))], At: Duration(at), Duration: c.Hold}
		chaosKinds[f.Kind](r, s.Stack, &f)
		s.Faults = append(s.Faults, f)
	}
}

// chaos validates the chaos block.
func (c *checker) chaos(ch *Chaos) {
	if ch == nil {
		return
	}
	if ch.Every.D() < time.Second {
		c.failf("chaos.every", "must be >= 1s")
	}
	c.notNegative("chaos.start", ch.Start)
	c.notNegative("chaos.hold", ch.Hold)
	if ch.Hold.D() >= ch.Every.D() {
		c.failf("chaos.hold", "must be shorter than chaos.every (one fault at a time)")
	}
	if len(ch.Kinds) == 0 {
		c.failf("chaos.kinds", "list at least one of pod-kill, pod-terminate, node-kill, lb-drain, lb-kill")
	}
	for i, k := range ch.Kinds {
		if chaosKinds[k] == nil {
			c.failf(fmt.Sprintf("chaos.kinds[%d]", i), "%q cannot be drawn at random (use pod-kill, pod-terminate, node-kill, lb-drain or lb-kill)", k)
		}
	}
}
