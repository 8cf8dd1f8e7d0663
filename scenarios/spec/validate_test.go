package spec

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// badScenarios maps each file in testdata/bad/ to the exact error that
// decoding and validating it must give.
var badScenarios = map[string]string{
	"unknown-field": `unknown-field.yaml:7: stack.gateway.stopSignl: unknown field`,

	"bad-duration": `bad-duration.yaml:6: stack.gateway.preStop: invalid duration "5" (want e.g. "500ms", "5s")`,

	"wrong-type": `wrong-type.yaml:3: stack.zones: want an integer, got "two"`,

	"syntax-error": `syntax-error.yaml:4: syntax error: did not find expected ',' or ']'`,

	"two-documents": `two-documents.yaml:10: second YAML document: want one scenario per file`,

	"not-a-mapping": `not-a-mapping.yaml:1: want a mapping of fields, got a list`,

	"several-decode-problems": `several-decode-problems.yaml:6: stack.gateway.readinessDrain: want true or false, got "yes"
several-decode-problems.yaml:7: stack.gateway.terminationGracePeriod: invalid duration "30" (want e.g. "500ms", "5s")
several-decode-problems.yaml:9: stack.lb.healthCheck: want a mapping of fields, got "500ms"
several-decode-problems.yaml:11: load.rate: want an integer, got "1.5"
several-decode-problems.yaml:13: load.duration: duplicate field (first at line 12)
several-decode-problems.yaml:14: load.burst: unknown field
several-decode-problems.yaml:16: faults: want a list, got a mapping`,

	"missing-name": `missing-name.yaml:1: name: required`,

	// A missing section is one problem at the scenario's first field, not
	// each of its fields out of range with no line; the fault's replica is
	// not checked against a topology that is not there.
	"missing-stack": `missing-stack.yaml:1: stack: required section is missing: the topology to stand up, e.g. stack: {zones: 2, nodesPerZone: 2}`,

	"missing-load": `missing-load.yaml:2: load: required section is missing: the load to drive, e.g. load: {rate: 100, duration: 30s}`,

	"missing-nodes-per-zone": `missing-nodes-per-zone.yaml:2: stack.nodesPerZone: required (between 1 and 9)
missing-nodes-per-zone.yaml:4: load.duration: required (at least 1s)`,

	"negative-fault-at": `negative-fault-at.yaml:12: faults[1].at: must be >= 0`,

	"fault-beyond-duration": `fault-beyond-duration.yaml:10: faults[0].at: must be before the end of load (load.duration 30s)`,

	"unknown-fault-kind": `unknown-fault-kind.yaml:9: faults[0].kind: unknown fault kind "node-reboot" (known: pod-terminate, rolling-restart, pod-kill, scale, node-kill, node-drain, zone-outage, lb-kill, lb-drain, partition, region-outage)`,

	"duplicate-fault-names": `duplicate-fault-names.yaml:14: faults[2].name: duplicate fault name "pod-terminate" (first used by faults[0]; name defaults to kind)
duplicate-fault-names.yaml:16: faults[3].name: duplicate fault name "drain" (first used by faults[1])`,

	"missing-replica": `missing-replica.yaml:11: faults[0].target: replica z3n1-gw0 does not exist (zones 2, nodesPerZone 2, gatewaysPerNode 1)
missing-replica.yaml:14: faults[1].target: replica z1n1-gw1 does not exist (zones 2, nodesPerZone 2, gatewaysPerNode 1)`,

	"bad-target": `bad-target.yaml:11: faults[0].target: must be "all" or a replica name such as z1n1-gw0`,

	"bad-stop-signal": `bad-stop-signal.yaml:6: stack.gateway.stopSignal: must be SIGQUIT or SIGTERM`,

	"policy-with-direct": `policy-with-direct.yaml:7: stack.lb.externalTrafficPolicy: only with path nodePort: the direct path has no node hop to apply it to`,

	"unknown-slo-kind": `unknown-slo-kind.yaml:10: slos[1].kind: unknown slo kind "p99Latency" (known: zeroLoss, availability, maxFailover, latency, throughput, servedBy, errorBudget, reconciliation, tlsSpeedup)`,

	"flagged-by": `flagged-by.yaml:3: flaggedBy: only a negative control (expect: fail) is flagged for a reason
flagged-by.yaml:3: flaggedBy.class: "EOF!": want a failure class such as eof or connect-refused, or stalled
flagged-by.yaml:3: flaggedBy.slo: "maxFailover" is not one of the scenario's slos`,

	"no-slos": `no-slos.yaml:8: slos: at least one SLO required`,

	"availability-min": `availability-min.yaml:9: slos[0].min: must be in (0, 1]
availability-min.yaml:11: slos[1].min: must be in (0, 1]
availability-min.yaml:13: slos[2].min: not used by zeroLoss`,

	"several-problems": `several-problems.yaml:1: name: must be a slug: lower-case letters, digits and '-', not starting with '-'
several-problems.yaml:2: expect: must be pass or fail
several-problems.yaml:4: stack.zones: must be between 1 and 9
several-problems.yaml:6: stack.gatewaysPerNode: must be between 1 and 4
several-problems.yaml:8: stack.gateway.preStop: must be >= 0
several-problems.yaml:9: stack.gateway.keepaliveRequests: must be >= 1
several-problems.yaml:12: stack.lb.healthCheck.interval: must be >= 100ms
several-problems.yaml:14: load.rate: must be between 1 and 100000
several-problems.yaml:15: load.duration: must be >= 1s
several-problems.yaml:16: load.method: must be GET, POST or PUT
several-problems.yaml:17: load.backendDelay: must be less than load.timeout (10s)
several-problems.yaml:22: faults[0].maxUnavailable: must be >= 1
several-problems.yaml:25: slos[0].min: must be in (0, 1]
several-problems.yaml:27: slos[1].min: not used by zeroLoss`,
}

func TestBadScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := badScenarios[name]
			if !ok {
				t.Fatalf("%s has no expected error in badScenarios", file)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Decode(filepath.Base(file), data)
			if err == nil {
				err = s.Validate()
			}
			if err == nil {
				t.Fatalf("no error, want:\n%s", want)
			}
			if got := err.Error(); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Errorf("error is %T, want Problems", err)
			}
		})
	}
	for name := range badScenarios {
		if !seen[name] {
			t.Errorf("badScenarios[%q] has no testdata/bad/%s.yaml", name, name)
		}
	}
}

// valid returns a small scenario that passes Validate, built in code.
func valid() *Scenario {
	s := &Scenario{
		Name:  "in-code",
		Stack: StackProfile{Zones: 2, NodesPerZone: 2},
		Load:  Load{Rate: 10, Duration: sec(10)},
		SLOs:  []SLO{{Kind: SLOZeroLoss}},
	}
	s.Defaults()
	return s
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(s *Scenario)
		want   string // "" for valid
	}{
		{"valid", func(*Scenario) {}, ""},
		{"target all", func(s *Scenario) {
			s.Faults = []Fault{{Name: "a", Kind: FaultPodTerminate, Target: TargetAll}}
		}, ""},
		{"last replica", func(s *Scenario) {
			s.Stack.GatewaysPerNode = 3
			s.Faults = []Fault{{Name: "a", Kind: FaultPodTerminate, At: sec(9.9), Target: "z2n2-gw2"}}
		}, ""},
		{"no source: no file or line", func(s *Scenario) { s.Name = "" }, "name: required"},
		{"no source: an empty stack is judged field by field", func(s *Scenario) { s.Stack.Zones, s.Stack.NodesPerZone = 0, 0 },
			"stack.nodesPerZone: must be between 1 and 9\nstack.zones: must be between 1 and 9"},
		{"fault at end of load", func(s *Scenario) {
			s.Faults = []Fault{{Name: "a", Kind: FaultPodTerminate, At: sec(10)}}
		}, "faults[0].at: must be before the end of load (load.duration 10s)"},
		{"missing kind", func(s *Scenario) { s.Faults = []Fault{{Name: "a"}} },
			"faults[0].kind: required (one of pod-terminate, rolling-restart, pod-kill, scale, node-kill, node-drain, zone-outage, lb-kill, lb-drain, partition, region-outage)"},
		{"maxUnavailable on pod-terminate", func(s *Scenario) {
			s.Faults = []Fault{{Name: "a", Kind: FaultPodTerminate, MaxUnavailable: 2}}
		}, "faults[0].maxUnavailable: not used by pod-terminate"},
		{"gateway beyond gatewaysPerNode", func(s *Scenario) {
			s.Faults = []Fault{{Name: "a", Kind: FaultPodTerminate, Target: "z1n1-gw1"}}
		}, "faults[0].target: replica z1n1-gw1 does not exist (zones 2, nodesPerZone 2, gatewaysPerNode 1)"},
		{"backendDelay equal to timeout", func(s *Scenario) { s.Load.BackendDelay = s.Load.Timeout },
			"load.backendDelay: must be less than load.timeout (10s)"},
		{"negatives past defaults", func(s *Scenario) {
			s.Load.Timeout, s.Load.ConnectTimeout, s.Load.IdleTimeout, s.Load.MaxWorkers = -1, -1, -1, -1
			s.Load.BodyBytes = 1<<20 + 1
			s.Stack.LoadBalancers = 5
			s.Stack.LB.Retries = -1
		}, strings.Join([]string{
			"load.bodyBytes: must be between 0 and 1048576",
			"load.connectTimeout: must be > 0",
			"load.idleTimeout: must be > 0",
			"load.maxWorkers: must be >= 1",
			"load.timeout: must be > 0",
			"stack.lb.retries: must be >= 0",
			"stack.loadBalancers: must be between 1 and 4",
		}, "\n")},
		{"zero duration skips the fault-time check", func(s *Scenario) {
			s.Load.Duration = 0
			s.Faults = []Fault{{Name: "a", Kind: FaultPodTerminate, At: sec(5)}}
		}, "load.duration: must be >= 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.modify(s)
			err := s.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestProblemError(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "a.yaml", Line: 14, Path: "faults[0].at", Msg: "must be >= 0"}, "a.yaml:14: faults[0].at: must be >= 0"},
		{Problem{File: "a.yaml", Path: "name", Msg: "required"}, "a.yaml: name: required"},
		{Problem{File: "a.yaml", Line: 3, Msg: "syntax error: x"}, "a.yaml:3: syntax error: x"},
		{Problem{Path: "name", Msg: "required"}, "name: required"},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestReplicas(t *testing.T) {
	tests := []struct {
		zones, nodes, gws int
		want              []string
	}{
		{1, 1, 1, []string{"z1n1-gw0"}},
		{2, 2, 1, []string{"z1n1-gw0", "z1n2-gw0", "z2n1-gw0", "z2n2-gw0"}},
		{1, 2, 2, []string{"z1n1-gw0", "z1n1-gw1", "z1n2-gw0", "z1n2-gw1"}},
		{0, 2, 2, nil},
	}
	for _, tt := range tests {
		s := Scenario{Stack: StackProfile{Zones: tt.zones, NodesPerZone: tt.nodes, GatewaysPerNode: tt.gws}}
		got := s.Replicas()
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%d/%d/%d: got %v, want %v", tt.zones, tt.nodes, tt.gws, got, tt.want)
		}
		for _, r := range got {
			if !s.Stack.hasReplica(r) {
				t.Errorf("hasReplica(%s) = false for a listed replica", r)
			}
		}
	}
}

func TestParseReplica(t *testing.T) {
	tests := []struct {
		name       string
		z, n, g    int
		ok         bool
		roundTrips bool
	}{
		{"z1n1-gw0", 1, 1, 0, true, true},
		{"z9n9-gw9", 9, 9, 9, true, true},
		{"z0n1-gw0", 0, 0, 0, false, false},
		{"z1n1-gw10", 0, 0, 0, false, false},
		{"z1n1", 0, 0, 0, false, false},
		{"all", 0, 0, 0, false, false},
	}
	for _, tt := range tests {
		z, n, g, ok := ParseReplica(tt.name)
		if z != tt.z || n != tt.n || g != tt.g || ok != tt.ok {
			t.Errorf("ParseReplica(%q) = %d, %d, %d, %v", tt.name, z, n, g, ok)
		}
		if tt.roundTrips && ReplicaName(z, n, g) != tt.name {
			t.Errorf("ReplicaName(%d, %d, %d) = %q", z, n, g, ReplicaName(z, n, g))
		}
	}
}

// Overrides can supply a section the file leaves out: the scenario is then
// judged by the values, not by the file's omission.
func TestMissingStackFilledBySet(t *testing.T) {
	data, err := os.ReadFile("testdata/bad/missing-stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Decode("missing-stack.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetAll([]string{"stack.zones=2"}); err != nil {
		t.Fatal(err)
	}
	want := "missing-stack.yaml:1: stack.nodesPerZone: required (between 1 and 9)"
	if err := s.Validate(); err == nil || err.Error() != want {
		t.Fatalf("Validate = %v, want %s", err, want)
	}
	if err := s.SetAll([]string{"stack.nodesPerZone=2"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("Validate after --set stack.zones=2 stack.nodesPerZone=2: %v", err)
	}
}
