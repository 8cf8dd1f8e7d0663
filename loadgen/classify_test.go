package loadgen

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
)

// oneRequest sends a single request through the same client Run uses.
func oneRequest(t *testing.T, cfg Config) (ledger.Record, error) {
	t.Helper()
	cfg.Rate, cfg.Duration, cfg.LedgerDir = 1, time.Second, t.TempDir()
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 300 * time.Millisecond
	}
	if cfg.BodyBytes == 0 {
		cfg.BodyBytes = 64
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(cfg)
	defer c.close()
	return c.do(context.Background(), 7, 0, time.Now(), 0)
}

func hostPort(t *testing.T, rawURL string) string {
	t.Helper()
	return strings.TrimPrefix(strings.TrimPrefix(rawURL, "http://"), "https://")
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// blackHole returns a config whose connects hang until the connect
// timeout, as with a black-holed LB: a listener that never accepts and
// whose accept queue is full, where the kernel drops further SYNs; where
// it answers them anyway (SYN cookies: these machines), a dialer that
// holds the connect until the client's own connect deadline, so the
// classification of the dial error that deadline produces is still
// exercised end to end.
func blackHole(t *testing.T) Config {
	t.Helper()
	if addr := fullBacklog(t); addr != "" {
		return Config{Targets: []string{addr}, ConnectTimeout: 200 * time.Millisecond}
	}
	t.Log("kernel answers SYNs for a full accept queue: black hole by a dialer that never completes")
	var d net.Dialer
	hold := func(ctx context.Context, network, addr string) (net.Conn, error) {
		<-ctx.Done() // the client's connect timeout ends the connect, as a dropped SYN would
		return d.DialContext(ctx, network, addr)
	}
	return Config{Targets: []string{closedPort(t)}, ConnectTimeout: 200 * time.Millisecond, Dial: hold}
}

// fullBacklog returns an address whose listener never accepts and whose
// accept queue is full, or "" when the kernel keeps accepting SYNs.
func fullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) }) // test socket
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	for i := 0; i < 16; i++ {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return addr // queue full
			}
			t.Fatalf("fill backlog: %v", err)
		}
		t.Cleanup(func() { _ = c.Close() }) // test connection
	}
	return ""
}

// rawServer accepts connections on loopback and hands each to fn.
func rawServer(t *testing.T, fn func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() }) // ends the accept loop
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go fn(c)
		}
	}()
	return ln.Addr().String()
}

// readRequest reads one whole request (body included) from c, so a close
// afterwards sends FIN, not RST for unread data.
func readRequest(c net.Conn) error {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, req.Body)
	return err
}

// classifyCase is one real socket failure (or success) and the class it
// must get.
type classifyCase struct {
	name string
	cfg  Config
	want ledger.Class
}

// classifyCases starts the servers of the classification cases; both
// clients are judged on the same sockets.
func classifyCases(t *testing.T) []classifyCase {
	t.Helper()
	okSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // test server
		w.Header().Set(HeaderGateway, "gw-1")
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(okSrv.Close)
	status := func(code int) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(code)
		}))
		t.Cleanup(s.Close)
		return hostPort(t, s.URL)
	}
	eofSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // read all: close must send FIN
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		_ = c.Close() // the point of the server: no response at all
	}))
	t.Cleanup(eofSrv.Close)
	release := make(chan struct{})
	slowSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slowSrv.Close)
	t.Cleanup(func() { close(release) }) // runs before slowSrv.Close
	tlsSrv := httptest.NewTLSServer(okSrv.Config.Handler)
	t.Cleanup(tlsSrv.Close)
	mtlsSrv := httptest.NewUnstartedServer(okSrv.Config.Handler)
	mtlsSrv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	mtlsSrv.StartTLS()
	t.Cleanup(mtlsSrv.Close)
	trustTLS := &tls.Config{RootCAs: tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	trustMTLS := &tls.Config{RootCAs: mtlsSrv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}

	resetAddr := rawServer(t, func(c net.Conn) {
		if err := readRequest(c); err != nil {
			t.Error(err)
		}
		_ = c.(*net.TCPConn).SetLinger(0) // close sends RST
		_ = c.Close()
	})

	return []classifyCase{
		{"ok", Config{Targets: []string{hostPort(t, okSrv.URL)}}, ledger.ClassOK},
		{"refused", Config{Targets: []string{closedPort(t)}}, ledger.ClassConnectRefused},
		{"connect-timeout", blackHole(t), ledger.ClassConnectTimeout},
		{"reset", Config{Targets: []string{resetAddr}}, ledger.ClassReset},
		{"eof", Config{Targets: []string{hostPort(t, eofSrv.URL)}}, ledger.ClassEOF},
		{"timeout", Config{Targets: []string{hostPort(t, slowSrv.URL)}, Timeout: 200 * time.Millisecond}, ledger.ClassTimeout},
		{"tls-untrusted", Config{Targets: []string{hostPort(t, tlsSrv.URL)}, TLS: &tls.Config{}}, ledger.ClassTLS},
		{"tls-to-plain", Config{Targets: []string{hostPort(t, okSrv.URL)}, TLS: &tls.Config{}}, ledger.ClassTLS},
		{"tls-client-cert-required", Config{Targets: []string{hostPort(t, mtlsSrv.URL)}, TLS: trustMTLS}, ledger.ClassTLS},
		{"tls-ok", Config{Targets: []string{hostPort(t, tlsSrv.URL)}, TLS: trustTLS}, ledger.ClassOK},
		// Go's TLS server answers a plain request with "400 Bad Request".
		{"plain-to-tls", Config{Targets: []string{hostPort(t, tlsSrv.URL)}}, ledger.ClassHTTP4xx},
		{"http-4xx", Config{Targets: []string{status(404)}}, ledger.ClassHTTP4xx},
		{"http-5xx", Config{Targets: []string{status(503)}}, ledger.ClassHTTP5xx},
	}
}

func TestClassifyRealSockets(t *testing.T) {
	cases := classifyCases(t)
	// Also accepted where the socket race allows it. TLS 1.3: the client
	// finishes its handshake before the server rejects the missing
	// certificate; the server's alert and RST then race our request write.
	// The connection's reader usually has the alert (tls); about 1 in 20
	// runs the write's reset is all there is.
	alt := map[string]ledger.Class{"tls-client-cert-required": ledger.ClassReset}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := oneRequest(t, tc.cfg)
			t.Logf("status %d class %s err %v", rec.Status, rec.Class, err)
			if a, ok := alt[tc.name]; rec.Class != tc.want && (!ok || rec.Class != a) {
				t.Fatalf("class %s, want %s (status %d, err %v)", rec.Class, tc.want, rec.Status, err)
			}
			if rec.Seq != 7 || rec.Latency <= 0 {
				t.Errorf("record %+v: want seq 7 and a latency", rec)
			}
			if tc.want == ledger.ClassOK && (rec.Bytes != 5 || ledger.Name([]string{"gw-1"}, rec.Gateway) != "gw-1") {
				t.Errorf("record %+v: want 5 body bytes and gateway gw-1", rec)
			}
		})
	}
}

func TestClassifyValues(t *testing.T) {
	dialTimeout := &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	cases := []struct {
		err    error
		status int
		want   ledger.Class
	}{
		{nil, 200, ledger.ClassOK},
		{nil, 302, ledger.ClassOK},
		{nil, 429, ledger.ClassHTTP4xx},
		{nil, 502, ledger.ClassHTTP5xx},
		{nil, 0, ledger.ClassOther},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, 0, ledger.ClassConnectRefused},
		{dialTimeout, 0, ledger.ClassConnectTimeout},
		{&net.OpError{Op: "dial", Err: context.DeadlineExceeded}, 0, ledger.ClassConnectTimeout},
		{&net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, 0, ledger.ClassReset},
		{fmt.Errorf("write: %w", syscall.EPIPE), 0, ledger.ClassReset},
		{io.EOF, 0, ledger.ClassEOF},
		{fmt.Errorf("body: %w", io.ErrUnexpectedEOF), 200, ledger.ClassEOF},
		{fmt.Errorf("body: %w", syscall.ECONNRESET), 400, ledger.ClassHTTP4xx},
		{errors.New("http: server closed idle connection"), 0, ledger.ClassEOF},
		{context.DeadlineExceeded, 0, ledger.ClassTimeout},
		{&net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, 0, ledger.ClassTimeout},
		{tls.RecordHeaderError{Msg: "tls: first record does not look like a TLS handshake"}, 0, ledger.ClassTLS},
		{&tls.CertificateVerificationError{Err: errors.New("x509: certificate signed by unknown authority")}, 0, ledger.ClassTLS},
		{tls.AlertError(40), 0, ledger.ClassTLS},
		{errors.New("tls: server selected unsupported protocol version 300"), 0, ledger.ClassTLS},
		{errors.New("something else"), 0, ledger.ClassOther},
	}
	for _, tc := range cases {
		if got := Classify(tc.err, tc.status); got != tc.want {
			t.Errorf("Classify(%v, %d) = %s, want %s", tc.err, tc.status, got, tc.want)
		}
	}
}
