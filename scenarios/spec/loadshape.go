package spec

import (
	"cmp"
	"fmt"
	"time"
)

// Values of Load.Shape and LoadPhase.Shape ("" is constant).
const (
	ShapeConstant = "constant"
	ShapeRamp     = "ramp"
	ShapeSteps    = "steps"
)

// Values of Load.LBPolicy ("" is spread).
const (
	LBPolicySpread   = "spread"
	LBPolicyFailover = "failover"
)

// Values of Load.Connection ("" is keep-alive).
const (
	ConnectionKeepAlive = "keep-alive"
	ConnectionClose     = "close"
)

// Values of LoadTLS.Key.
const (
	KeyRSA   = "rsa"
	KeyECDSA = "ecdsa"
)

// LoadPhase is one phase of a phased load: a rate shape for a duration.
// Its requests carry the phase's index in the ledger.
type LoadPhase struct {
	Name string `yaml:"name,omitempty"`
	// Shape, Rate, From, Step and Steps mean what they mean on Load.
	Shape    string   `yaml:"shape,omitempty"`
	Rate     int      `yaml:"rate"`
	From     int      `yaml:"from,omitempty"`
	Step     int      `yaml:"step,omitempty"`
	Steps    int      `yaml:"steps,omitempty"`
	Duration Duration `yaml:"duration"`
}

// LoadTLS is how the client speaks TLS to the load balancers. The client
// verifies the gateway against the harness's own CA, never insecurely.
type LoadTLS struct {
	Enabled bool `yaml:"enabled,omitempty"`
	// Resumption lets reconnects resume TLS sessions (a client session
	// cache); off, every connection does a full handshake.
	Resumption bool `yaml:"resumption,omitempty"`
	// HTTP2 negotiates h2 by ALPN; it needs connection keep-alive.
	HTTP2 bool `yaml:"http2,omitempty"`
	// Key is the gateway certificate's key type: rsa (RSA-2048) or ecdsa
	// (P-256, the default).
	Key string `yaml:"key,omitempty"`
}

// maxPhases: a ledger record holds the phase index in a byte.
const maxPhases = 255

// defaultLoadShape fills the shape defaults: with phases, Duration is
// their total and Rate their peak when unset; TLS key ecdsa when
// enabled. LBPolicy and Connection stay "" when unset, read as spread
// and keep-alive.
func (l *Load) defaultLoadShape() {
	if len(l.Phases) > 0 {
		var total Duration
		peak := 0
		for _, p := range l.Phases {
			total += p.Duration
			peak = max(peak, p.peakRate())
		}
		def(&l.Duration, total)
		def(&l.Rate, peak)
	}
	if l.TLS.Enabled {
		def(&l.TLS.Key, KeyECDSA)
	}
}

// peakRate is the highest rate the phase reaches.
func (p LoadPhase) peakRate() int {
	switch p.Shape {
	case ShapeRamp:
		return max(p.From, p.Rate)
	case ShapeSteps:
		return max(p.Rate, p.Rate+(p.Steps-1)*p.Step)
	}
	return p.Rate
}

// loadShape checks the shape, phases, LB policy, connection and TLS fields.
func (c *checker) loadShape(l *Load) {
	c.rateShape("load", LoadPhase{Shape: l.Shape, Rate: l.Rate, From: l.From, Step: l.Step, Steps: l.Steps, Duration: l.Duration})
	if len(l.Phases) > 0 {
		if l.Shape != "" && l.Shape != ShapeConstant {
			c.failf("load.shape", "must be empty or %s with phases (each phase has its own shape)", ShapeConstant)
		}
		if len(l.Phases) > maxPhases {
			c.failf("load.phases", "at most %d phases", maxPhases)
		}
		var total Duration
		for i, p := range l.Phases {
			path := fmt.Sprintf("load.phases[%d]", i)
			if p.Duration.D() < 100*time.Millisecond {
				c.failf(path+".duration", "must be >= 100ms")
			}
			total += p.Duration
			c.rateShape(path, p)
		}
		if l.Duration != total {
			c.failf("load.duration", "must be the phases' total %s (or unset)", total)
		}
	}
	switch l.LBPolicy {
	case "", LBPolicySpread, LBPolicyFailover:
	default:
		c.failf("load.lbPolicy", "must be %s or %s", LBPolicySpread, LBPolicyFailover)
	}
	switch l.Connection {
	case "", ConnectionKeepAlive, ConnectionClose:
	default:
		c.failf("load.connection", "must be %s or %s", ConnectionKeepAlive, ConnectionClose)
	}
	t := l.TLS
	switch {
	case !t.Enabled && (t.Resumption || t.HTTP2 || t.Key != ""):
		c.failf("load.tls.enabled", "must be true when resumption, http2 or key is set")
	case t.Enabled && t.Key != KeyRSA && t.Key != KeyECDSA:
		c.failf("load.tls.key", "must be %s or %s", KeyRSA, KeyECDSA)
	}
	if t.HTTP2 && l.Connection == ConnectionClose {
		c.failf("load.tls.http2", "needs load.connection %s (HTTP/2 multiplexes over kept connections)", ConnectionKeepAlive)
	}
}

// rateShape checks one shape's rate fields at path (load or a phase).
// Phases may have rate 0 (a pause); the load's own rate is checked by load.
func (c *checker) rateShape(path string, p LoadPhase) {
	phase := path != "load"
	rate := func(field string, v, lo int) {
		if phase || field != "rate" {
			c.between(path+"."+field, v, lo, 100000)
		}
	}
	notUsed := func(field string, v int) {
		if v != 0 {
			c.failf(path+"."+field, "not used by shape %s", cmp.Or(p.Shape, ShapeConstant))
		}
	}
	switch p.Shape {
	case "", ShapeConstant:
		rate("rate", p.Rate, 0)
		notUsed("from", p.From)
		notUsed("step", p.Step)
		notUsed("steps", p.Steps)
	case ShapeRamp:
		rate("rate", p.Rate, 0)
		rate("from", p.From, 0)
		if p.From+p.Rate == 0 {
			c.failf(path+".rate", "a ramp from 0 to 0 sends nothing")
		}
		notUsed("step", p.Step)
		notUsed("steps", p.Steps)
	case ShapeSteps:
		rate("rate", p.Rate, 0)
		c.between(path+".steps", p.Steps, 1, 1000)
		if last := p.Rate + (p.Steps-1)*p.Step; p.Steps >= 1 && (last < 0 || last > 100000) {
			c.failf(path+".step", "the last step's rate %d must be between 0 and 100000", last)
		}
		notUsed("from", p.From)
	default:
		c.failf(path+".shape", "must be %s, %s or %s", ShapeConstant, ShapeRamp, ShapeSteps)
	}
}
