package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func BenchmarkScheduleAt(b *testing.B) {
	for _, tc := range []struct {
		name string
		s    Schedule
	}{
		{"constant", Constant(50000, time.Hour)},
		{"ramp", Ramp(0, 50000, time.Hour)},
		{"phases", Phases(Ramp(0, 50000, time.Minute), Constant(50000, time.Hour), Steps(50000, -10000, time.Minute, 5))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, ok := tc.s.At(uint64(i) % 1e7); !ok {
					b.Fatal("schedule ended")
				}
				_ = phaseOf(tc.s, uint64(i))
			}
		})
	}
}

// BenchmarkRun: the whole per-request path (dispatcher or pacer, worker,
// HTTP client, classification, ledger write) against an in-process server, at
// a rate no machine reaches, so the dispatcher never waits: ns/op is the
// generator's cost per request plus the server's.
func BenchmarkRun(b *testing.B) {
	for _, client := range []string{ClientLean, ClientNetHTTP} {
		b.Run(client, func(b *testing.B) { benchmarkRun(b, client) })
	}
}

func benchmarkRun(b *testing.B, client string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n")) // benchmark server
	}))
	defer srv.Close()
	const rate = 1e7
	cfg := Config{
		Targets: []string{srv.Listener.Addr().String()}, Method: http.MethodPost,
		Schedule: Constant(rate, time.Duration(float64(b.N)/rate*1e9)+1), MaxWorkers: 64,
		LedgerDir: b.TempDir(), Client: client,
	}
	b.ReportAllocs()
	b.ResetTimer()
	st, err := Run(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	if st.Failed != 0 {
		b.Fatalf("%d failed", st.Failed)
	}
}
