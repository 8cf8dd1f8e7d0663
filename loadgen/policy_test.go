package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
)

// TestFailoverDeadFirst: with the first address refusing connections and
// the second alive, failover loses nothing: requests that found the dead
// address fail over within the request (flagged), and once one succeeded
// the policy sticks to the live address.
func TestFailoverDeadFirst(t *testing.T) { forClients(t, testFailoverDeadFirst) }

func testFailoverDeadFirst(t *testing.T, client string) {
	live := &echo{gateway: "gw-live", backend: "be"}
	cfg := Config{Client: client,
		Targets:  []string{closedPort(t), serve(t, live)},
		LBPolicy: PolicyFailover,
		Rate:     200, Duration: 500 * time.Millisecond,
		ConnectTimeout: 200 * time.Millisecond, Timeout: time.Second,
		LedgerDir: t.TempDir(),
	}
	st, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	recs, meta := readLedger(t, cfg.LedgerDir)
	if st.Failed != 0 || st.OK != 100 || meta.Policy != PolicyFailover {
		t.Fatalf("stats %+v, policy %q", st, meta.Policy)
	}
	var flagged int
	firstEnd := time.Duration(1 << 62)
	for _, r := range recs {
		if r.LB != 1 || !r.OK() {
			t.Fatalf("record %+v: want ok via LB 1", r)
		}
		if r.Flags&ledger.FlagFailover != 0 {
			flagged++
		}
		firstEnd = min(firstEnd, r.End())
	}
	// Only requests sent before the first success tried the dead address
	// (1 ms for the ledger's microsecond rounding).
	for _, r := range recs {
		if r.Flags&ledger.FlagFailover != 0 && r.Sent() > firstEnd+time.Millisecond {
			t.Errorf("seq %d sent at %v, after the first success at %v, still tried the dead address", r.Seq, r.Sent(), firstEnd)
		}
	}
	if flagged == 0 || st.FailedOver != int64(flagged) {
		t.Errorf("%d records flagged failover (stats %d), want some", flagged, st.FailedOver)
	}
}

// TestFailoverSwitch: the live address dies mid-run; after the first
// failure the policy moves to the other address and nothing fails after
// the switch.
func TestFailoverSwitch(t *testing.T) { forClients(t, testFailoverSwitch) }

func testFailoverSwitch(t *testing.T, client string) {
	a := httptest.NewServer(&echo{gateway: "gw-a", backend: "be"})
	defer a.Close()
	b := &echo{gateway: "gw-b", backend: "be"}
	cfg := Config{Client: client,
		Targets:  []string{hostPort(t, a.URL), serve(t, b)},
		LBPolicy: PolicyFailover,
		Rate:     200, Duration: 600 * time.Millisecond,
		ConnectTimeout: 200 * time.Millisecond, Timeout: time.Second,
		DisableKeepAlive: true, // a fresh connect per request sees the death at once
		LedgerDir:        t.TempDir(),
	}
	go func() {
		time.Sleep(250 * time.Millisecond) // mid-run; exact time does not matter
		a.Close()
	}()
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	recs, _ := readLedger(t, cfg.LedgerDir)
	var onA, onB, afterSwitchFailed int
	switched := time.Duration(1 << 62) // the first success via b
	for _, r := range recs {
		switch {
		case r.LB == 1 && r.OK():
			onB++
			switched = min(switched, r.End())
		case r.LB == 0 && r.OK():
			onA++
		}
	}
	// A request a's shutdown caught on an accepted connection may fail
	// (that is a real loss); none sent after the switch may.
	for _, r := range recs {
		if !r.OK() && r.Sent() > switched+time.Millisecond {
			afterSwitchFailed++
		}
	}
	if onA == 0 || onB == 0 || afterSwitchFailed != 0 {
		t.Errorf("%d ok via a, %d via b, %d failures after the switch", onA, onB, afterSwitchFailed)
	}
}

func TestSpreadRoundRobin(t *testing.T) {
	c := newClient(Config{Targets: []string{"a:1", "b:1", "c:1"}})
	for n := uint64(0); n < 6; n++ {
		if got := c.pick(n); got != int(n%3) {
			t.Errorf("pick(%d) = %d", n, got)
		}
	}
}

// TestSaturationReported: a server slower than the schedule with too few
// workers makes the run fall behind; that is reported, and the ledger
// still holds every scheduled request at its intended time.
func TestSaturationReported(t *testing.T) { forClients(t, testSaturationReported) }

func testSaturationReported(t *testing.T, client string) {
	slow := &echo{gateway: "gw", backend: "be", delay: func(int) time.Duration { return 20 * time.Millisecond }}
	cfg := Config{Client: client,
		Targets: []string{serve(t, slow)}, Rate: 200, Duration: 300 * time.Millisecond,
		MaxWorkers: 1, Timeout: time.Second, LedgerDir: t.TempDir(),
	}
	st, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	recs, meta := readLedger(t, cfg.LedgerDir)
	if !st.Saturated || !meta.ClientSaturated || meta.SaturationReason == "" || st.WorkersExhausted == 0 {
		t.Errorf("stats %+v, meta saturated %v %q", st, meta.ClientSaturated, meta.SaturationReason)
	}
	if len(recs) != 60 || recs[59].Intended != time.Duration(59*5)*time.Millisecond || recs[59].SendLag < 500*time.Millisecond {
		t.Errorf("%d records, last %+v", len(recs), recs[len(recs)-1])
	}

	fast := &echo{gateway: "gw", backend: "be"}
	// A generous lag bound: a shared test machine can stall a process for
	// 100 ms, which is saturation, but not what this test is about.
	cfg = Config{Client: client, Targets: []string{serve(t, fast)}, Rate: 100, Duration: 300 * time.Millisecond, LedgerDir: t.TempDir(),
		SaturationLag: time.Second}
	st, err = Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st.Saturated {
		t.Errorf("an easy run reported saturated: %+v", st)
	}
}

func TestPhaseInLedger(t *testing.T) {
	e := &echo{gateway: "gw", backend: "be"}
	cfg := Config{
		Targets:   []string{serve(t, e)},
		Schedule:  Phases(Constant(100, 200*time.Millisecond), Ramp(100, 200, 200*time.Millisecond), Constant(50, 200*time.Millisecond)),
		LedgerDir: t.TempDir(),
	}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	recs, meta := readLedger(t, cfg.LedgerDir)
	var per [3]int
	for _, r := range recs {
		per[r.Phase]++
		if lo := time.Duration(r.Phase) * 200 * time.Millisecond; r.Intended < lo || r.Intended >= lo+200*time.Millisecond {
			t.Errorf("seq %d phase %d at %v", r.Seq, r.Phase, r.Intended)
		}
	}
	if per != [3]int{20, 30, 10} || meta.Phases != 3 {
		t.Errorf("per phase %v, meta phases %d", per, meta.Phases)
	}
}

var _ http.Handler = (*echo)(nil)

// TestRetryGuardEmptyPOST: a POST without a body goes out with a nil body
// (no per-request probe); Go still never replays it, so every attempt the
// server saw is a record and the keep-alive race shows as failures.
func TestRetryGuardEmptyPOST(t *testing.T) { forClients(t, testRetryGuardEmptyPOST) }

func testRetryGuardEmptyPOST(t *testing.T, client string) {
	var s closeSecond
	cfg := Config{Client: client,
		Targets: []string{s.start(t)}, Rate: 40, Duration: 500 * time.Millisecond,
		Method: http.MethodPost, MaxWorkers: 1, Timeout: time.Second, LedgerDir: t.TempDir(),
	}
	st, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := readLedger(t, cfg.LedgerDir)
	if len(recs) != 20 || s.received.Load() != 20 || st.Failed < 8 {
		t.Errorf("%d records, server saw %d, %d failed; want 20, 20, about half", len(recs), s.received.Load(), st.Failed)
	}
	for _, r := range recs {
		if r.Flags&ledger.FlagRetried != 0 {
			t.Errorf("seq %d retried", r.Seq)
		}
	}
}
