package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// Resolver resolves the gateway's name through one DNS server with
// miekg/dns's client: Go's resolver neither reports TTLs nor caches, and a
// client region's behaviour in a failover is exactly its caching.
//
//   - Mode spec.ResolverTTL re-resolves once the answer's TTL has run out
//     (a TTL of 0: on every new connection).
//   - Mode spec.ResolverCached resolves once and keeps that answer for the
//     whole run (a JVM with networkaddress.cache.ttl=-1).
//
// Only new connections ask it: established keep-alive connections stay on
// the address they were opened to until they fail, as in any client whose
// connection pool is keyed by host name.
type Resolver struct {
	Server  string // the DNS server, host:port
	Name    string // fully qualified, e.g. gateway.gatecert.test.
	Mode    string
	Timeout time.Duration // per query; default 1s
	// Dial opens the query's UDP socket (from the client's namespace);
	// nil uses a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	mu      sync.Mutex
	addrs   []netip.Addr
	expires time.Time
	have    bool
	queries atomic.Int64
}

// Lookup returns the current answer, asking the server when there is none
// yet or (mode ttl) it has expired. Concurrent lookups wait for one query.
// A failed query is the caller's failure: the expired answer is not
// served stale (getaddrinfo does not either).
func (r *Resolver) Lookup(ctx context.Context) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if r.have && (r.Mode == spec.ResolverCached || now.Before(r.expires)) {
		return r.addrs, nil
	}
	addrs, ttl, err := r.query(ctx)
	if err != nil {
		return nil, err
	}
	r.addrs, r.expires, r.have = addrs, now.Add(ttl), true
	return addrs, nil
}

// Queries is how many queries were sent (for tests and stats).
func (r *Resolver) Queries() int64 { return r.queries.Load() }

// query asks for the name's A records; the TTL is the smallest record's.
func (r *Resolver) query(ctx context.Context) ([]netip.Addr, time.Duration, error) {
	r.queries.Add(1)
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := r.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	nc, err := dial(ctx, "udp", r.Server)
	if err != nil {
		return nil, 0, fmt.Errorf("resolve %s: %w", r.Name, err)
	}
	co := &dns.Conn{Conn: nc}
	defer co.Close()
	m := new(dns.Msg)
	m.SetQuestion(r.Name, dns.TypeA)
	c := &dns.Client{Timeout: timeout}
	resp, _, err := c.ExchangeWithConnContext(ctx, m, co)
	if err != nil {
		return nil, 0, fmt.Errorf("resolve %s: %w", r.Name, err)
	}
	if resp.Rcode != dns.RcodeSuccess {
		return nil, 0, fmt.Errorf("resolve %s: %s", r.Name, dns.RcodeToString[resp.Rcode])
	}
	var addrs []netip.Addr
	ttl := time.Duration(-1)
	for _, rr := range resp.Answer {
		a, ok := rr.(*dns.A)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(a.A)
		if !ok {
			continue
		}
		addrs = append(addrs, ip.Unmap())
		if t := time.Duration(a.Hdr.Ttl) * time.Second; ttl < 0 || t < ttl {
			ttl = t
		}
	}
	if len(addrs) == 0 {
		return nil, 0, errors.New("resolve " + r.Name + ": no addresses")
	}
	return addrs, ttl, nil
}
