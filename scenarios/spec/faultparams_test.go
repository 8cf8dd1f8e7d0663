package spec

import (
	"strings"
	"testing"
)

func TestValidateFaultParams(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		want  string // "" for valid
	}{
		{"pod-kill one replica", Fault{Kind: FaultPodKill, Target: "z1n2-gw0"}, ""},
		{"node-kill", Fault{Kind: FaultNodeKill, Node: "z2n1", Duration: sec(3)}, ""},
		{"node-drain", Fault{Kind: FaultNodeDrain, Node: "z1n1"}, ""},
		{"zone-outage default mode", Fault{Kind: FaultZoneOutage, Zone: "z2"}, ""},
		{"zone-outage isolate", Fault{Kind: FaultZoneOutage, Zone: "z1", Mode: ModeIsolate}, ""},
		{"lb-kill blackhole", Fault{Kind: FaultLBKill, LB: "lb2", Mode: ModeBlackhole}, ""},
		{"lb-drain", Fault{Kind: FaultLBDrain, LB: "lb1"}, ""},
		{"partition", Fault{Kind: FaultPartition, Zone: "z2"}, ""},
		{"scale in", Fault{Kind: FaultScale, Replicas: 2}, ""},
		{"node-kill without node", Fault{Kind: FaultNodeKill}, "faults[0].node: required by node-kill (e.g. z1n1)"},
		{"node beyond topology", Fault{Kind: FaultNodeKill, Node: "z1n3"},
			"faults[0].node: node z1n3 does not exist (zones 2, nodesPerZone 2)"},
		{"malformed node", Fault{Kind: FaultNodeDrain, Node: "node1"}, "faults[0].node: must be a node name such as z1n2"},
		{"zone beyond topology", Fault{Kind: FaultPartition, Zone: "z3"}, "faults[0].zone: zone z3 does not exist (zones 2)"},
		{"zone-outage bad mode", Fault{Kind: FaultZoneOutage, Zone: "z1", Mode: ModeRefused},
			"faults[0].mode: must be one of kill, isolate"},
		{"lb beyond topology", Fault{Kind: FaultLBKill, LB: "lb3"}, "faults[0].lb: load balancer lb3 does not exist (loadBalancers 2)"},
		{"lb-drain without lb", Fault{Kind: FaultLBDrain}, "faults[0].lb: required by lb-drain (e.g. lb1)"},
		{"mode on a kind without modes", Fault{Kind: FaultLBDrain, LB: "lb1", Mode: ModeKill}, "faults[0].mode: not used by lb-drain"},
		{"zone on node-kill", Fault{Kind: FaultNodeKill, Node: "z1n1", Zone: "z1"}, "faults[0].zone: not used by node-kill"},
		{"target on zone-outage", Fault{Kind: FaultZoneOutage, Zone: "z1", Target: "all"}, "faults[0].target: not used by zone-outage"},
		{"scale beyond provisioned", Fault{Kind: FaultScale, Replicas: 5},
			"faults[0].replicas: must be at most the 4 provisioned replicas (zones × nodesPerZone × gatewaysPerNode)"},
		{"scale without replicas", Fault{Kind: FaultScale}, "faults[0].replicas: must be >= 1"},
		{"replicas on pod-kill", Fault{Kind: FaultPodKill, Replicas: 1}, "faults[0].replicas: not used by pod-kill"},
		{"negative duration", Fault{Kind: FaultNodeKill, Node: "z1n1", Duration: -1}, "faults[0].duration: must be >= 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			s.Faults = []Fault{tt.fault}
			s.Defaults()
			got := ""
			if err := s.Validate(); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestFaultModeDefaults(t *testing.T) {
	s := valid()
	s.Faults = []Fault{{Kind: FaultZoneOutage, Zone: "z1"}, {Kind: FaultLBKill, LB: "lb1"}, {Kind: FaultPodKill}}
	s.Defaults()
	got := []string{s.Faults[0].Mode, s.Faults[1].Mode, s.Faults[2].Mode}
	if want := []string{ModeKill, ModeRefused, ""}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("modes %q, want %q", got, want)
	}
}

func TestValidateStackFaultKnobs(t *testing.T) {
	s := valid()
	s.Stack.Gateway.CPULimit = 0.001
	s.Stack.LB.DrainTimeout = -1
	s.Stack.Gateway.UpstreamTimeout = -1
	want := strings.Join([]string{
		"stack.gateway.cpuLimit: must be at least 0.01 cores (or 0: unlimited)",
		"stack.gateway.upstreamTimeout: must be > 0",
		"stack.lb.drainTimeout: must be >= 0",
	}, "\n")
	got := ""
	if err := s.Validate(); err != nil {
		got = err.Error()
	}
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
