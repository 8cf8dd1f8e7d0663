package loadgen

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
)

// TestGroupsSideBySide: two client groups run at once with disjoint id
// ranges (SeqBase); the backend sees every id once, and the merged ledger
// holds ids 0..N-1 once, each in its group's range.
func TestGroupsSideBySide(t *testing.T) {
	be := &echo{gateway: "gw", backend: "be"}
	target := serve(t, be)
	groups := []ledger.Group{{Name: "eu", Region: "eu", First: 0, Count: 100}, {Name: "us", Region: "us", First: 100, Count: 50}}
	parts := make([]ledger.Part, len(groups))
	var wg sync.WaitGroup
	errs := make([]error, len(groups))
	for i, g := range groups {
		parts[i] = ledger.Part{Dir: t.TempDir(), Group: g}
		cfg := Config{Targets: []string{target}, SeqBase: g.First, Rate: float64(g.Count), Duration: time.Second,
			Timeout: 2 * time.Second, LedgerDir: parts[i].Dir}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Run(context.Background(), cfg)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := be.received()
	if len(got) != 150 {
		t.Errorf("backend saw %d distinct ids, want 150", len(got))
	}
	for id, n := range got {
		if id < 0 || id >= 150 || n != 1 {
			t.Errorf("id %d received %d times", id, n)
		}
	}
	out := t.TempDir()
	m, err := ledger.Merge(out, parts)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := readLedger(t, out) // checks ids 0..N-1 once each
	for _, r := range recs {
		g, ok := m.GroupOf(r.Seq)
		if !ok || (r.Seq < 100) != (g.Name == "eu") {
			t.Fatalf("seq %d in group %+v", r.Seq, g)
		}
	}
}
