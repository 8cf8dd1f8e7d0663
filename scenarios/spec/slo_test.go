package spec

import (
	"strings"
	"testing"
	"time"
)

func TestSLODefaults(t *testing.T) {
	s := valid()
	s.Faults = []Fault{{Kind: FaultPodTerminate, At: sec(2)}}
	s.SLOs = []SLO{{Kind: SLOLatency, Quantile: 0.99, Max: Duration(time.Second)}, {Kind: SLOMaxFailover, Max: sec(5)}, {Kind: SLOReconciliation}}
	s.Defaults()
	if s.SLOs[0].Window != WindowRun {
		t.Errorf("latency window = %q, want run", s.SLOs[0].Window)
	}
	if s.SLOs[1].Steady != DefaultSteady || s.SLOs[1].Window != "" {
		t.Errorf("maxFailover = %+v, want steady 1s and no window", s.SLOs[1])
	}
	if s.SLOs[2].Window != "" {
		t.Errorf("reconciliation window = %q, want none", s.SLOs[2].Window)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("defaulted scenario: %v", err)
	}
}

func TestValidateSLOs(t *testing.T) {
	kill := Fault{Name: "kill", Kind: FaultPodTerminate, At: sec(2), Target: "z1n1-gw0"}
	all := Fault{Name: "roll", Kind: FaultRollingRestart, At: sec(2), MaxUnavailable: 1}
	tests := []struct {
		name   string
		faults []Fault
		slo    SLO
		want   string
	}{
		{"every kind's happy case", []Fault{kill}, SLO{Kind: SLOLatency, Quantile: 0.99, Max: sec(0.05), Window: WindowAfter, Fault: "kill", Settle: sec(1)}, ""},
		{"maxFailover", []Fault{kill}, SLO{Kind: SLOMaxFailover, Max: sec(3), Steady: sec(2)}, ""},
		{"throughput", []Fault{kill}, SLO{Kind: SLOThroughput, Min: 0.9, Window: WindowDuring}, ""},
		{"servedBy targeted", []Fault{kill}, SLO{Kind: SLOServedBy, Grace: sec(1), Tolerance: 0.1}, ""},
		{"servedBy balance only", nil, SLO{Kind: SLOServedBy, Tolerance: 0.1}, ""},
		{"errorBudget", []Fault{kill}, SLO{Kind: SLOErrorBudget, Budget: 3, Settle: sec(1)}, ""},
		{"reconciliation", nil, SLO{Kind: SLOReconciliation, AllowDuplicates: 2}, ""},
		{"latency needs quantile and max", nil, SLO{Kind: SLOLatency, Window: WindowRun},
			"slos[0].max: must be > 0\nslos[0].quantile: must be in (0, 1), e.g. 0.99 for p99"},
		{"param not used", nil, SLO{Kind: SLOZeroLoss, Window: WindowRun, Max: sec(1), Tolerance: 0.5},
			"slos[0].max: not used by zeroLoss\nslos[0].tolerance: not used by zeroLoss"},
		{"bad window", []Fault{kill}, SLO{Kind: SLOZeroLoss, Window: "later"}, "slos[0].window: must be run, before, during or after"},
		{"fault window without faults", nil, SLO{Kind: SLOAvailability, Min: 0.9, Window: WindowDuring},
			"slos[0].window: window during needs a fault to be relative to"},
		{"unknown fault", []Fault{kill}, SLO{Kind: SLOMaxFailover, Max: sec(1), Fault: "nope", Steady: sec(1)},
			`slos[0].fault: no fault named "nope" in faults`},
		{"fault on run window", []Fault{kill}, SLO{Kind: SLOZeroLoss, Window: WindowRun, Fault: "kill"},
			"slos[0].fault: needs a fault window (window before, during or after)"},
		{"settle before", []Fault{kill}, SLO{Kind: SLOZeroLoss, Window: WindowBefore, Settle: sec(1)},
			"slos[0].settle: needs window during or after"},
		{"per fault without faults", nil, SLO{Kind: SLOMaxFailover, Max: sec(1), Steady: sec(1)},
			"slos[0].kind: maxFailover is judged per fault: the scenario has no faults"},
		{"servedBy on untargeted fault", []Fault{all}, SLO{Kind: SLOServedBy, Fault: "roll"},
			`slos[0].fault: fault "roll" takes out no specific zone, node, replica or load balancer`},
		{"servedBy no targeted fault", []Fault{all}, SLO{Kind: SLOServedBy},
			"slos[0].kind: servedBy needs a fault that takes out a zone, node, replica or load balancer, or a tolerance"},
		{"negatives", []Fault{kill}, SLO{Kind: SLOErrorBudget, Budget: -1, Settle: -1},
			"slos[0].budget: must be >= 0\nslos[0].settle: must be >= 0"},
		{"tolerance range", []Fault{kill}, SLO{Kind: SLOServedBy, Tolerance: 1}, "slos[0].tolerance: must be in [0, 1)"},
		{"allowances", nil, SLO{Kind: SLOReconciliation, AllowPhantoms: -1}, "slos[0].allowPhantoms: must be >= 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			s.Faults = tt.faults
			s.SLOs = []SLO{tt.slo}
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

func TestDecodeSLOParams(t *testing.T) {
	src := `name: x
stack: {zones: 1, nodesPerZone: 1}
load: {rate: 10, duration: 10s}
faults:
  - {kind: pod-terminate, at: 2s, target: z1n1-gw0}
slos:
  - kind: latency
    quantile: 0.99
    max: 1s
    window: during
    settle: nope
`
	_, err := Decode("x.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), `x.yaml:11: slos[0].settle: invalid duration "nope"`) {
		t.Errorf("err = %v, want a located settle problem", err)
	}
}
