package spec

import (
	"strings"
	"testing"
)

// tlsScenario is a valid tlsCompare scenario built in code.
func tlsScenario() *Scenario {
	s := &Scenario{
		Name:  "tls",
		Stack: StackProfile{Zones: 1, NodesPerZone: 1, LoadBalancers: 1, Gateway: GatewayProfile{CPULimit: 0.25, TLS: GatewayTLS{Enabled: true}}},
		Load:  Load{Rate: 100, Duration: sec(10), Connection: ConnectionClose, TLS: LoadTLS{Enabled: true}},
		TLSCompare: &TLSCompare{
			Pairs:    []TLSPair{{Key: KeyRSA, Baseline: TLSProfile{Name: "RSA-2048"}, Accelerated: TLSProfile{Name: "ECDSA P-256", Key: KeyECDSA}}},
			Capacity: &CapacitySearch{Start: 50, Max: 1000, Step: sec(4)},
		},
		SLOs: []SLO{{Kind: SLOTLSSpeedup}},
	}
	s.Defaults()
	return s
}

func TestTLSDefaults(t *testing.T) {
	s := tlsScenario()
	if s.Stack.Gateway.TLS.Key != KeyECDSA || s.Load.TLS.Key != KeyECDSA {
		t.Errorf("keys %q/%q, want ecdsa for both", s.Stack.Gateway.TLS.Key, s.Load.TLS.Key)
	}
	p := s.TLSCompare.Pairs[0]
	if p.Baseline.Key != KeyRSA || p.Accelerated.Key != KeyECDSA {
		t.Errorf("profile keys %q/%q, want rsa (the pair's) and ecdsa (its own)", p.Baseline.Key, p.Accelerated.Key)
	}
	if s.TLSCompare.Rounds != 1 {
		t.Errorf("rounds %d, want 1", s.TLSCompare.Rounds)
	}
	if s.SLOs[0].Min != DefaultTLSSpeedup {
		t.Errorf("tlsSpeedup min %v, want %v", s.SLOs[0].Min, DefaultTLSSpeedup)
	}
	if c := s.TLSCompare.Capacity; c.Factor != 2 || c.Precision != 0.05 || c.Repeats != 2 || c.MaxSteps != 20 {
		t.Errorf("capacity defaults %+v", c)
	}
	// The client's key follows an RSA gateway.
	r := &Scenario{Stack: StackProfile{Gateway: GatewayProfile{TLS: GatewayTLS{Enabled: true, Key: KeyRSA}}}, Load: Load{TLS: LoadTLS{Enabled: true}}}
	r.Defaults()
	if r.Load.TLS.Key != KeyRSA {
		t.Errorf("load.tls.key %q, want rsa (the gateway's)", r.Load.TLS.Key)
	}
	if err := tlsScenario().Validate(); err != nil {
		t.Errorf("valid tls scenario: %v", err)
	}
}

func TestValidateTLS(t *testing.T) {
	tests := []struct {
		name   string
		modify func(s *Scenario)
		want   string
	}{
		{"gateway tls off with a key", func(s *Scenario) {
			s.TLSCompare, s.SLOs = nil, []SLO{{Kind: SLOZeroLoss}}
			s.Stack.Gateway.TLS.Enabled, s.Load.TLS = false, LoadTLS{}
			s.Load.Connection = ""
		}, "stack.gateway.tls.enabled: must be true when key, sessionCache or sessionTickets is set"},
		{"bad gateway key", func(s *Scenario) { s.Stack.Gateway.TLS.Key = "dsa" }, "stack.gateway.tls.key: must be rsa or ecdsa"},
		{"client key differs", func(s *Scenario) { s.Load.TLS.Key = KeyRSA },
			"load.tls.key: must match stack.gateway.tls.key (ecdsa): it names the gateway's certificate"},
		{"keep-alive load", func(s *Scenario) { s.Load.Connection = ConnectionKeepAlive }, "load.connection: must be close for tlsCompare"},
		{"client resumption", func(s *Scenario) { s.Load.TLS.Resumption = true }, "load.tls.resumption: must be false for tlsCompare"},
		{"no speedup slo", func(s *Scenario) { s.SLOs = []SLO{{Kind: SLOZeroLoss, Window: WindowRun}} }, "slos: tlsCompare needs a tlsSpeedup SLO"},
		{"speedup without compare", func(s *Scenario) { s.TLSCompare = nil }, "slos: tlsSpeedup needs a tlsCompare section"},
		{"no pairs", func(s *Scenario) { s.TLSCompare.Pairs = nil }, "tlsCompare.pairs: at least one pair required"},
		{"unnamed profile", func(s *Scenario) { s.TLSCompare.Pairs[0].Accelerated.Name = "" },
			"tlsCompare.pairs[0].accelerated.name: required: say what the configuration is"},
		{"bad pair key", func(s *Scenario) { s.TLSCompare.Pairs[0].Key = "ed25519" }, "tlsCompare.pairs[0].key: must be rsa or ecdsa"},
		{"capacity without cpu limit", func(s *Scenario) { s.Stack.Gateway.CPULimit = 0 }, "tlsCompare.capacity: needs stack.gateway.cpuLimit"},
		{"speedup min", func(s *Scenario) { s.SLOs[0].Min = -1 }, "slos[0].min: must be a factor in (0, 100]"},
		{"speedup takes no window", func(s *Scenario) { s.SLOs[0].Window = WindowRun }, "slos[0].window: not used by tlsSpeedup"},
		{"faults", func(s *Scenario) { s.Faults = []Fault{{Name: "k", Kind: FaultPodKill}} }, "faults: tlsCompare measures a healthy stack"},
		{"capacity step", func(s *Scenario) { s.TLSCompare.Capacity.Step = sec(0) }, "tlsCompare.capacity.step: must be >= 1s"},
		{"capacity max below start", func(s *Scenario) { s.TLSCompare.Capacity.Max = 10 }, "tlsCompare.capacity.max: must be between start (50) and 100000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tlsScenario()
			tt.modify(s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestValidateCapacityScenario(t *testing.T) {
	s := valid()
	s.Capacity = &CapacitySearch{Start: 500, Max: 20000, Step: sec(5)}
	s.Defaults()
	if err := s.Validate(); err != nil {
		t.Fatalf("valid capacity scenario: %v", err)
	}
	s.Capacity.Precision, s.Capacity.Repeats = 1.5, 0
	err := s.Validate()
	for _, want := range []string{"capacity.precision: must be in (0, 1)", "capacity.repeats: must be between 1 and 10"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
}

func TestForTLSProfile(t *testing.T) {
	s := tlsScenario()
	s.SLOs = append(s.SLOs, SLO{Kind: SLOAvailability, Min: 0.999, Window: WindowRun})
	yes := true
	pair := TLSPair{Key: KeyRSA, ClientResumption: true}
	p := TLSProfile{Name: "tickets", Key: KeyRSA, SessionTickets: &yes, WorkerProcesses: 2, CPULimit: 0.5}
	out := s.ForTLSProfile(pair, p, true)
	g := out.Stack.Gateway
	if g.TLS.Key != KeyRSA || !g.TLS.SessionTickets || g.TLS.SessionCache || g.WorkerProcesses != 2 || g.CPULimit != 0.5 {
		t.Errorf("gateway %+v", g)
	}
	if out.Load.TLS.Key != KeyRSA || !out.Load.TLS.Resumption || out.Load.Connection != ConnectionKeepAlive {
		t.Errorf("load %+v", out.Load)
	}
	if out.TLSCompare != nil || len(out.SLOs) != 1 || out.SLOs[0].Kind != SLOAvailability {
		t.Errorf("compare %v, slos %+v: want no compare and no tlsSpeedup", out.TLSCompare, out.SLOs)
	}
	if s.Stack.Gateway.TLS.Key != KeyECDSA || len(s.SLOs) != 2 {
		t.Error("ForTLSProfile changed the original scenario")
	}
}

// mbScenario is tlsScenario as a multi-buffer comparison: asynch-nginx on
// both sides, the accelerated one with the multibuffer engine.
func mbScenario() *Scenario {
	s := tlsScenario()
	s.Stack.Gateway.Server = ServerAsynchNginx
	s.TLSCompare.Pairs = []TLSPair{{Key: KeyRSA,
		Baseline:    TLSProfile{Name: "RSA-2048 software", Accelerator: AcceleratorNone},
		Accelerated: TLSProfile{Name: "RSA-2048 multi-buffer", Accelerator: AcceleratorMultiBuffer}}}
	s.Defaults()
	return s
}

func TestMultibuffer(t *testing.T) {
	if tlsScenario().NeedsMultibuffer() {
		t.Error("a stock-nginx comparison needs the multi-buffer build")
	}
	s := mbScenario()
	if err := s.Validate(); err != nil {
		t.Fatalf("valid multi-buffer scenario: %v", err)
	}
	if !s.NeedsMultibuffer() {
		t.Error("a multibuffer profile does not need the build")
	}
	p := s.TLSCompare.Pairs[0]
	base, acc := s.ForTLSProfile(p, p.Baseline, false), s.ForTLSProfile(p, p.Accelerated, false)
	if base.Stack.Gateway.TLS.Multibuffer() || !acc.Stack.Gateway.TLS.Multibuffer() {
		t.Errorf("accelerators %q/%q, want none/multibuffer", base.Stack.Gateway.TLS.Accelerator, acc.Stack.Gateway.TLS.Accelerator)
	}
	for _, side := range []*Scenario{base, acc} {
		if g := side.Stack.Gateway; g.Server != ServerAsynchNginx || g.CPULimit != 0.25 || g.WorkerProcesses != 1 || g.TLS.Key != KeyRSA {
			t.Errorf("%s: server %q cpu %v workers %d key %q: the sides must differ only in the accelerator", side.Name, g.Server, g.CPULimit, g.WorkerProcesses, g.TLS.Key)
		}
	}
	// The plain gateway with the server alone needs the build too.
	g := &Scenario{Stack: StackProfile{Gateway: GatewayProfile{Server: ServerAsynchNginx}}}
	if !g.NeedsMultibuffer() {
		t.Error("server asynch-nginx does not need the build")
	}
}

func TestValidateMultibuffer(t *testing.T) {
	tests := []struct {
		name   string
		modify func(s *Scenario)
		want   string
	}{
		{"unknown server", func(s *Scenario) { s.Stack.Gateway.Server = "envoy" }, "stack.gateway.server: must be nginx or asynch-nginx"},
		{"unknown accelerator", func(s *Scenario) { s.TLSCompare.Pairs[0].Accelerated.Accelerator = "qat" },
			"tlsCompare.pairs[0].accelerated.accelerator: must be none or multibuffer"},
		{"multibuffer on stock nginx", func(s *Scenario) { s.Stack.Gateway.Server = "" },
			"tlsCompare.pairs[0].accelerated.accelerator: multibuffer needs stack.gateway.server asynch-nginx"},
		{"gateway multibuffer on stock nginx", func(s *Scenario) {
			s.Stack.Gateway.Server = ServerNginx
			s.Stack.Gateway.TLS.Accelerator = AcceleratorMultiBuffer
		}, "stack.gateway.server: must be asynch-nginx for accelerator multibuffer"},
		{"gateway multibuffer without tls", func(s *Scenario) {
			s.TLSCompare, s.SLOs = nil, []SLO{{Kind: SLOZeroLoss}}
			s.Load = Load{Rate: 10, Duration: sec(5)}
			s.Defaults()
			s.Stack.Gateway.TLS = GatewayTLS{Accelerator: AcceleratorMultiBuffer}
		}, "stack.gateway.tls.enabled: must be true when accelerator is multibuffer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mbScenario()
			tc.modify(s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
