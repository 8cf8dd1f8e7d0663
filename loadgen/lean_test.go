package loadgen

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
)

// forClients runs fn once per HTTP client of plain HTTP/1.1.
func forClients(t *testing.T, fn func(t *testing.T, client string)) {
	for _, client := range []string{ClientLean, ClientNetHTTP} {
		t.Run(client, func(t *testing.T) { fn(t, client) })
	}
}

// runOne sends a single request (seq 0) with cfg through Run and returns
// its record and the ledger metadata.
func runOne(t *testing.T, cfg Config) (ledger.Record, ledger.Meta) {
	t.Helper()
	cfg.Rate, cfg.Duration, cfg.LedgerDir = 1, time.Millisecond, t.TempDir()
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 300 * time.Millisecond
	}
	if cfg.BodyBytes == 0 {
		cfg.BodyBytes = 64
	}
	st, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st.Client != cfg.Client {
		t.Fatalf("ran client %q, want %q", st.Client, cfg.Client)
	}
	recs, meta := readLedger(t, cfg.LedgerDir)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	return recs[0], meta
}

// TestLeanClassify: the lean client files the real sockets of
// TestClassifyRealSockets (every plain-HTTP case: refused, connect
// timeout, reset, EOF, timeout, a TLS server's 400, 4xx, 5xx) in the same
// classes as the net/http client.
func TestLeanClassify(t *testing.T) {
	n := 0
	for _, tc := range classifyCases(t) {
		if tc.cfg.TLS != nil {
			continue // TLS stays on net/http
		}
		n++
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Client = ClientLean
			rec, meta := runOne(t, cfg)
			t.Logf("record %+v", rec)
			if rec.Class != tc.want {
				t.Fatalf("class %s, want %s (status %d)", rec.Class, tc.want, rec.Status)
			}
			if rec.Latency <= 0 || rec.Flags != 0 {
				t.Errorf("record %+v: want a latency and no flags", rec)
			}
			if tc.want == ledger.ClassOK && (rec.Bytes != 5 || ledger.Name(meta.Gateways, rec.Gateway) != "gw-1") {
				t.Errorf("record %+v: want 5 body bytes and gateway gw-1", rec)
			}
		})
	}
	if n != 9 {
		t.Errorf("%d plain-HTTP cases, want 9", n)
	}
}

// countingDial dials through a net.Dialer and counts the connections.
func countingDial(n *atomic.Int32) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// TestKeepAliveReuse: one request at a time goes over one kept connection;
// every request but the first is flagged reused.
func TestKeepAliveReuse(t *testing.T) {
	forClients(t, func(t *testing.T, client string) {
		e := &echo{gateway: "gw", backend: "be"}
		var dials atomic.Int32
		cfg := Config{
			Targets: []string{serve(t, e)}, Rate: 100, Duration: 200 * time.Millisecond, MaxWorkers: 1,
			Dial: countingDial(&dials), LedgerDir: t.TempDir(), Client: client,
		}
		st, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		recs, _ := readLedger(t, cfg.LedgerDir)
		if st.OK != 20 || dials.Load() != 1 {
			t.Fatalf("stats %+v, %d dials; want 20 ok over 1 connection", st, dials.Load())
		}
		for _, r := range recs {
			if reused := r.Flags&ledger.FlagReused != 0; reused != (r.Seq > 0) {
				t.Errorf("seq %d flags %b", r.Seq, r.Flags)
			}
		}
	})
}

// TestConnectionClose: a server that closes after each response
// ("Connection: close") gets a new connection per request, none of them
// failed or flagged reused; with DisableKeepAlive the client asks for the
// close itself.
func TestConnectionClose(t *testing.T) {
	forClients(t, func(t *testing.T, client string) {
		for _, clientCloses := range []bool{false, true} {
			t.Run(fmt.Sprint("client closes ", clientCloses), func(t *testing.T) {
				var asked atomic.Int32
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.Copy(io.Discard, r.Body) // test server
					if r.Close {
						asked.Add(1)
					}
					w.Header().Set("Connection", "close")
					w.Header().Set(HeaderGateway, "gw")
					fmt.Fprintln(w, "bye")
				})
				var dials atomic.Int32
				cfg := Config{
					Targets: []string{serve(t, h)}, Rate: 100, Duration: 200 * time.Millisecond, MaxWorkers: 1,
					DisableKeepAlive: clientCloses, Dial: countingDial(&dials), LedgerDir: t.TempDir(), Client: client,
				}
				st, err := Run(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				recs, meta := readLedger(t, cfg.LedgerDir)
				if st.OK != 20 || dials.Load() != 20 {
					t.Fatalf("stats %+v, %d dials; want 20 ok over 20 connections", st, dials.Load())
				}
				if want := map[bool]int32{false: 0, true: 20}[clientCloses]; asked.Load() != want {
					t.Errorf("%d requests asked to close, want %d", asked.Load(), want)
				}
				for _, r := range recs {
					if r.Flags != 0 || r.Bytes != 4 || ledger.Name(meta.Gateways, r.Gateway) != "gw" {
						t.Errorf("record %+v", r)
					}
				}
			})
		}
	})
}

// TestNoResendOnDeadConnection: a server that takes the second request
// of each connection and then dies without answering (FIN or RST). The
// request fails on the reused connection and is never sent again: the
// server saw every id exactly once, and the ledger has one record each.
func TestNoResendOnDeadConnection(t *testing.T) {
	for _, rst := range []bool{false, true} {
		t.Run(map[bool]string{false: "fin", true: "rst"}[rst], func(t *testing.T) {
			forClients(t, func(t *testing.T, client string) {
				for _, method := range []string{http.MethodPost, http.MethodGet} {
					t.Run(method, func(t *testing.T) {
						var ids idCounts
						addr := rawServer(t, func(c net.Conn) {
							defer c.Close() // test server
							br := bufio.NewReader(c)
							for i := 1; ; i++ {
								req, err := http.ReadRequest(br)
								if err != nil {
									return
								}
								_, _ = io.Copy(io.Discard, req.Body) // read all: a FIN close stays a FIN
								ids.add(req.Header.Get(HeaderID))
								if i == 2 {
									if rst {
										_ = c.(*net.TCPConn).SetLinger(0)
									}
									return
								}
								fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n%s: gw\r\n\r\nok\n", HeaderGateway)
							}
						})
						cfg := Config{
							Targets: []string{addr}, Rate: 40, Duration: 500 * time.Millisecond, Method: method,
							MaxWorkers: 1, Timeout: time.Second, LedgerDir: t.TempDir(), Client: client,
						}
						st, err := Run(context.Background(), cfg)
						if err != nil {
							t.Fatal(err)
						}
						recs, _ := readLedger(t, cfg.LedgerDir)
						if total, most := ids.total(); len(recs) != 20 || total != 20 || most != 1 {
							t.Fatalf("%d records; server saw %d requests, an id at most %d times; want 20, 20, 1", len(recs), total, most)
						}
						want := map[bool]ledger.Class{false: ledger.ClassEOF, true: ledger.ClassReset}[rst]
						var failed int64
						for _, r := range recs {
							if r.Flags&ledger.FlagRetried != 0 {
								t.Errorf("seq %d retried", r.Seq)
							}
							if !r.OK() {
								failed++
								if r.Class != want || r.Flags&ledger.FlagReused == 0 {
									t.Errorf("seq %d: class %s flags %b, want %s on a reused connection", r.Seq, r.Class, r.Flags, want)
								}
							}
						}
						if failed != 10 || st.Failed != failed {
							t.Errorf("%d failures (stats %d), want 10 of 20", failed, st.Failed)
						}
					})
				}
			})
		})
	}
}

// idCounts counts the ids a raw test server received.
type idCounts struct {
	mu  sync.Mutex
	ids map[string]int
}

func (c *idCounts) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids = make(map[string]int)
	}
	c.ids[id]++
}

// total is the number of requests and most the largest count of one id.
func (c *idCounts) total() (total, most int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.ids {
		total += n
		most = max(most, n)
	}
	return total, most
}

// TestLeanResponseForms: the lean reader finds the end of every response
// form a gateway sends (Content-Length, chunked with extensions and
// trailers, an HTTP/1.0 body ended by the close, a 1xx before the final
// response, 204) and records its status, body size and the gateway and
// backend headers (any case), keeping the connection only where allowed.
func TestLeanResponseForms(t *testing.T) {
	cases := []struct {
		name, resp string
		status     uint16
		bytes      uint32
		keep       bool
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nx-gatecert-gateway: gw-1\r\nX-GATECERT-BACKEND:  be-1 \r\n\r\nhello", 200, 5, true},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Gatecert-Gateway: gw-1\r\nX-Gatecert-Backend: be-1\r\n\r\n" +
			"3;ext=1\r\nhel\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n", 200, 13, true},
		{"http10-until-close", "HTTP/1.0 200 OK\r\nX-Gatecert-Gateway: gw-1\r\nX-Gatecert-Backend: be-1\r\n\r\nbody until close", 200, 16, false},
		{"interim", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Gatecert-Gateway: gw-1\r\nX-Gatecert-Backend: be-1\r\n\r\nok", 201, 2, true},
		{"no-content", "HTTP/1.1 204 No Content\r\nX-Gatecert-Gateway: gw-1\r\nX-Gatecert-Backend: be-1\r\n\r\n", 204, 0, true},
		{"close-header", "HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 4\r\nX-Gatecert-Gateway: gw-1\r\nX-Gatecert-Backend: be-1\r\n\r\nbusy", 503, 4, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var conns atomic.Int32
			addr := rawServer(t, func(c net.Conn) {
				conns.Add(1)
				defer c.Close() // test server
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body) // test server
					if _, err := io.WriteString(c, tc.resp); err != nil || strings.HasPrefix(tc.resp, "HTTP/1.0") {
						return
					}
				}
			})
			cfg := Config{Targets: []string{addr}, Rate: 100, Duration: 50 * time.Millisecond, MaxWorkers: 1,
				LedgerDir: t.TempDir(), Client: ClientLean}
			st, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			recs, meta := readLedger(t, cfg.LedgerDir)
			for _, r := range recs {
				if r.Status != tc.status || r.Bytes != tc.bytes || ledger.Name(meta.Gateways, r.Gateway) != "gw-1" || ledger.Name(meta.Backends, r.Backend) != "be-1" {
					t.Errorf("record %+v (gateway %q backend %q)", r, ledger.Name(meta.Gateways, r.Gateway), ledger.Name(meta.Backends, r.Backend))
				}
			}
			if want := map[bool]int32{true: 1, false: 5}[tc.keep]; len(recs) != 5 || conns.Load() != want {
				t.Errorf("%d records over %d connections, want 5 over %d; stats %+v", len(recs), conns.Load(), want, st)
			}
		})
	}
}

// TestLeanMalformed: a response that is not HTTP fails as other, once.
func TestLeanMalformed(t *testing.T) {
	addr := rawServer(t, func(c net.Conn) {
		defer c.Close() // test server
		if err := readRequest(c); err == nil {
			_, _ = io.WriteString(c, "SSH-2.0-OpenSSH\r\n\r\n") // test server
		}
	})
	rec, _ := runOne(t, Config{Targets: []string{addr}, Client: ClientLean})
	if rec.Class != ledger.ClassOther || rec.Status != 0 {
		t.Errorf("record %+v, want class other", rec)
	}
}

// TestLeanSelection: Config.Client's default is net/http (the lean client
// is opt-in until the catalogue has run on it); lean is taken when asked.
func TestLeanSelection(t *testing.T) {
	base := Config{Targets: []string{"127.0.0.1:1"}, Rate: 1, Duration: time.Second, LedgerDir: "x"}
	cases := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"plain", func(*Config) {}, ClientNetHTTP},
		{"forced lean", func(c *Config) { c.Client = ClientLean }, ClientLean},
		{"forced net/http", func(c *Config) { c.Client = ClientNetHTTP }, ClientNetHTTP},
		{"big body", func(c *Config) { c.BodyBytes = 64 << 10 }, ClientNetHTTP},
		{"tls", func(c *Config) { c.TLS = &tls.Config{} }, ClientNetHTTP},
	}
	for _, tc := range cases {
		cfg := base
		tc.mod(&cfg)
		got, err := cfg.withDefaults()
		if err != nil || got.Client != tc.want {
			t.Errorf("%s: client %q (err %v), want %q", tc.name, got.Client, err, tc.want)
		}
	}
	cfg := base
	cfg.Client, cfg.TLS = ClientLean, &tls.Config{}
	if _, err := cfg.withDefaults(); err == nil || !strings.Contains(err.Error(), "Client") {
		t.Errorf("lean with TLS accepted: %v", err)
	}
}
