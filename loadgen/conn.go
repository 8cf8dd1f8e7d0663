package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"
)

// dialer opens the connections of every target transport: TCP bounded by
// the connect timeout, and the TLS handshake done here (not by net/http) so
// the connection the transport uses is a *conn that remembers read errors.
type dialer struct {
	raw            func(ctx context.Context, network, addr string) (net.Conn, error)
	connectTimeout time.Duration
	tls            *tls.Config
}

func newDialer(cfg Config) *dialer {
	raw := cfg.Dial
	if raw == nil {
		d := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 15 * time.Second}
		raw = d.DialContext
	}
	var tc *tls.Config
	if cfg.TLS != nil {
		tc = cfg.TLS.Clone()
		tc.ClientSessionCache = nil
		if cfg.TLSResumption {
			// One cache for every connection of the run: reconnects
			// resume, whichever target they go to.
			tc.ClientSessionCache = tls.NewLRUClientSessionCache(4096)
		}
		tc.NextProtos = []string{"http/1.1"}
		if cfg.HTTP2 {
			tc.NextProtos = []string{"h2"}
		}
	}
	return &dialer{raw: raw, connectTimeout: cfg.ConnectTimeout, tls: tc}
}

// dialTCP connects within the connect timeout. Its errors are *net.OpError
// with Op "dial", custom dialers' included, so Classify knows the phase.
func (d *dialer) dialTCP(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.connectTimeout)
	defer cancel()
	c, err := d.raw(ctx, network, addr)
	if err != nil {
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "dial" {
			err = &net.OpError{Op: "dial", Net: network, Err: err}
		}
		return nil, err
	}
	return c, nil
}

// dial is the transport's DialContext for plain HTTP.
func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.dialTCP(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c}, nil
}

// dialTLS is the transport's DialTLSContext: connect, then handshake within
// the request's context. ALPN offers h2 with HTTP2, else http/1.1 only.
func (d *dialer) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.dialTCP(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cfg := d.tls.Clone()
	if cfg.ServerName == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			cfg.ServerName = host
		}
	}
	tc := tls.Client(c, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = c.Close() // the handshake error is what matters
		return nil, err
	}
	st := tc.ConnectionState()
	if cfg.NextProtos[0] == "h2" && st.NegotiatedProtocol != "h2" {
		_ = c.Close() // unusable for HTTP/2
		return nil, fmt.Errorf("tls: server %s did not negotiate h2 (got %q)", addr, st.NegotiatedProtocol)
	}
	return &conn{Conn: tc, resumed: st.DidResume}, nil
}

// conn remembers the first error its reader saw.
type conn struct {
	net.Conn
	resumed bool // TLS session resumed
	// target and failedOver: the LB a connection dialed by name went to,
	// and whether an earlier address of the answer refused it first.
	target     uint8
	failedOver bool
	err        atomic.Pointer[error]
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		e := err // escapes only on this path: no allocation per read
		c.err.CompareAndSwap(nil, &e)
	}
	return n, err
}

// readErr is the first read error, or nil.
func (c *conn) readErr() error {
	if p := c.err.Load(); p != nil {
		return *p
	}
	return nil
}
