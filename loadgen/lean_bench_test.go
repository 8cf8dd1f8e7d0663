package loadgen

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"testing"
	"time"
)

// cannedServer answers every bodiless request on a connection with the
// same keep-alive response, reading and writing through fixed buffers: a
// server that allocates nothing per request, so a benchmark's allocs/op
// are the client's.
func cannedServer(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ln.Close() }) // ends the accept loop
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n" + HeaderGateway + ": gw-1\r\n" + HeaderBackend + ": be-1\r\n\r\nok\n")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close() // benchmark server
				buf := make([]byte, 8<<10)
				out := make([]byte, 0, 8<<10)
				have := 0
				for {
					n, err := c.Read(buf[have:])
					if err != nil {
						return
					}
					have += n
					out = out[:0]
					for {
						i := bytes.Index(buf[:have], []byte("\r\n\r\n"))
						if i < 0 {
							break
						}
						have = copy(buf, buf[i+4:have])
						out = append(out, resp...)
					}
					if _, err := c.Write(out); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// BenchmarkLeanRun: the lean client's whole per-request path (pacer,
// write, reader, response parsing, classification, ledger write) against
// a server that allocates nothing, at a rate no machine reaches, so the
// pacer never sleeps. allocs/op is the client's allocations per request
// (the run's fixed set-up spread over b.N): 0 means none on the hot path.
func BenchmarkLeanRun(b *testing.B) {
	addr := cannedServer(b)
	const rate = 1e7
	cfg := Config{
		Targets: []string{addr}, Method: http.MethodPost, Client: ClientLean,
		Schedule: Constant(rate, time.Duration(float64(b.N)/rate*1e9)+1), MaxWorkers: 64,
		LedgerDir: b.TempDir(),
	}
	b.ReportAllocs()
	b.ResetTimer()
	st, err := Run(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	if st.Failed != 0 || st.Client != ClientLean {
		b.Fatalf("%d failed, client %s", st.Failed, st.Client)
	}
}
