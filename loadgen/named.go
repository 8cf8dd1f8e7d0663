package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/gatecert/gatecert/ledger"
)

// namedDialer dials the gateway by name (Config.Resolver): the transport
// keys its one connection pool by the name, so established connections
// stay where they were opened, and each new connection goes to an address
// of the current answer, chosen by the LB policy over that answer.
type namedDialer struct {
	d        *dialer
	res      *Resolver
	addrs    []string             // Targets
	index    map[netip.Addr]uint8 // target index by address
	failover bool
	next     atomic.Uint64 // spread: the next answer position
	current  atomic.Int32  // failover: the sticky target
}

func newNamedDialer(cfg Config, d *dialer) (*namedDialer, error) {
	n := &namedDialer{d: d, res: cfg.Resolver, addrs: cfg.Targets, index: map[netip.Addr]uint8{},
		failover: cfg.LBPolicy == PolicyFailover}
	for i, t := range cfg.Targets {
		ap, err := netip.ParseAddrPort(t)
		if err != nil {
			return nil, fmt.Errorf("Targets[%d]: with a Resolver each target is ip:port: %w", i, err)
		}
		if _, dup := n.index[ap.Addr()]; dup {
			return nil, fmt.Errorf("Targets[%d]: address %s twice: an answer's address must name one target", i, ap.Addr())
		}
		n.index[ap.Addr()] = uint8(i)
	}
	return n, nil
}

// targetErr is a failed dial with the target it last tried (the ledger's
// LB of the request; ledger.NoName when resolution failed).
type targetErr struct {
	target     uint8
	failedOver bool
	err        error
}

func (e *targetErr) Error() string { return e.err.Error() }
func (e *targetErr) Unwrap() error { return e.err }

// resolveErr is a failed resolution. It hides the DNS client's error from
// Classify on purpose: a resolver timeout is not the stack timing out a
// request, so it is class other, and its text says resolve.
type resolveErr struct{ msg string }

func (e resolveErr) Error() string { return e.msg }

// dial is the transport's DialContext: resolve (the Resolver caches per
// its mode), pick the first target, and with policy failover try the
// answer's other addresses on a failed connect.
func (n *namedDialer) dial(ctx context.Context, network, _ string) (net.Conn, error) {
	answer, err := n.res.Lookup(ctx)
	if err != nil {
		return nil, &targetErr{target: ledger.NoName, err: resolveErr{err.Error()}}
	}
	order := n.order(answer)
	if len(order) == 0 {
		return nil, &targetErr{target: ledger.NoName, err: resolveErr{fmt.Sprintf("resolve %s: answer %v names no target", n.res.Name, answer)}}
	}
	tries := 1
	if n.failover {
		tries = len(order)
	}
	var last error
	for i, t := range order[:tries] {
		c, err := n.d.dialTCP(ctx, network, n.addrs[t])
		if err == nil {
			if n.failover {
				n.current.Store(int32(t))
			}
			return &conn{Conn: c, target: t, failedOver: i > 0}, nil
		}
		last = &targetErr{target: t, failedOver: i > 0, err: err}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

// order is the answer's targets in the order a new connection tries them:
// spread starts at the next position round-robin, failover at the sticky
// target when the answer still holds it.
func (n *namedDialer) order(answer []netip.Addr) []uint8 {
	var ts []uint8
	for _, a := range answer {
		if t, ok := n.index[a]; ok {
			ts = append(ts, t)
		}
	}
	if len(ts) < 2 {
		return ts
	}
	k := 0
	if n.failover {
		cur := uint8(n.current.Load())
		for i, t := range ts {
			if t == cur {
				k = i
			}
		}
	} else {
		k = int(n.next.Add(1)-1) % len(ts)
	}
	return append(ts[k:], ts[:k]...)
}

// namedTarget is the LB of a request sent by name: the target of the
// connection it went out on, or of the dial that failed.
func namedTarget(c *conn, err error) (lb uint8, failedOver bool) {
	if c != nil {
		return c.target, c.failedOver
	}
	var te *targetErr
	if errors.As(err, &te) {
		return te.target, te.failedOver
	}
	return ledger.NoName, false
}

// addNamed gives c its one transport, for the name: the URL's host is the
// name (the Host header a client resolving it sends), its port the
// targets'. withDefaults has checked the targets (resolverProblems).
func (c *client) addNamed(cfg Config, d *dialer) {
	c.named, _ = newNamedDialer(cfg, d) // checked by resolverProblems
	_, port, _ := net.SplitHostPort(cfg.Targets[0])
	host := net.JoinHostPort(strings.TrimSuffix(cfg.Resolver.Name, "."), port)
	c.urls = append(c.urls, "http://"+host+"/")
	c.parsed = append(c.parsed, &url.URL{Scheme: "http", Host: host, Path: "/"})
	tr := &http.Transport{
		DialContext:         c.named.dial,
		DisableCompression:  true,
		DisableKeepAlives:   cfg.DisableKeepAlive,
		MaxIdleConnsPerHost: cfg.MaxWorkers,
		IdleConnTimeout:     cfg.IdleTimeout,
	}
	c.rts = append(c.rts, tr)
	c.closers = append(c.closers, tr.CloseIdleConnections)
}

// resolverProblems is what withDefaults rejects with a Resolver: modes
// the named transport does not do, targets an answer could not name.
func resolverProblems(cfg Config) []error {
	var errs []error
	if cfg.TLS != nil || cfg.HTTP2 || cfg.Client == ClientLean {
		errs = append(errs, errors.New("Resolver: plain HTTP/1.1 through net/http only (no TLS, HTTP/2 or lean client)"))
	}
	if cfg.Resolver.Server == "" || cfg.Resolver.Name == "" {
		errs = append(errs, errors.New("Resolver: Server and Name are required"))
	}
	if _, err := newNamedDialer(cfg, nil); err != nil {
		errs = append(errs, err)
	}
	return errs
}
