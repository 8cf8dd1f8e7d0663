package loadgen

import (
	"crypto/tls"
	"crypto/x509"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// ScheduleOf builds the schedule a validated scenario load describes: its
// phases in order, or its single shape over Duration.
func ScheduleOf(l spec.Load) Shape {
	if len(l.Phases) > 0 {
		shapes := make([]Shape, len(l.Phases))
		for i, p := range l.Phases {
			shapes[i] = shapeOf(p.Shape, p.Rate, p.From, p.Step, p.Steps, p.Duration.D())
		}
		return Phases(shapes...)
	}
	return shapeOf(l.Shape, l.Rate, l.From, l.Step, l.Steps, l.Duration.D())
}

func shapeOf(shape string, rate, from, step, steps int, d time.Duration) Shape {
	switch shape {
	case spec.ShapeRamp:
		return Ramp(float64(from), float64(rate), d)
	case spec.ShapeSteps:
		return Steps(float64(rate), float64(step), d/time.Duration(max(steps, 1)), steps)
	}
	return Constant(float64(rate), d)
}

// ConfigOf maps a validated scenario load onto a Config: schedule, method,
// body, timeouts, workers, LB policy, keep-alive and TLS modes. The caller
// adds what the environment knows: targets, dialer, ledger directory,
// zones. With TLS the client trusts only caPEM, the harness CA that signed
// the gateways' certificates; without it (nil) no server verifies and
// every TLS request fails as class tls, visibly, never insecurely.
func ConfigOf(l spec.Load, caPEM []byte) Config {
	cfg := Config{
		Schedule: ScheduleOf(l), Rate: float64(l.Rate), Duration: l.Duration.D(),
		Method: l.Method, BodyBytes: l.BodyBytes,
		Timeout: l.Timeout.D(), ConnectTimeout: l.ConnectTimeout.D(), IdleTimeout: l.IdleTimeout.D(),
		MaxWorkers:       l.MaxWorkers,
		LBPolicy:         l.LBPolicy,
		DisableKeepAlive: l.Connection == spec.ConnectionClose,
	}
	if l.TLS.Enabled {
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(caPEM) // nothing appended: verification fails per request
		cfg.TLS = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		cfg.TLSResumption = l.TLS.Resumption
		cfg.HTTP2 = l.TLS.HTTP2
	}
	return cfg
}
