package spec

import (
	"strings"
	"testing"
)

func pathScenario() *Scenario {
	s := valid()
	s.Faults = nil
	s.PathCompare = &PathCompare{}
	s.Defaults()
	return s
}

// The default comparison is direct against nodePort Cluster, two rounds;
// a path's scenario carries its lb fields and no comparison, and direct
// resolves as a plain direct run.
func TestPathCompareDefaults(t *testing.T) {
	s := pathScenario()
	pc := s.PathCompare
	if pc.Rounds != 2 || len(pc.Paths) != 2 || pc.Paths[0].Name != "direct" || pc.Paths[1].Name != "nodeport-cluster" {
		t.Fatalf("defaults %+v", pc)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("valid comparison: %v", err)
	}
	np := s.ForPath(pc.Paths[1], "x-np")
	if np.PathCompare != nil || !np.Stack.LB.IsNodePort() || np.Stack.LB.ExternalTrafficPolicy != TrafficCluster || np.Name != "x-np" {
		t.Errorf("nodePort part: %+v", np.Stack.LB)
	}
	if d := s.ForPath(pc.Paths[0], "x-d"); d.Stack.LB.Path != "" || s.PathCompare == nil {
		t.Errorf("direct part path %q (want unset), original comparison kept: %v", d.Stack.LB.Path, s.PathCompare != nil)
	}
}

func TestValidatePathCompare(t *testing.T) {
	tests := []struct {
		name   string
		modify func(s *Scenario)
		want   string
	}{
		{"one path", func(s *Scenario) { s.PathCompare.Paths = s.PathCompare.Paths[:1] }, "pathCompare.paths: at least two paths"},
		{"duplicate", func(s *Scenario) { s.PathCompare.Paths[1].Name = "direct" }, `pathCompare.paths[1].name: duplicate path name "direct"`},
		{"bad policy", func(s *Scenario) { s.PathCompare.Paths[1].ExternalTrafficPolicy = "Node" }, "pathCompare.paths[1].externalTrafficPolicy: must be Cluster or Local"},
		{"policy on direct", func(s *Scenario) { s.PathCompare.Paths[0].ExternalTrafficPolicy = TrafficLocal }, "pathCompare.paths[0].externalTrafficPolicy: only with path nodePort"},
		{"stack path set", func(s *Scenario) { s.Stack.LB.Path = PathNodePort }, "stack.lb.path: leave it unset in a pathCompare scenario"},
		{"faults", func(s *Scenario) { s.Faults = []Fault{{Name: "k", Kind: FaultPodKill, Target: "all"}} }, "pathCompare: compares healthy stacks"},
		{"rounds", func(s *Scenario) { s.PathCompare.Rounds = 11 }, "pathCompare.rounds: must be between 1 and 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pathScenario()
			tt.modify(s)
			if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}
