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

	"github.com/gatecert/gatecert/loadgen/ledger"
)

// Config describes one open-model attack. Zero durations and counts take the
// defaults documented on each field; Targets, LedgerDir and a rate (Rate and
// Duration, or Schedule) are required.
type Config struct {
	// Targets are the load balancer addresses (host:port), in order; their
	// order is the ledger's LB name table. Requests are spread over them
	// round-robin by sequence number (policy "spread").
	Targets []string
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
	// configuration (HTTP/1.1 only); nil means plain HTTP.
	TLS *tls.Config
	// LedgerDir receives client.ledger, ledger.json and, with VegetaResults,
	// results.bin (a Vegeta gob results file).
	LedgerDir     string
	VegetaResults bool
	// Zones maps gateway and backend names to zones; copied into the ledger
	// metadata.
	Zones map[string]string
	// Progress, when set, is called about once a second with the counters.
	Progress func(Stats)
}

// Defaults applied by Run.
const (
	DefaultMethod         = "POST"
	DefaultTimeout        = 5 * time.Second
	DefaultConnectTimeout = time.Second
	DefaultIdleTimeout    = 90 * time.Second
	// DefaultMaxWorkers stays well below the 20000 open-file cap.
	DefaultMaxWorkers = 4096
	// maxTargets: LB indexes are a byte and 0xFF means unknown.
	maxTargets = ledger.NoName
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
	if cfg.MaxWorkers < 0 {
		errs = append(errs, fmt.Errorf("MaxWorkers: must not be negative, got %d", cfg.MaxWorkers))
	}
	if cfg.LedgerDir == "" {
		errs = append(errs, errors.New("LedgerDir: required"))
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
		if w := math.Ceil(cfg.Rate*cfg.Timeout.Seconds()) + 1; cfg.Rate > 0 && w < DefaultMaxWorkers {
			cfg.MaxWorkers = int(w)
		}
	}
	return cfg, nil
}
