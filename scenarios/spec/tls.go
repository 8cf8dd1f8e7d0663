package spec

import (
	"fmt"
	"slices"
	"time"
)

// GatewayTLS makes the gateway terminate TLS (nginx listens with ssl; the
// load balancers stay TCP and pass TLS through, as a cloud L4 LB does).
type GatewayTLS struct {
	Enabled bool `yaml:"enabled,omitempty"`
	// Key is the certificate's key type: rsa (RSA-2048) or ecdsa (P-256,
	// the default).
	Key string `yaml:"key,omitempty"`
	// SessionCache keeps a shared server-side session cache (nginx
	// ssl_session_cache shared), so clients can resume by session id.
	SessionCache bool `yaml:"sessionCache,omitempty"`
	// SessionTickets issues session tickets (nginx ssl_session_tickets),
	// the TLS 1.3 way to resume.
	SessionTickets bool `yaml:"sessionTickets,omitempty"`
	// Accelerator is how the gateway does its TLS public-key crypto: none
	// (OpenSSL in the worker, the default) or multibuffer (QAT_Engine's
	// qat_sw on crypto_mb, AVX-512 IFMA batches of up to 8 operations, in
	// async mode: ssl_engine + ssl_asynch). multibuffer needs
	// stack.gateway.server asynch-nginx; where the CPU flags or the build
	// (make tls-multibuffer) are missing the scenario is skipped with the
	// reason, never run on software RSA instead.
	Accelerator string `yaml:"accelerator,omitempty"`
}

// Values of GatewayTLS.Accelerator and TLSProfile.Accelerator.
const (
	AcceleratorNone        = "none"
	AcceleratorMultiBuffer = "multibuffer"
)

// Values of GatewayProfile.Server.
const (
	// ServerNginx is nginx from PATH (Debian's 1.22): the default.
	ServerNginx = "nginx"
	// ServerAsynchNginx is Intel's asynch_mode_nginx (nginx 1.26 with
	// async TLS and the SSL engine framework), built by make
	// tls-multibuffer.
	ServerAsynchNginx = "asynch-nginx"
)

// Multibuffer reports whether the gateway's TLS uses the multi-buffer
// engine.
func (g GatewayTLS) Multibuffer() bool {
	return g.Enabled && g.Accelerator == AcceleratorMultiBuffer
}

// NeedsMultibuffer reports whether running s needs the multi-buffer build
// (asynch-nginx, QAT_Engine, crypto_mb) and CPU: its gateway uses that
// server or accelerator, or a tlsCompare profile does.
func (s *Scenario) NeedsMultibuffer() bool {
	g := s.Stack.Gateway
	if g.Server == ServerAsynchNginx || g.TLS.Multibuffer() {
		return true
	}
	if c := s.TLSCompare; c != nil {
		for _, p := range c.Pairs {
			if p.Baseline.Accelerator == AcceleratorMultiBuffer || p.Accelerated.Accelerator == AcceleratorMultiBuffer {
				return true
			}
		}
	}
	return false
}

// TLSCompare is a TLS-acceleration comparison: for each pair, a baseline
// and an accelerated gateway configuration are stood up in turn on the
// scenario's stack and driven with the scenario's load (which must be
// handshake-bound: TLS, connection close, no client resumption), and the
// accelerated/baseline ratio of gateway handshakes per CPU-second — and,
// with Capacity, of the highest sustained rate of a CPU-limited gateway —
// is judged by the tlsSpeedup SLO.
type TLSCompare struct {
	Pairs []TLSPair `yaml:"pairs"`
	// KeepAlive adds a keep-alive variant of every profile (same rate,
	// connections kept), reported beside the handshake-bound figures but
	// not judged.
	KeepAlive bool `yaml:"keepAlive,omitempty"`
	// Rounds repeats every profile's handshake-bound run, the profiles
	// taking turns (baseline, accelerated, baseline, ...), each on a fresh
	// stack; handshakes and CPU are summed over the rounds. Interleaving
	// spreads a shared machine's changing load over both sides
	// (default 1).
	Rounds int `yaml:"rounds,omitempty"`
	// Capacity, when set, also searches each profile's highest sustained
	// rate meeting the scenario's other SLOs (scenarios/capacity); it needs
	// stack.gateway.cpuLimit so that the gateway, not the client, is what
	// saturates.
	Capacity *CapacitySearch `yaml:"capacity,omitempty"`
}

// TLSPair is one comparison, reported under the key type it accelerates.
type TLSPair struct {
	// Key is the key type whose handshakes the pair accelerates: rsa or
	// ecdsa. Each profile's certificate uses it unless the profile says
	// otherwise (e.g. RSA-2048 baseline, ECDSA P-256 accelerated).
	Key string `yaml:"key"`
	// ClientResumption makes the client offer session resumption on both
	// sides (identical load); whether the gateway resumes is then the
	// profiles' difference.
	ClientResumption bool       `yaml:"clientResumption,omitempty"`
	Baseline         TLSProfile `yaml:"baseline"`
	Accelerated      TLSProfile `yaml:"accelerated"`
}

// TLSProfile is one gateway TLS configuration: changes to the stack's
// gateway profile, named for what it is.
type TLSProfile struct {
	// Name says what the configuration is, e.g. "RSA-2048, no session
	// cache"; reports show it.
	Name string `yaml:"name"`
	// Key overrides the pair's key type for this profile's certificate.
	Key            string `yaml:"key,omitempty"`
	SessionCache   *bool  `yaml:"sessionCache,omitempty"`
	SessionTickets *bool  `yaml:"sessionTickets,omitempty"`
	// WorkerProcesses overrides stack.gateway.workerProcesses.
	WorkerProcesses int `yaml:"workerProcesses,omitempty"`
	// CPULimit overrides stack.gateway.cpuLimit (cores per replica).
	CPULimit float64 `yaml:"cpuLimit,omitempty"`
	// Accelerator overrides stack.gateway.tls.accelerator: none or
	// multibuffer. Both sides of a pair run the same server build, key,
	// CPU limit and workers; this is what differs.
	Accelerator string `yaml:"accelerator,omitempty"`
}

// CapacitySearch bounds a knee search (scenarios/capacity): a ramp from
// Start by Factor up to Max, each step offered for Step, then bisection to
// Precision and Repeats confirmations of the knee, in at most MaxSteps
// steps. As a scenario's top-level capacity section it marks a capacity
// scenario: `gatecert capacity` runs it, `gatecert run` skips it.
type CapacitySearch struct {
	Start     int      `yaml:"start"`
	Max       int      `yaml:"max"`
	Step      Duration `yaml:"step"`
	Factor    float64  `yaml:"factor,omitempty"`
	Precision float64  `yaml:"precision,omitempty"`
	Repeats   int      `yaml:"repeats,omitempty"`
	MaxSteps  int      `yaml:"maxSteps,omitempty"`
}

// DefaultTLSSpeedup is tlsSpeedup's min when unset: +80%, the published
// claim for multi-buffer TLS acceleration.
const DefaultTLSSpeedup = 1.8

// defaultTLS fills TLS defaults: the gateway key ecdsa; the client's
// load.tls.key follows the gateway's; pair profiles take the pair's key;
// capacity searches factor 2, precision 0.05, repeats 2, maxSteps 20.
func (s *Scenario) defaultTLS() {
	g := &s.Stack.Gateway.TLS
	if g.Enabled {
		def(&g.Key, KeyECDSA)
		if s.Load.TLS.Enabled {
			def(&s.Load.TLS.Key, g.Key)
		}
	}
	if c := s.TLSCompare; c != nil {
		for i := range c.Pairs {
			p := &c.Pairs[i]
			def(&p.Baseline.Key, p.Key)
			def(&p.Accelerated.Key, p.Key)
		}
		c.Capacity.defaults()
		def(&c.Rounds, 1)
	}
	s.Capacity.defaults()
}

func (c *CapacitySearch) defaults() {
	if c == nil {
		return
	}
	def(&c.Factor, 2)
	def(&c.Precision, 0.05)
	def(&c.Repeats, 2)
	def(&c.MaxSteps, 20)
}

// tls checks the gateway TLS fields, the comparison and the capacity
// sections.
func (c *checker) tls(s *Scenario) {
	g := s.Stack.Gateway.TLS
	keyOK := func(k string) bool { return k == KeyRSA || k == KeyECDSA }
	switch {
	case !g.Enabled && (g.Key != "" || g.SessionCache || g.SessionTickets):
		c.failf("stack.gateway.tls.enabled", "must be true when key, sessionCache or sessionTickets is set")
	case g.Enabled && !keyOK(g.Key):
		c.failf("stack.gateway.tls.key", "must be %s or %s", KeyRSA, KeyECDSA)
	}
	server := s.Stack.Gateway.Server
	if server != "" && server != ServerNginx && server != ServerAsynchNginx {
		c.failf("stack.gateway.server", "must be %s or %s", ServerNginx, ServerAsynchNginx)
	}
	accelOK := func(a string) bool { return a == "" || a == AcceleratorNone || a == AcceleratorMultiBuffer }
	switch {
	case !accelOK(g.Accelerator):
		c.failf("stack.gateway.tls.accelerator", "must be %s or %s", AcceleratorNone, AcceleratorMultiBuffer)
	case g.Accelerator == AcceleratorMultiBuffer && !g.Enabled:
		c.failf("stack.gateway.tls.enabled", "must be true when accelerator is %s", AcceleratorMultiBuffer)
	case g.Accelerator == AcceleratorMultiBuffer && server != ServerAsynchNginx:
		c.failf("stack.gateway.server", "must be %s for accelerator %s (stock nginx has no async TLS)", ServerAsynchNginx, AcceleratorMultiBuffer)
	}
	if g.Enabled && s.Load.TLS.Enabled && keyOK(s.Load.TLS.Key) && s.Load.TLS.Key != g.Key {
		c.failf("load.tls.key", "must match stack.gateway.tls.key (%s): it names the gateway's certificate", g.Key)
	}
	c.capacitySearch("capacity", s.Capacity)

	cmp := s.TLSCompare
	hasSLO := slices.ContainsFunc(s.SLOs, func(o SLO) bool { return o.Kind == SLOTLSSpeedup })
	if cmp == nil {
		if hasSLO {
			c.failf("slos", "tlsSpeedup needs a tlsCompare section (the profiles it compares)")
		}
		return
	}
	if s.Capacity != nil {
		c.failf("capacity", "a tlsCompare scenario searches capacity with tlsCompare.capacity")
	}
	if !g.Enabled {
		c.failf("stack.gateway.tls.enabled", "must be true for tlsCompare")
	}
	if !s.Load.TLS.Enabled {
		c.failf("load.tls.enabled", "must be true for tlsCompare")
	}
	if s.Load.Connection != ConnectionClose {
		c.failf("load.connection", "must be %s for tlsCompare: a full handshake per request (keepAlive adds the keep-alive variant)", ConnectionClose)
	}
	if s.Load.TLS.Resumption {
		c.failf("load.tls.resumption", "must be false for tlsCompare (a pair's clientResumption offers it on both sides)")
	}
	if len(s.Faults) > 0 || s.Chaos != nil {
		c.failf("faults", "tlsCompare measures a healthy stack: no faults")
	}
	if !hasSLO {
		c.failf("slos", "tlsCompare needs a tlsSpeedup SLO")
	}
	c.between("tlsCompare.rounds", cmp.Rounds, 1, 20)
	if len(cmp.Pairs) == 0 {
		c.failf("tlsCompare.pairs", "at least one pair required")
	}
	for i, p := range cmp.Pairs {
		path := fmt.Sprintf("tlsCompare.pairs[%d]", i)
		if !keyOK(p.Key) {
			c.failf(path+".key", "must be %s or %s", KeyRSA, KeyECDSA)
		}
		for _, side := range []struct {
			name string
			p    TLSProfile
		}{{"baseline", p.Baseline}, {"accelerated", p.Accelerated}} {
			sp := path + "." + side.name
			if side.p.Name == "" {
				c.failf(sp+".name", "required: say what the configuration is")
			}
			if side.p.Key != "" && !keyOK(side.p.Key) {
				c.failf(sp+".key", "must be %s or %s", KeyRSA, KeyECDSA)
			}
			if side.p.WorkerProcesses < 0 {
				c.failf(sp+".workerProcesses", "must be >= 1 (or unset)")
			}
			if !(side.p.CPULimit >= 0 && side.p.CPULimit <= 64) || side.p.CPULimit > 0 && side.p.CPULimit < 0.01 {
				c.failf(sp+".cpuLimit", "must be between 0.01 and 64 cores (or unset)")
			}
			switch a := side.p.Accelerator; {
			case !accelOK(a):
				c.failf(sp+".accelerator", "must be %s or %s", AcceleratorNone, AcceleratorMultiBuffer)
			case a == AcceleratorMultiBuffer && server != ServerAsynchNginx:
				c.failf(sp+".accelerator", "%s needs stack.gateway.server %s, on both sides (same server build)", AcceleratorMultiBuffer, ServerAsynchNginx)
			}
		}
	}
	if cmp.Capacity != nil {
		c.capacitySearch("tlsCompare.capacity", cmp.Capacity)
		limited := s.Stack.Gateway.CPULimit > 0
		for _, p := range cmp.Pairs {
			limited = limited || p.Baseline.CPULimit > 0 && p.Accelerated.CPULimit > 0
		}
		if !limited {
			c.failf("tlsCompare.capacity", "needs stack.gateway.cpuLimit: without it the client saturates first and the search measures the load generator")
		}
	}
}

func (c *checker) capacitySearch(path string, cs *CapacitySearch) {
	if cs == nil {
		return
	}
	c.between(path+".start", cs.Start, 1, 100000)
	if cs.Max < cs.Start || cs.Max > 100000 {
		c.failf(path+".max", "must be between start (%d) and 100000", cs.Start)
	}
	if cs.Step.D() < time.Second {
		c.failf(path+".step", "must be >= 1s")
	}
	if !(cs.Factor > 1 && cs.Factor <= 10) {
		c.failf(path+".factor", "must be in (1, 10]")
	}
	if !(cs.Precision > 0 && cs.Precision < 1) {
		c.failf(path+".precision", "must be in (0, 1)")
	}
	c.between(path+".repeats", cs.Repeats, 1, 10)
	c.between(path+".maxSteps", cs.MaxSteps, 2, 200)
}

// ForTLSProfile returns the scenario that stands up one side of a pair:
// the gateway's key, session settings, workers, CPU limit and accelerator
// from p, the
// client's key and resumption to match, no tlsCompare and no tlsSpeedup
// SLO (what remains is judged per step). keepAlive keeps connections
// (the reported keep-alive variant).
func (s *Scenario) ForTLSProfile(pair TLSPair, p TLSProfile, keepAlive bool) *Scenario {
	out := *s
	out.TLSCompare = nil
	out.Labels = slices.Clone(s.Labels)
	out.SLOs = slices.DeleteFunc(slices.Clone(s.SLOs), func(o SLO) bool { return o.Kind == SLOTLSSpeedup })
	g := &out.Stack.Gateway
	g.TLS.Key = p.Key
	if p.SessionCache != nil {
		g.TLS.SessionCache = *p.SessionCache
	}
	if p.SessionTickets != nil {
		g.TLS.SessionTickets = *p.SessionTickets
	}
	if p.WorkerProcesses > 0 {
		g.WorkerProcesses = p.WorkerProcesses
	}
	if p.CPULimit > 0 {
		g.CPULimit = p.CPULimit
	}
	if p.Accelerator != "" {
		g.TLS.Accelerator = p.Accelerator
	}
	out.Load.TLS.Key = p.Key
	out.Load.TLS.Resumption = pair.ClientResumption
	if keepAlive {
		out.Load.Connection = ConnectionKeepAlive
	}
	return &out
}

// KeyName is how reports name a key type.
func KeyName(k string) string {
	switch k {
	case KeyRSA:
		return "RSA-2048"
	case KeyECDSA:
		return "ECDSA P-256"
	}
	return k
}
