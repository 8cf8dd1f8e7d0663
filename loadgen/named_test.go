package loadgen

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

const testName = "gateway.gatecert.test."

// answerServer is a DNS server for testName whose answer the test switches.
type answerServer struct {
	mu     sync.Mutex
	answer []netip.Addr
	ttl    uint32
}

func (a *answerServer) set(addrs ...netip.Addr) {
	a.mu.Lock()
	a.answer = addrs
	a.mu.Unlock()
}

func (a *answerServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	a.mu.Lock()
	for _, ip := range a.answer {
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: testName, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: a.ttl}, A: ip.AsSlice()})
	}
	a.mu.Unlock()
	_ = w.WriteMsg(m) // test server
}

func (a *answerServer) start(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	s := &dns.Server{PacketConn: pc, Handler: a, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = s.ActivateAndServe() }() // ends with Shutdown below
	<-started
	t.Cleanup(func() { _ = s.Shutdown() })
	return pc.LocalAddr().String()
}

// twoLBs serves h on 127.0.0.11 and 127.0.0.12 on one port (a name's
// addresses share the port) and returns the servers and their targets.
func twoLBs(t *testing.T, h1, h2 http.Handler) ([2]*httptest.Server, []string) {
	t.Helper()
	for range 20 {
		l1, err := net.Listen("tcp", "127.0.0.11:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l1.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", "127.0.0.12:"+strconv.Itoa(port))
		if err != nil {
			l1.Close()
			continue // the port is taken on the second address: try another
		}
		s1 := &httptest.Server{Listener: l1, Config: &http.Server{Handler: h1}}
		s2 := &httptest.Server{Listener: l2, Config: &http.Server{Handler: h2}}
		s1.Start()
		s2.Start()
		t.Cleanup(s1.Close)
		t.Cleanup(s2.Close)
		p := strconv.Itoa(port)
		return [2]*httptest.Server{s1, s2}, []string{"127.0.0.11:" + p, "127.0.0.12:" + p}
	}
	t.Fatal("no port free on both loopback addresses")
	return [2]*httptest.Server{}, nil
}

var lb1, lb2 = netip.MustParseAddr("127.0.0.11"), netip.MustParseAddr("127.0.0.12")

// runSwitch drives 100 req/s for 3s at the name; at 1s the answer moves
// from lb1 to lb2 and, with kill, lb1 dies. It returns the records and
// the resolver.
func runSwitch(t *testing.T, mode string, ttl uint32, kill bool, h1 http.Handler) ([]ledger.Record, *Resolver) {
	t.Helper()
	srv, targets := twoLBs(t, h1, &echo{gateway: "gw2", backend: "be2"})
	dnsSrv := &answerServer{ttl: ttl}
	dnsSrv.set(lb1)
	res := &Resolver{Server: dnsSrv.start(t), Name: testName, Mode: mode}
	cfg := Config{Targets: targets, Resolver: res, Rate: 100, Duration: 3 * time.Second,
		Timeout: 2 * time.Second, ConnectTimeout: 500 * time.Millisecond, IdleTimeout: 2 * time.Second,
		LedgerDir: t.TempDir()}
	timer := time.AfterFunc(time.Second, func() {
		dnsSrv.set(lb2)
		if kill {
			srv[0].CloseClientConnections()
			srv[0].Listener.Close()
		}
	})
	defer timer.Stop()
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	recs, _ := readLedger(t, cfg.LedgerDir)
	return recs, res
}

// firstFailure is the earliest intended time of a failed request: when
// the switch really happened (a timer on a busy machine fires late).
func firstFailure(recs []ledger.Record) (time.Duration, bool) {
	first, found := time.Duration(0), false
	for _, r := range recs {
		if !r.OK() && (!found || r.Intended < first) {
			first, found = r.Intended, true
		}
	}
	return first, found
}

// TestResolverTTLMovesClients: with resolver ttl (1s), the clients of a
// region whose LB died move to the new answer within the TTL plus a
// connect: nothing intended later than the TTL and a second of slack
// after the first failure fails, and it all goes via lb2.
func TestResolverTTLMovesClients(t *testing.T) {
	recs, res := runSwitch(t, spec.ResolverTTL, 1, true, &echo{gateway: "gw1", backend: "be1"})
	cut := 2500 * time.Millisecond
	if first, ok := firstFailure(recs); ok {
		cut = first + 1500*time.Millisecond
	}
	var failed int
	for _, r := range recs {
		if !r.OK() {
			failed++
		}
		if r.Intended >= cut && (!r.OK() || r.LB != 1) {
			t.Fatalf("seq %d at %v: class %s via LB %d, want ok via lb2 (1) after TTL", r.Seq, r.Intended, r.Class, r.LB)
		}
	}
	if res.Queries() < 2 {
		t.Errorf("%d queries, want a re-resolution after the TTL", res.Queries())
	}
	t.Logf("ttl 1s: %d of %d failed, %d queries", failed, len(recs), res.Queries())
}

// TestResolverCachedStays: a cached resolver asked once and keeps sending
// to the dead LB: from shortly after the first failure every request
// fails via lb1 — what the long-TTL negative control must show.
func TestResolverCachedStays(t *testing.T) {
	recs, res := runSwitch(t, spec.ResolverCached, 1, true, &echo{gateway: "gw1", backend: "be1"})
	first, ok := firstFailure(recs)
	if !ok {
		t.Fatal("nothing failed: the LB was not killed")
	}
	for _, r := range recs {
		if r.Intended >= first+200*time.Millisecond && (r.OK() || r.LB != 0) {
			t.Fatalf("seq %d at %v: class %s via LB %d, want a failure via lb1 (0)", r.Seq, r.Intended, r.Class, r.LB)
		}
	}
	if res.Queries() != 1 {
		t.Errorf("%d queries, want 1 (cached)", res.Queries())
	}
}

// closeEvery answers like echo but asks the client to close every nth
// connection's use ("Connection: close"), so new connections keep being
// opened.
type closeEvery struct {
	echo
	n     int64
	count atomic.Int64
}

func (c *closeEvery) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if c.count.Add(1)%c.n == 0 {
		w.Header().Set("Connection", "close")
	}
	c.echo.ServeHTTP(w, r)
}

// TestResolverKeepsEstablished: after the answer moves (lb1 stays alive,
// TTL 0 so every new connection resolves again),
// established keep-alive connections stay on lb1 while new connections go
// to lb2, and nothing fails.
func TestResolverKeepsEstablished(t *testing.T) {
	// ~5 requests in flight (50ms each at 100/s), a connection closed five
	// times a second: a connection lives ~1s, so some outlive the switch
	// and some are replaced after it.
	hold := func(int) time.Duration { return 50 * time.Millisecond }
	h1 := &closeEvery{echo: echo{gateway: "gw1", backend: "be1", delay: hold}, n: 20}
	recs, _ := runSwitch(t, spec.ResolverTTL, 0, false, h1)
	var lb1After, lb2After int
	for _, r := range recs {
		if !r.OK() {
			t.Fatalf("seq %d at %v failed (%s): nothing should", r.Seq, r.Intended, r.Class)
		}
		if r.Intended > 1050*time.Millisecond {
			switch r.LB {
			case 0:
				lb1After++
			case 1:
				lb2After++
			}
		}
	}
	if lb1After == 0 || lb2After == 0 {
		t.Errorf("after the switch lb1 served %d, lb2 %d: want both (established kept, new moved)", lb1After, lb2After)
	}
	t.Logf("after the switch: %d via kept connections to lb1, %d via lb2", lb1After, lb2After)
}

// TestResolverConfig: what a named client refuses.
func TestResolverConfig(t *testing.T) {
	res := &Resolver{Server: "127.0.0.1:53", Name: testName}
	for _, cfg := range []Config{
		{Targets: []string{"127.0.0.1:80", "127.0.0.1:81"}, Resolver: res},
		{Targets: []string{"localhost:80"}, Resolver: res},
		{Targets: []string{"127.0.0.1:80"}, Resolver: res, Client: ClientLean},
	} {
		cfg.Rate, cfg.Duration, cfg.LedgerDir = 1, time.Second, t.TempDir()
		if _, err := cfg.withDefaults(); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}
