// Command hslat measures TLS handshake latency at a fixed number of
// concurrent handshakes (closed loop: each of -c workers dials, completes
// a full handshake, sends one GET, reads the answer and closes, again and
// again for -d). It prints handshakes/s and handshake latency p50/p90/p99.
// scripts/tls-multibuffer/latency.sh runs it against asynch-nginx with and
// without the multi-buffer engine at 1, 8 and 64 concurrent handshakes.
// Only loopback addresses are accepted.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18443", "gateway host:port (loopback only)")
	conc := flag.Int("c", 8, "concurrent handshakes")
	dur := flag.Duration("d", 5*time.Second, "duration")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintln(os.Stderr, "hslat: -addr must be a loopback ip:port")
		os.Exit(2)
	}
	// The gateway's certificate is made by the script for this run; the
	// measurement is the server's handshake, not the client's checks.
	cfg := &tls.Config{InsecureSkipVerify: true, ClientSessionCache: nil, MinVersion: tls.VersionTLS13}
	var mu sync.Mutex
	var lat []time.Duration
	failed := 0
	stop := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			buf := make([]byte, 512)
			for time.Now().Before(stop) {
				t0 := time.Now()
				c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", *addr, cfg)
				if err != nil {
					bad++
					continue
				}
				hs := time.Since(t0)
				_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
				if err == nil {
					_, err = c.Read(buf)
				}
				c.Close()
				if err != nil {
					bad++
					continue
				}
				mine = append(mine, hs)
			}
			mu.Lock()
			lat = append(lat, mine...)
			failed += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("concurrency %d: %d handshakes in %s (%.0f/s), %d failed, handshake p50 %s p90 %s p99 %s\n",
		*conc, len(lat), *dur, float64(len(lat))/dur.Seconds(), failed,
		q(0.5).Round(10*time.Microsecond), q(0.9).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond))
}
