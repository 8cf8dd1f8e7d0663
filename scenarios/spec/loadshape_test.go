package spec

import (
	"strings"
	"testing"
)

func TestDecodeLoadShape(t *testing.T) {
	s, err := Decode("phased.yaml", []byte(`
name: phased
stack: {zones: 1, nodesPerZone: 1}
load:
  phases:
    - {name: warm-up, shape: ramp, from: 0, rate: 200, duration: 10s}
    - {name: steady, rate: 200, duration: 30s}
    - {name: climb, shape: steps, rate: 200, step: 100, steps: 3, duration: 15s}
  lbPolicy: failover
  connection: close
  tls: {enabled: true, resumption: true}
slos: [{kind: zeroLoss}]
`))
	if err != nil {
		t.Fatal(err)
	}
	l := s.Load
	if l.Duration != sec(55) || l.Rate != 400 || len(l.Phases) != 3 || l.Phases[2].Steps != 3 || l.Phases[0].From != 0 {
		t.Errorf("load %+v", l)
	}
	if l.LBPolicy != LBPolicyFailover || l.Connection != ConnectionClose || !l.TLS.Resumption || l.TLS.Key != KeyECDSA {
		t.Errorf("policy %q connection %q tls %+v", l.LBPolicy, l.Connection, l.TLS)
	}
}

func TestValidateLoadShape(t *testing.T) {
	tests := []struct {
		name   string
		modify func(l *Load)
		want   string // "" for valid
	}{
		{"ramp", func(l *Load) { l.Shape, l.From = ShapeRamp, 100 }, ""},
		{"steps", func(l *Load) { l.Shape, l.Step, l.Steps = ShapeSteps, 10, 5 }, ""},
		{"tls http2", func(l *Load) { l.TLS = LoadTLS{Enabled: true, HTTP2: true, Key: KeyRSA} }, ""},
		{"unknown shape", func(l *Load) { l.Shape = "sine" }, "load.shape: must be constant, ramp or steps"},
		{"from on constant", func(l *Load) { l.From = 5 }, "load.from: not used by shape constant"},
		{"ramp 0 to 0 in a phase", func(l *Load) {
			l.Phases = []LoadPhase{{Shape: ShapeRamp, Duration: sec(10)}}
		}, "load.phases[0].rate: a ramp from 0 to 0 sends nothing"},
		{"steps past the limit", func(l *Load) { l.Shape, l.Step, l.Steps = ShapeSteps, 50000, 3 },
			"load.step: the last step's rate 100010 must be between 0 and 100000"},
		{"phases and shape", func(l *Load) {
			l.Shape, l.From = ShapeRamp, 1
			l.Phases = []LoadPhase{{Rate: 10, Duration: sec(10)}}
		}, "load.shape: must be empty or constant with phases (each phase has its own shape)"},
		{"phase durations", func(l *Load) {
			l.Phases = []LoadPhase{{Rate: 10, Duration: sec(4)}, {Rate: 0, Duration: sec(0.05)}}
		}, strings.Join([]string{
			"load.duration: must be the phases' total 4.05s (or unset)",
			"load.phases[1].duration: must be >= 100ms",
		}, "\n")},
		{"policy and connection", func(l *Load) { l.LBPolicy, l.Connection = "random", "sometimes" }, strings.Join([]string{
			"load.connection: must be keep-alive or close",
			"load.lbPolicy: must be spread or failover",
		}, "\n")},
		{"tls options without tls", func(l *Load) { l.TLS.HTTP2 = true }, "load.tls.enabled: must be true when resumption, http2 or key is set"},
		{"http2 without keep-alive", func(l *Load) {
			l.TLS = LoadTLS{Enabled: true, HTTP2: true, Key: KeyECDSA}
			l.Connection = ConnectionClose
		}, "load.tls.http2: needs load.connection keep-alive (HTTP/2 multiplexes over kept connections)"},
		{"bad key", func(l *Load) { l.TLS = LoadTLS{Enabled: true, Key: "dsa"} }, "load.tls.key: must be rsa or ecdsa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.modify(&s.Load)
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
