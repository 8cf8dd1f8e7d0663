package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gatecert/gatecert/loadgen/ledger"
)

// Header names shared with the echo backend and the gateway configuration.
const (
	HeaderID      = "X-Gatecert-Id"
	HeaderGateway = "X-Gatecert-Gateway"
	HeaderBackend = "X-Gatecert-Backend"
)

// client sends single requests and turns each into a ledger record. It keeps
// one http.Transport per target so the LB of every request (and of every
// connection) is known.
type client struct {
	method    string
	bodyBytes int
	timeout   time.Duration
	urls      []string
	rts       []*http.Transport
	gateways  *names
	backends  *names
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
	}
	for _, t := range cfg.Targets {
		c.urls = append(c.urls, scheme+t+"/")
		tr := &http.Transport{
			Proxy:               nil,
			DialContext:         d.dial,
			DisableCompression:  true,
			MaxIdleConnsPerHost: cfg.MaxWorkers,
			MaxIdleConns:        0, // no global limit: one transport per target
			IdleConnTimeout:     cfg.IdleTimeout,
			ForceAttemptHTTP2:   false,
		}
		if cfg.TLS != nil {
			tr.DialTLSContext = d.dialTLS
		}
		c.rts = append(c.rts, tr)
	}
	return c
}

// close drops idle connections.
func (c *client) close() {
	for _, tr := range c.rts {
		tr.CloseIdleConnections()
	}
}

// do sends request seq to target lb, intended at the given time (offset off
// from the run's start), and returns its record and the error behind its
// class, if any. ctx carries no deadline of the run: cancelling the run must
// not abort requests already sent.
func (c *client) do(ctx context.Context, seq uint64, lb int, intended time.Time, off time.Duration) (ledger.Record, error) {
	rec := ledger.Record{
		Seq:      uint32(seq),
		Intended: off,
		LB:       uint8(lb),
		Gateway:  ledger.NoName,
		Backend:  ledger.NoName,
	}
	var attempts, reused atomic.Int32
	var last atomic.Pointer[conn]
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		attempts.Add(1)
		if info.Reused {
			reused.Store(1)
		}
		if c, ok := info.Conn.(*conn); ok {
			last.Store(c)
		}
	}}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// A body type net/http does not know, and no GetBody: the request is
	// not replayable, so the transport never retries it behind our back.
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), c.method, c.urls[lb], &body{left: c.bodyBytes})
	if err != nil {
		// Unreachable: method and targets are validated up front.
		rec.Class = ledger.ClassOther
		return rec, err
	}
	req.GetBody = nil
	req.ContentLength = int64(c.bodyBytes)
	req.Header.Set(HeaderID, strconv.FormatUint(seq, 10))
	req.Header.Set("User-Agent", "gatecert")

	sent := time.Now()
	rec.SendLag = sent.Sub(intended)
	resp, err := c.rts[lb].RoundTrip(req)
	var n int64
	if err == nil {
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
	return rec, err
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
