package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"time"

	"github.com/gatecert/gatecert/ledger"
)

// Config describes one open-model attack. Zero durations and counts take the
// defaults documented on each field; Targets, LedgerDir and a rate (Rate and
// Duration, or Schedule) are required.
type Config struct {
	// Targets are the load balancer addresses (host:port), in order; their
	// order is the ledger's LB name table. LBPolicy says how requests use
	// them.
	Targets []string
	// LBPolicy is PolicySpread (default: round-robin by sequence number)
	// or PolicyFailover (ordered, sticky to the last address that worked;
	// a failed TCP connect moves the request on to the next address within
	// the same request, each attempt bounded by ConnectTimeout, like a
	// client that resolves one name to several addresses).
	LBPolicy string
	// Rate is the offered load in requests per second and Duration how long
	// it is offered; together they make the Constant schedule.
	Rate     float64
	Duration time.Duration
	// Schedule overrides Constant(Rate, Duration) when set; Rate is then
	// only recorded in the ledger metadata.
	Schedule Schedule
	// Method is the HTTP method; default POST. This client never retries
	// any method, but other clients (Go's default one included) silently
	// retry GET, so POST keeps comparisons honest.
	Method string
	// BodyBytes is the request body size.
	BodyBytes int
	// Timeout bounds one request from its actual send to the end of its
	// body (default 5 s); ConnectTimeout bounds the TCP connect (default
	// 1 s); IdleTimeout is how long an idle keep-alive connection is kept
	// (default 90 s).
	Timeout, ConnectTimeout, IdleTimeout time.Duration
	// MaxWorkers caps concurrent requests. When every worker is busy the
	// schedule falls behind (visible as SendLag) instead of dropping or
	// rescheduling requests. Default: Rate × Timeout + 1 (enough for every
	// request to time out at full rate), at most DefaultMaxWorkers.
	MaxWorkers int
	// Dial opens connections; nil means a net.Dialer. It is called with a
	// context that expires after ConnectTimeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLS, when set, makes requests go to https://<target>/ with this
	// configuration; nil means plain HTTP. Its RootCAs should hold the
	// harness's CA (fixtures/certs): InsecureSkipVerify is refused unless
	// InsecureTLS says it is meant.
	TLS         *tls.Config
	InsecureTLS bool
	// TLSResumption keeps a client session cache shared by all
	// connections, so reconnects resume sessions (FlagResumed); without
	// it every connection does a full handshake.
	TLSResumption bool
	// HTTP2 negotiates h2 by ALPN (TLS only; requires keep-alive). HTTP/2
	// multiplexes requests over one connection per target: the first
	// request on a connection records it as new, every later one as
	// reused (FlagReused), concurrent or not.
	HTTP2 bool
	// DisableKeepAlive opens a new connection for every request (one
	// handshake per request with TLS).
	DisableKeepAlive bool
	// SaturationLag is the send-lag p99 above which the run is reported
	// as client-saturated (Stats.Saturated, Meta.ClientSaturated);
	// default DefaultSaturationLag.
	SaturationLag time.Duration
	// LedgerDir receives client.ledger, ledger.json and, with VegetaResults,
	// results.bin (a Vegeta gob results file).
	LedgerDir     string
	VegetaResults bool
	// Zones maps gateway and backend names to zones; copied into the ledger
	// metadata.
	Zones map[string]string
	// Nodes maps node addresses to node names; copied into the ledger
	// metadata (where a request entered, on the nodePort path).
	Nodes map[string]string
	// Progress, when set, is called about once a second with the counters.
	Progress func(Stats)
	// SeqBase is added to every request's id (X-Gatecert-Id, the record's
	// Seq): client groups run side by side with disjoint id ranges, so
	// the backends' ledgers still reconcile (ledger.Group).
	SeqBase uint32
	// Resolver, when set, makes the client address the LBs by name
	// (named.go): one connection pool keyed by the name, each new
	// connection to an address of the resolver's current answer (LBPolicy
	// over that answer), which must be one of Targets (ip:port). Plain
	// HTTP/1.1 through net/http only.
	Resolver *Resolver
	// Client chooses the HTTP client: ClientAuto (the default) is
	// ClientNetHTTP for now — the lean client has passed loadgen's own
	// tests and the benchmark, not yet the namespace suites and the
	// catalogue, so scenarios keep the client their verdicts were measured
	// with; ClientLean (plain HTTP/1.1, requests up to 8 KiB) is chosen
	// explicitly (make bench does). Both write the
	// same ledger, classify errors alike and never resend a request. The
	// lean client polls sockets itself: a Dial that returns a net.Conn
	// without a file descriptor fails its requests (class other, the
	// error says to use ClientNetHTTP).
	Client string
}

// HTTP clients (Config.Client, Stats.Client).
const (
	ClientAuto = ""
	// ClientLean: pooled raw HTTP/1.1 connections on one epoll loop that
	// is also the pacer (lean.go, pacer.go); plain HTTP only, Linux.
	ClientLean = "lean"
	// ClientNetHTTP: Go's net/http transports (client.go); every mode.
	ClientNetHTTP = "net/http"
)

// Defaults applied by Run.
const (
	DefaultMethod         = "POST"
	DefaultTimeout        = 5 * time.Second
	DefaultConnectTimeout = time.Second
	DefaultIdleTimeout    = 90 * time.Second
	DefaultSaturationLag  = 5 * time.Millisecond
	// DefaultMaxWorkers stays well below the 20000 open-file cap.
	DefaultMaxWorkers = 4096
	// maxTargets: LB indexes are a byte and 0xFF means unknown.
	maxTargets = ledger.NoName
)

// LB address policies (Config.LBPolicy).
const (
	PolicySpread   = "spread"
	PolicyFailover = "failover"
)

// withDefaults returns cfg with defaults filled in, or every problem found.
func (cfg Config) withDefaults() (Config, error) {
	var errs []error
	if len(cfg.Targets) == 0 {
		errs = append(errs, errors.New("Targets: at least one address is required"))
	}
	if len(cfg.Targets) > maxTargets {
		errs = append(errs, fmt.Errorf("Targets: %d addresses, at most %d", len(cfg.Targets), maxTargets))
	}
	for i, t := range cfg.Targets {
		if _, _, err := net.SplitHostPort(t); err != nil {
			errs = append(errs, fmt.Errorf("Targets[%d]: %w", i, err))
		}
	}
	if cfg.Schedule == nil {
		if !(cfg.Rate > 0) || math.IsInf(cfg.Rate, 0) {
			errs = append(errs, fmt.Errorf("Rate: must be positive and finite, got %v", cfg.Rate))
		}
		if cfg.Duration <= 0 {
			errs = append(errs, fmt.Errorf("Duration: must be positive, got %v", cfg.Duration))
		}
	}
	if cfg.Method != "" {
		if _, err := http.NewRequest(cfg.Method, "http://localhost/", nil); err != nil {
			errs = append(errs, fmt.Errorf("Method: %w", err))
		}
	}
	if cfg.BodyBytes < 0 {
		errs = append(errs, fmt.Errorf("BodyBytes: must not be negative, got %d", cfg.BodyBytes))
	}
	if cfg.Timeout < 0 || cfg.ConnectTimeout < 0 || cfg.IdleTimeout < 0 {
		errs = append(errs, errors.New("Timeout, ConnectTimeout, IdleTimeout: must not be negative"))
	}
	switch cfg.LBPolicy {
	case "", PolicySpread, PolicyFailover:
	default:
		errs = append(errs, fmt.Errorf("LBPolicy: %q, want %s or %s", cfg.LBPolicy, PolicySpread, PolicyFailover))
	}
	if cfg.TLS != nil && cfg.TLS.InsecureSkipVerify && !cfg.InsecureTLS {
		errs = append(errs, errors.New("TLS: InsecureSkipVerify without InsecureTLS; verify against the harness CA instead"))
	}
	if cfg.TLS == nil && (cfg.HTTP2 || cfg.TLSResumption) {
		errs = append(errs, errors.New("HTTP2, TLSResumption: need TLS"))
	}
	if cfg.HTTP2 && cfg.DisableKeepAlive {
		errs = append(errs, errors.New("HTTP2: needs keep-alive (HTTP/2 multiplexes requests over kept connections)"))
	}
	if cfg.SaturationLag < 0 {
		errs = append(errs, fmt.Errorf("SaturationLag: must not be negative, got %v", cfg.SaturationLag))
	}
	if cfg.MaxWorkers < 0 {
		errs = append(errs, fmt.Errorf("MaxWorkers: must not be negative, got %d", cfg.MaxWorkers))
	}
	if cfg.LedgerDir == "" {
		errs = append(errs, errors.New("LedgerDir: required"))
	}
	switch cfg.Client {
	case ClientAuto, ClientNetHTTP:
	case ClientLean:
		if !leanFits(cfg) {
			errs = append(errs, fmt.Errorf("Client: %s is plain HTTP/1.1 with requests up to %d bytes (no TLS, no HTTP/2)", ClientLean, leanMaxRequest))
		}
	default:
		errs = append(errs, fmt.Errorf("Client: %q, want %s or %s (or empty: the best that fits)", cfg.Client, ClientLean, ClientNetHTTP))
	}
	if cfg.Resolver != nil {
		errs = append(errs, resolverProblems(cfg)...)
	}
	if len(errs) > 0 {
		return cfg, fmt.Errorf("loadgen config: %w", errors.Join(errs...))
	}
	if cfg.Schedule == nil {
		cfg.Schedule = Constant(cfg.Rate, cfg.Duration)
	}
	if cfg.Method == "" {
		cfg.Method = DefaultMethod
	}
	if cfg.Client == ClientAuto {
		cfg.Client = ClientNetHTTP
	}
	if cfg.LBPolicy == "" {
		cfg.LBPolicy = PolicySpread
	}
	if cfg.SaturationLag == 0 {
		cfg.SaturationLag = DefaultSaturationLag
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxWorkers == 0 {
		cfg.MaxWorkers = DefaultMaxWorkers
		if w := math.Ceil(peakRate(cfg)*cfg.Timeout.Seconds()) + 1; w < DefaultMaxWorkers {
			cfg.MaxWorkers = int(w)
		}
	}
	return cfg, nil
}

// peakRate estimates the highest rate of cfg's schedule: Rate, or for a
// Shape the busiest second (sampled), for sizing MaxWorkers.
func peakRate(cfg Config) float64 {
	s, ok := cfg.Schedule.(Shape)
	if !ok || s.Duration() <= 0 {
		return cfg.Rate
	}
	peak := cfg.Rate
	// Requests due in each second, by bisection on At: 1 + log2(n) calls
	// per second of schedule, capped at one hour of samples.
	var prev uint64
	for sec := time.Second; sec <= s.Duration()+time.Second && sec <= time.Hour; sec += time.Second {
		n := countBefore(s, sec)
		peak = max(peak, float64(n-prev))
		prev = n
	}
	return peak
}

// countBefore is the number of requests of s due before offset t.
func countBefore(s Schedule, t time.Duration) uint64 {
	lo, hi := uint64(0), uint64(1)
	due := func(n uint64) bool { off, ok := s.At(n); return ok && off < t }
	if !due(0) {
		return 0
	}
	for due(hi) {
		lo = hi
		if hi > math.MaxUint32 {
			return hi
		}
		hi *= 2
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if due(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}
