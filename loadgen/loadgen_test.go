package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// readLedger loads a run's records and metadata and checks the ledger is
// complete: meta.Records records with the sequence numbers 0..n-1, each
// exactly once. It returns the records indexed by sequence number.
func readLedger(t *testing.T, dir string) ([]ledger.Record, ledger.Meta) {
	t.Helper()
	meta, err := ledger.ReadMeta(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ledger.ReadAll(filepath.Join(dir, ledger.ClientFile))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(recs)) != meta.Records {
		t.Fatalf("ledger has %d records, meta says %d", len(recs), meta.Records)
	}
	bySeq := make([]ledger.Record, len(recs))
	seen := make([]bool, len(recs))
	for _, r := range recs {
		if int(r.Seq) >= len(recs) {
			t.Fatalf("seq %d out of range 0..%d", r.Seq, len(recs)-1)
		}
		if seen[r.Seq] {
			t.Fatalf("seq %d recorded twice", r.Seq)
		}
		seen[r.Seq] = true
		bySeq[r.Seq] = r
	}
	return bySeq, meta
}

// echo is a test backend that counts the ids it received and names itself
// like a gateway and a backend would.
type echo struct {
	gateway, backend string
	delay            func(id int) time.Duration
	mu               sync.Mutex
	got              map[int]int
}

func (e *echo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body) // test server
	id, err := strconv.Atoi(r.Header.Get(HeaderID))
	if err != nil {
		http.Error(w, "no id", http.StatusBadRequest)
		return
	}
	e.mu.Lock()
	if e.got == nil {
		e.got = make(map[int]int)
	}
	e.got[id]++
	e.mu.Unlock()
	if e.delay != nil {
		time.Sleep(e.delay(id))
	}
	w.Header().Set(HeaderGateway, e.gateway)
	w.Header().Set(HeaderBackend, e.backend)
	fmt.Fprintf(w, "id %d\n", id)
}

func (e *echo) received() map[int]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.got)
}

func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return hostPort(t, s.URL)
}

func TestRunEveryRequestOnce(t *testing.T) { forClients(t, testRunEveryRequestOnce) }

func testRunEveryRequestOnce(t *testing.T, client string) {
	a := &echo{gateway: "gw-a", backend: "be-a"}
	b := &echo{gateway: "gw-b", backend: "be-b"}
	var dials atomic.Int32
	var progress []Stats
	cfg := Config{Client: client,
		Targets:   []string{serve(t, a), serve(t, b)},
		Rate:      300,
		Duration:  1100 * time.Millisecond,
		BodyBytes: 100,
		// Generous: a shared machine under -race has stalled this test
		// for a second, and timeouts are not what it is about.
		Timeout: 5 * time.Second,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		LedgerDir:     t.TempDir(),
		VegetaResults: true,
		Zones:         map[string]string{"gw-a": "z1", "gw-b": "z2"},
		Progress:      func(s Stats) { progress = append(progress, s) },
	}
	st, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	const want = 330 // ceil(300/s × 1.1 s)
	recs, meta := readLedger(t, cfg.LedgerDir)
	if len(recs) != want || st.Scheduled != want || st.Sent != want || st.OK != want || st.Failed != 0 || st.NotSent != 0 || st.InFlight != 0 {
		t.Fatalf("%d records, stats %+v; want %d sent and OK", len(recs), st, want)
	}
	if !slices.Equal(meta.LBs, cfg.Targets) || meta.Rate != 300 || meta.Zones["gw-b"] != "z2" || meta.Version != metaVersion {
		t.Errorf("meta %+v", meta)
	}
	// Name tables are in first-seen order; either server may answer first.
	if gw, be := slices.Sorted(slices.Values(meta.Gateways)), slices.Sorted(slices.Values(meta.Backends)); !slices.Equal(gw, []string{"gw-a", "gw-b"}) || !slices.Equal(be, []string{"be-a", "be-b"}) {
		t.Errorf("name tables %v %v", meta.Gateways, meta.Backends)
	}
	for _, r := range recs {
		wantGW := []string{"gw-a", "gw-b"}[r.Seq%2]
		if !r.OK() || r.Status != 200 || int(r.LB) != int(r.Seq%2) || ledger.Name(meta.LBs, r.LB) != cfg.Targets[r.Seq%2] ||
			r.Bytes != uint32(len(fmt.Sprintf("id %d\n", r.Seq))) || r.Flags&ledger.FlagRetried != 0 {
			t.Fatalf("record %+v", r)
		}
		if ledger.Name(meta.Gateways, r.Gateway) != wantGW || ledger.Name(meta.Backends, r.Backend) != "be"+wantGW[2:] {
			t.Fatalf("record %d: gateway %q backend %q, want %q", r.Seq, ledger.Name(meta.Gateways, r.Gateway), ledger.Name(meta.Backends, r.Backend), wantGW)
		}
		if wantAt := time.Duration(float64(r.Seq) / 300 * 1e9); r.Intended != wantAt {
			t.Fatalf("record %d intended at %v, want %v", r.Seq, r.Intended, wantAt)
		}
		if r.Latency < r.SendLag {
			t.Fatalf("record %d: latency %v shorter than its send lag %v", r.Seq, r.Latency, r.SendLag)
		}
	}
	// The servers saw each request exactly once.
	for i, e := range []*echo{a, b} {
		got := e.received()
		if len(got) != want/2 {
			t.Errorf("server %d got %d ids, want %d", i, len(got), want/2)
		}
		for id, n := range got {
			if n != 1 || id%2 != i {
				t.Errorf("server %d got id %d %d times", i, id, n)
			}
		}
	}
	if n := dials.Load(); n < 2 || n > int32(2*want) {
		t.Errorf("%d dials through Config.Dial", n)
	}
	if len(progress) == 0 || progress[0].Sent == 0 {
		t.Errorf("progress calls: %+v", progress)
	}
	t.Logf("stats %+v, %d dials", st, dials.Load())

	// The Vegeta results file holds the same requests, timestamped at their
	// intended times.
	f, err := os.Open(filepath.Join(cfg.LedgerDir, VegetaFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close() // read-only
	dec := vegeta.NewDecoder(bufio.NewReader(f))
	n := 0
	for {
		var res vegeta.Result
		if err := dec.Decode(&res); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatal(err)
		}
		r := recs[res.Seq]
		if !res.Timestamp.Equal(meta.Start.Add(r.Intended)) || res.Latency != r.Latency || res.Code != 200 || res.Error != "" || res.BytesIn != uint64(r.Bytes) {
			t.Fatalf("vegeta result %+v for record %+v", res, r)
		}
		n++
	}
	if n != want {
		t.Errorf("%d vegeta results, want %d", n, want)
	}
}

// TestLatencyFromIntendedTime: the server stalls one request for 300 ms and
// the generator has a single worker, so the requests scheduled during the
// stall are sent late. Their latency runs from their intended time and so
// covers the stall (no coordinated omission); measured from the actual send,
// as a closed-loop tool would, they would look fast.
func TestLatencyFromIntendedTime(t *testing.T) { forClients(t, testLatencyFromIntendedTime) }

func testLatencyFromIntendedTime(t *testing.T, client string) {
	const stallSeq, stall = 20, 300 * time.Millisecond
	e := &echo{gateway: "gw", backend: "be", delay: func(id int) time.Duration {
		if id == stallSeq {
			return stall
		}
		return 0
	}}
	cfg := Config{Client: client,
		Targets:    []string{serve(t, e)},
		Rate:       100,
		Duration:   time.Second,
		MaxWorkers: 1,
		Timeout:    2 * time.Second,
		LedgerDir:  t.TempDir(),
	}
	st, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := readLedger(t, cfg.LedgerDir)
	if len(recs) != 100 || st.OK != 100 {
		t.Fatalf("%d records, stats %+v", len(recs), st)
	}
	stallEnd := recs[stallSeq].Sent() + stall // the server answered no earlier
	var during []ledger.Record
	for _, r := range recs[stallSeq+1:] {
		if r.Intended < stallEnd {
			during = append(during, r)
		}
	}
	if len(during) < 20 {
		t.Fatalf("only %d requests scheduled during the stall", len(during))
	}
	var fromSend []time.Duration
	for _, r := range during {
		if r.End() < stallEnd {
			t.Errorf("seq %d: intended %v, latency %v: ends before the stall did (%v)", r.Seq, r.Intended, r.Latency, stallEnd)
		}
		fromSend = append(fromSend, r.Latency-r.SendLag)
	}
	// The first request queued behind the stall waited for nearly all of it.
	if first := during[0]; first.Latency < stall-50*time.Millisecond || first.SendLag < stall-50*time.Millisecond {
		t.Errorf("seq %d, first behind the stall: latency %v, send lag %v; want about %v each", first.Seq, first.Latency, first.SendLag, stall)
	}
	slices.Sort(fromSend)
	if med := fromSend[len(fromSend)/2]; med > 100*time.Millisecond {
		t.Errorf("median latency from the actual send %v: the server was not that slow", med)
	}
	if st.MaxSendLag < stall/2 {
		t.Errorf("max send lag %v, want about %v", st.MaxSendLag, stall)
	}
	t.Logf("%d requests scheduled during the stall; first: intended %v latency %v lag %v; last: intended %v latency %v",
		len(during), during[0].Intended, during[0].Latency, during[0].SendLag, during[len(during)-1].Intended, during[len(during)-1].Latency)
}

// TestCancelMidRun: a slow server and four workers cannot keep up with the
// schedule; cancelling the run stops pacing, lets requests in flight finish,
// records the due-but-unsent ones as not-sent, and leaves a complete ledger.
func TestCancelMidRun(t *testing.T) { forClients(t, testCancelMidRun) }

func testCancelMidRun(t *testing.T, client string) {
	e := &echo{gateway: "gw", backend: "be", delay: func(int) time.Duration { return 50 * time.Millisecond }}
	cfg := Config{Client: client,
		Targets:    []string{serve(t, e)},
		Rate:       200,
		Duration:   10 * time.Second,
		MaxWorkers: 4,
		Timeout:    time.Second,
		LedgerDir:  t.TempDir(),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	began := time.Now()
	st, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 500*time.Millisecond+cfg.Timeout {
		t.Errorf("Run took %v after a cancel at 500ms", took)
	}
	recs, meta := readLedger(t, cfg.LedgerDir)
	n := int64(len(recs))
	// 200/s for 500 ms, give or take the time to notice the cancel.
	if n < 95 || n > 130 || st.Scheduled != n || meta.Records != n {
		t.Fatalf("%d records, meta %d, stats %+v; want about 100", n, meta.Records, st)
	}
	count := map[ledger.Class]int64{}
	for _, r := range recs {
		count[r.Class]++
		if r.Class == ledger.ClassNotSent && (r.Status != 0 || r.Latency != 0 || int(r.LB) != 0) {
			t.Errorf("not-sent record %+v", r)
		}
	}
	// In-flight requests were not aborted by the cancel: every sent
	// request succeeded.
	if count[ledger.ClassOK] != st.Sent || st.OK != st.Sent || count[ledger.ClassNotSent] != st.NotSent || st.NotSent == 0 || st.Sent+st.NotSent != n {
		t.Errorf("classes %v, stats %+v", count, st)
	}
	got := e.received()
	if int64(len(got)) != st.Sent {
		t.Errorf("server got %d requests, %d sent", len(got), st.Sent)
	}
	for _, r := range recs {
		if sent := got[int(r.Seq)] > 0; sent != (r.Class != ledger.ClassNotSent) {
			t.Errorf("seq %d class %s, server saw it: %v", r.Seq, r.Class, sent)
		}
	}
	t.Logf("stats %+v", st)
}

// closeSecond is a keep-alive server that answers the first request on each
// connection and, on the second, reads it and closes the connection
// without a response: the keep-alive race a draining gateway produces.
type closeSecond struct{ received atomic.Int64 }

type connKey struct{}

func (s *closeSecond) start(t *testing.T) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(s)
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, new(atomic.Int32))
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return hostPort(t, srv.URL)
}

func (s *closeSecond) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.received.Add(1)
	_, _ = io.Copy(io.Discard, r.Body) // read all: the close must send FIN
	if r.Context().Value(connKey{}).(*atomic.Int32).Add(1) < 2 {
		fmt.Fprintln(w, "ok")
		return
	}
	c, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err) // an HTTP/1 test server can always be hijacked
	}
	_ = c.Close() // the point: no response
}

// TestRetryGuard: Go's default client hides the keep-alive race for GET by
// retrying on a new connection; our client never retries, so every attempt
// the server saw is one ledger record and every failure is counted.
func TestRetryGuard(t *testing.T) {
	t.Run("default client hides GET failures", func(t *testing.T) {
		var s closeSecond
		addr := s.start(t)
		var conns atomic.Int32
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(httptrace.GotConnInfo) { conns.Add(1) },
		})
		c := &http.Client{Transport: &http.Transport{}}
		defer c.CloseIdleConnections()
		const n = 10
		for i := 0; i < n; i++ {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("request %d failed: %v (the default client was expected to retry)", i, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body) // drain for keep-alive
			_ = resp.Body.Close()                 // test client
		}
		// All n succeeded, yet the server saw more requests: silent retries.
		if s.received.Load() <= n || conns.Load() <= n {
			t.Fatalf("server saw %d requests, %d connections used, for %d successes: no hidden retry", s.received.Load(), conns.Load(), n)
		}
		t.Logf("%d successes; server saw %d requests, client got a connection %d times", n, s.received.Load(), conns.Load())
	})
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run("loadgen "+method+" records every attempt", func(t *testing.T) {
			forClients(t, func(t *testing.T, client string) {
				var s closeSecond
				cfg := Config{
					Client:     client,
					Targets:    []string{s.start(t)},
					Rate:       40,
					Duration:   500 * time.Millisecond,
					Method:     method,
					MaxWorkers: 1, // one connection at a time: reuse is certain
					Timeout:    time.Second,
					LedgerDir:  t.TempDir(),
				}
				if method == http.MethodPost {
					cfg.BodyBytes = 64
				}
				st, err := Run(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				recs, _ := readLedger(t, cfg.LedgerDir)
				if len(recs) != 20 || s.received.Load() != 20 {
					t.Fatalf("%d records, server saw %d requests; want 20 and 20", len(recs), s.received.Load())
				}
				var failed int
				for _, r := range recs {
					if r.Flags&ledger.FlagRetried != 0 {
						t.Errorf("seq %d retried", r.Seq)
					}
					if !r.OK() {
						failed++
						if r.Class != ledger.ClassEOF || r.Flags&ledger.FlagReused == 0 {
							t.Errorf("seq %d: class %s flags %b, want eof on a reused connection", r.Seq, r.Class, r.Flags)
						}
					}
				}
				if failed < 8 || st.Failed != int64(failed) {
					t.Errorf("%d failures recorded (stats %+v), want about half of 20", failed, st)
				}
				t.Logf("stats %+v", st)
			})
		})
	}
}

func TestConstant(t *testing.T) {
	s := Constant(300, time.Second)
	n := uint64(0)
	for ; ; n++ {
		off, ok := s.At(n)
		if !ok {
			break
		}
		if want := time.Duration(float64(n) * 1e9 / 300); off != want {
			t.Fatalf("At(%d) = %v, want %v", n, off, want)
		}
	}
	if n != 300 {
		t.Errorf("%d requests, want 300", n)
	}
	if _, ok := Constant(0, time.Second).At(0); ok {
		t.Error("a zero rate schedules requests")
	}
}

func TestNamesCapacity(t *testing.T) {
	n := newNames()
	for i := 0; i < maxNames; i++ {
		if got := n.intern(fmt.Sprint("gw-", i)); int(got) != i {
			t.Fatalf("intern #%d = %d", i, got)
		}
	}
	if got := n.intern("one-too-many"); got != ledger.NoName {
		t.Errorf("name past capacity got index %d", got)
	}
	if got := n.intern("gw-3"); got != 3 {
		t.Errorf("known name got index %d", got)
	}
	if got := n.intern(""); got != ledger.NoName {
		t.Errorf("empty name got index %d", got)
	}
	if len(n.table()) != maxNames {
		t.Errorf("table has %d names", len(n.table()))
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := Run(context.Background(), Config{Method: "BAD METHOD", Targets: []string{"nohost"}, BodyBytes: -1})
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, field := range []string{"Targets[0]", "Rate", "Duration", "Method", "BodyBytes", "LedgerDir"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not name %s: %v", field, err)
		}
	}
}
