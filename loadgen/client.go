package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"golang.org/x/net/http2"
)

// Header names shared with the echo backend and the gateway configuration.
const (
	HeaderID      = "X-Gatecert-Id"
	HeaderGateway = "X-Gatecert-Gateway"
	HeaderBackend = "X-Gatecert-Backend"
)

// client sends single requests and turns each into a ledger record. It keeps
// one transport per target so the LB of every request (and of every
// connection) is known.
type client struct {
	method    string
	bodyBytes int
	timeout   time.Duration
	urls      []string
	parsed    []*url.URL // urls, parsed once; shared read-only by requests
	rts       []http.RoundTripper
	closers   []func()
	gateways  *names
	backends  *names
	// named, when set, dials by name (Config.Resolver): one transport,
	// and each record's LB is the target its connection went to.
	named *namedDialer
	*route
}

// route picks the first address of each request: round-robin for spread,
// the sticky current address for failover. Both clients share it.
type route struct {
	targets int
	// failover is policy failover; current is the sticky address index.
	failover bool
	current  atomic.Int32
}

func newRoute(cfg Config) *route {
	return &route{targets: len(cfg.Targets), failover: cfg.LBPolicy == PolicyFailover}
}

// pick is the first address request n tries: round-robin for spread, the
// sticky current address for failover.
func (r *route) pick(n uint64) int {
	if r.failover {
		return int(r.current.Load())
	}
	return int(n % uint64(r.targets))
}

func newClient(cfg Config) *client {
	d := newDialer(cfg)
	scheme := "http://"
	if cfg.TLS != nil {
		scheme = "https://"
	}
	c := &client{
		method:    cfg.Method,
		bodyBytes: cfg.BodyBytes,
		timeout:   cfg.Timeout,
		gateways:  newNames(),
		backends:  newNames(),
		route:     newRoute(cfg),
	}
	if cfg.Resolver != nil {
		c.addNamed(cfg, d)
		return c
	}
	for _, t := range cfg.Targets {
		c.urls = append(c.urls, scheme+t+"/")
		c.parsed = append(c.parsed, &url.URL{Scheme: strings.TrimSuffix(scheme, "://"), Host: t, Path: "/"})
		if cfg.HTTP2 {
			tr := &http2.Transport{
				DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
					return d.dialTLS(ctx, network, addr)
				},
				DisableCompression: true,
				IdleConnTimeout:    cfg.IdleTimeout,
			}
			c.rts = append(c.rts, tr)
			c.closers = append(c.closers, tr.CloseIdleConnections)
			continue
		}
		tr := &http.Transport{
			Proxy:               nil,
			DialContext:         d.dial,
			DisableCompression:  true,
			DisableKeepAlives:   cfg.DisableKeepAlive,
			MaxIdleConnsPerHost: cfg.MaxWorkers,
			MaxIdleConns:        0, // no global limit: one transport per target
			IdleConnTimeout:     cfg.IdleTimeout,
			ForceAttemptHTTP2:   false,
		}
		if cfg.TLS != nil {
			tr.DialTLSContext = d.dialTLS
		}
		c.rts = append(c.rts, tr)
		c.closers = append(c.closers, tr.CloseIdleConnections)
	}
	return c
}

// close drops idle connections.
func (c *client) close() {
	for _, f := range c.closers {
		f()
	}
}

// do sends request seq to target lb, intended at the given time (offset off
// from the run's start), and returns its record and the error behind its
// class, if any. With policy failover a failed TCP connect moves the
// request on to the next address (at most once around the list); the
// record then has FlagFailover and the LB that finally carried it. ctx
// carries no deadline of the run: cancelling the run must not abort
// requests already sent.
func (c *client) do(ctx context.Context, seq uint64, lb int, intended time.Time, off time.Duration) (ledger.Record, error) {
	rec := ledger.Record{
		Seq:      uint32(seq),
		Intended: off,
		LB:       uint8(lb),
		Gateway:  ledger.NoName,
		Backend:  ledger.NoName,
	}
	var attempts, reused, resumed atomic.Int32
	var last atomic.Pointer[conn]
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		attempts.Add(1)
		if info.Reused {
			reused.Store(1)
		}
		if c, ok := info.Conn.(*conn); ok {
			last.Store(c)
			if c.resumed {
				resumed.Store(1)
			}
		}
	}}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, trace)

	switch {
	case c.named != nil:
		lb = 0 // the one transport; the dial picks the address (named.go)
	case c.failover:
		lb = c.pick(seq) // the sticky address as of now, not as of scheduling
	}
	sent := time.Now()
	rec.SendLag = sent.Sub(intended)
	var resp *http.Response
	var err error
	for tries := 1; ; tries++ {
		resp, err = c.roundTrip(ctx, seq, lb)
		if err == nil || !c.failover || c.named != nil || tries >= len(c.urls) || !connectFailed(err) {
			break
		}
		lb = (lb + 1) % len(c.urls)
		rec.Flags |= ledger.FlagFailover
	}
	rec.LB = uint8(lb)
	if c.named != nil {
		var failedOver bool
		if rec.LB, failedOver = namedTarget(last.Load(), err); failedOver {
			rec.Flags |= ledger.FlagFailover
		}
	}
	var n int64
	if err == nil {
		if c.failover && c.named == nil {
			c.current.Store(int32(lb)) // sticky: the last address that answered
		}
		rec.Status = uint16(resp.StatusCode)
		rec.Gateway = c.gateways.intern(resp.Header.Get(HeaderGateway))
		rec.Backend = c.backends.intern(resp.Header.Get(HeaderBackend))
		n, err = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close() // fully read or failed: nothing left to report
	}
	rec.Latency = time.Since(intended)
	rec.Class = Classify(err, int(rec.Status))
	if c := last.Load(); c != nil && err != nil && rec.Status == 0 {
		rec.Class, err = refine(rec.Class, err, c.readErr())
	}
	rec.Bytes = uint32(min(n, int64(^uint32(0))))
	if attempts.Load() > 1 {
		rec.Flags |= ledger.FlagRetried
	}
	if reused.Load() != 0 {
		rec.Flags |= ledger.FlagReused
	}
	if resumed.Load() != 0 {
		rec.Flags |= ledger.FlagResumed
	}
	return rec, err
}

// roundTrip sends one attempt of request seq to target lb.
func (c *client) roundTrip(ctx context.Context, seq uint64, lb int) (*http.Response, error) {
	// A body type net/http does not know, and no GetBody: the request is
	// not replayable, so the transport never retries it behind our back.
	// An empty body of a method Go never replays (POST, PUT, ...) is
	// left nil: net/http would otherwise probe it with a goroutine and a
	// timer per request. The transports then retry such a request only
	// where the server provably never saw it (HTTP/1: nothing written on
	// a reused connection; HTTP/2: GOAWAY-unprocessed or REFUSED_STREAM),
	// and each attempt fires GotConn, so the record has FlagRetried.
	u := c.parsed[lb]
	req := &http.Request{
		Method: c.method, URL: u, Host: u.Host,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			HeaderID:     {strconv.FormatUint(seq, 10)},
			"User-Agent": {"gatecert"},
		},
		ContentLength: int64(c.bodyBytes),
	}
	if c.bodyBytes > 0 || replayable(c.method) {
		req.Body = &body{left: c.bodyBytes}
	}
	return c.rts[lb].RoundTrip(req.WithContext(ctx))
}

// replayable reports the methods net/http retries on its own when a
// reused connection fails and the body is nil or rewindable.
func replayable(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// connectFailed reports an error of the TCP connect (refused, timed out,
// unreachable): the request never left the client, so trying the next
// address cannot duplicate it. TLS handshake errors are not connect
// failures: the server was reached.
func connectFailed(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// body is a request body of a given length that net/http cannot rewind.
type body struct{ left int }

func (b *body) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	n := min(len(p), b.left)
	for i := range p[:n] {
		p[i] = 'g'
	}
	b.left -= n
	return n, nil
}

// Close makes body an io.ReadCloser, so the transport does not wrap it.
func (b *body) Close() error { return nil }

// refine corrects the class of a failed request with the first error the
// transport's reader saw on its connection. The request's own error can
// hide the cause: a write fails with "use of closed network connection" or
// a reset because the reader had already received a TLS alert (a server
// rejecting a client certificate after a TLS 1.3 handshake) and closed.
// A TLS error on the read side wins; otherwise the read error only
// replaces an unclassifiable one.
func refine(class ledger.Class, err, readErr error) (ledger.Class, error) {
	if readErr == nil {
		return class, err
	}
	rc := Classify(readErr, 0)
	if rc == ledger.ClassTLS || (class == ledger.ClassOther && rc != ledger.ClassOther) {
		return rc, fmt.Errorf("%w (connection read: %w)", err, readErr)
	}
	return class, err
}
