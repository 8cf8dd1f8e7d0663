package loadgen

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/fixtures/certs"
	"github.com/gatecert/gatecert/ledger"
)

// tlsServer serves h over TLS with a leaf of a fresh CA; the gateway header
// names the protocol the request came in with.
func tlsServer(t *testing.T, h2 bool) (addr string, ca *certs.CA) {
	t.Helper()
	ca, err := certs.NewCA(certs.ECDSA, "test ca")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(certs.ECDSA, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(HeaderGateway, r.Proto)
		w.Header().Set(HeaderBackend, "be")
		_, _ = w.Write([]byte("ok\n")) // test server
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate(ca)}}
	srv.EnableHTTP2 = h2
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return hostPort(t, srv.URL), ca
}

// count returns how many records have all the given flags, and checks
// every record is OK with the gateway header proto.
func checkRecords(t *testing.T, dir, proto string, flag uint8) (withFlag, total int) {
	t.Helper()
	recs, meta := readLedger(t, dir)
	for _, r := range recs {
		if !r.OK() || ledger.Name(meta.Gateways, r.Gateway) != proto {
			t.Fatalf("record %+v via %q, want ok via %s", r, ledger.Name(meta.Gateways, r.Gateway), proto)
		}
		if r.Flags&flag == flag {
			withFlag++
		}
	}
	return withFlag, len(recs)
}

func TestTLSModes(t *testing.T) {
	tests := []struct {
		name                    string
		h2, noKeepAlive, resume bool
		proto                   string
		flag                    uint8
		check                   func(n, total int) bool
	}{
		// Keep-alive: few connections, most requests reused.
		{"http1 keep-alive", false, false, false, "HTTP/1.1", ledger.FlagReused, func(n, total int) bool { return n >= total-8 }},
		// No keep-alive, no resumption: a full handshake per request.
		{"http1 no keep-alive", false, true, false, "HTTP/1.1", ledger.FlagResumed, func(n, _ int) bool { return n == 0 }},
		// No keep-alive with resumption: all resume but the connections
		// opened before the first ticket arrived (up to MaxWorkers, more
		// on a busy machine).
		{"http1 no keep-alive resumption", false, true, true, "HTTP/1.1", ledger.FlagResumed, func(n, total int) bool { return n >= total-10 }},
		// HTTP/2: requests multiplexed; each connection's first stream is new.
		{"http2", true, false, false, "HTTP/2.0", ledger.FlagReused, func(n, total int) bool { return n >= total-8 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, ca := tlsServer(t, tt.h2)
			cfg := Config{
				Targets: []string{addr}, Rate: 200, Duration: 250 * time.Millisecond,
				TLS: ca.ClientConfig(), HTTP2: tt.h2, DisableKeepAlive: tt.noKeepAlive, TLSResumption: tt.resume,
				MaxWorkers: 4, Timeout: time.Second, LedgerDir: t.TempDir(),
			}
			if _, err := Run(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			n, total := checkRecords(t, cfg.LedgerDir, tt.proto, tt.flag)
			if total != 50 || !tt.check(n, total) {
				t.Errorf("%d of %d records with flag %b", n, total, tt.flag)
			}
		})
	}
}

func TestTLSVerification(t *testing.T) {
	addr, _ := tlsServer(t, false)
	other, err := certs.NewCA(certs.RSA, "not the server's ca")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := oneRequest(t, Config{Targets: []string{addr}, TLS: other.ClientConfig()})
	if rec.Class != ledger.ClassTLS {
		t.Errorf("class %s (%v), want tls", rec.Class, err)
	}
	_, err = Run(context.Background(), Config{
		Targets: []string{addr}, Rate: 1, Duration: time.Second, LedgerDir: t.TempDir(),
		TLS: &tls.Config{InsecureSkipVerify: true},
	})
	if err == nil || !strings.Contains(err.Error(), "InsecureSkipVerify") {
		t.Errorf("insecure TLS without opt-in: %v", err)
	}
	_, err = Run(context.Background(), Config{
		Targets: []string{addr}, Rate: 1, Duration: time.Second, LedgerDir: t.TempDir(),
		HTTP2: true, TLS: other.ClientConfig(), DisableKeepAlive: true,
	})
	if err == nil || !strings.Contains(err.Error(), "keep-alive") {
		t.Errorf("HTTP2 without keep-alive: %v", err)
	}
}

// TestClassifyHTTP2Reset: a handler that aborts makes the HTTP/2 server
// reset the stream (RST_STREAM): class reset, not other.
func TestClassifyHTTP2Reset(t *testing.T) {
	ca, err := certs.NewCA(certs.ECDSA, "ca")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(certs.ECDSA, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler) // the server resets the stream, quietly
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf.TLSCertificate(ca)}}
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	rec, err := oneRequest(t, Config{Targets: []string{hostPort(t, srv.URL)}, TLS: ca.ClientConfig(), HTTP2: true})
	if rec.Class != ledger.ClassReset {
		t.Errorf("class %s (%v), want reset", rec.Class, err)
	}
}
