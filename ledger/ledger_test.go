package ledger

import (
	"path/filepath"
	"testing"
	"time"
)

func TestRecordRoundTrip(t *testing.T) {
	r := Record{
		Seq: 1<<32 - 1, Intended: 3*time.Hour + 7, SendLag: 1500 * time.Microsecond, Latency: 71 * time.Minute,
		Status: 503, Class: ClassHTTP5xx, LB: 2, Gateway: 3, Backend: NoName,
		Flags: FlagReused | FlagFailover | FlagResumed, Phase: 4, Bytes: 1 << 31,
	}
	var b [RecordSize]byte
	r.Marshal(b[:])
	var got Record
	got.Unmarshal(b[:])
	if got != r {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
	}
	// Sub-microsecond durations round up; overflows saturate.
	Record{SendLag: 1, Latency: 1 << 62}.Marshal(b[:])
	got.Unmarshal(b[:])
	if got.SendLag != time.Microsecond || got.Latency != (1<<32-1)*time.Microsecond {
		t.Errorf("rounding: %v %v", got.SendLag, got.Latency)
	}
	// Existing flag bits keep their values (on-disk format).
	if FlagReused != 1 || FlagRetried != 2 || FlagFailover != 4 || FlagResumed != 8 {
		t.Error("flag bits moved")
	}
}

// writeLedger writes recs through the real Writer and returns the path.
func writeLedger(t *testing.T, recs []Record) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), ClientFile)
	writeLedgerTo(t, p, recs)
	return p
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// synthetic: 10 req/s for 3 s; in second 1 every other request fails
// (reset), the last two of second 2 were never sent. Latency of an OK
// request is (seq+1) ms.
func synthetic() []Record {
	var out []Record
	for i := 0; i < 30; i++ {
		r := Record{Seq: uint32(i), Intended: ms(100 * i), Latency: ms(i + 1), Status: 200, Class: ClassOK}
		switch {
		case i >= 10 && i < 20 && i%2 == 1:
			r.Class, r.Status = ClassReset, 0
		case i >= 28:
			r.Class, r.Status, r.Latency = ClassNotSent, 0, 0
		}
		out = append(out, r)
	}
	// File order is completion order: reverse it to show order does not matter.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func TestPerSecond(t *testing.T) {
	ws, err := PerSecond(writeLedger(t, synthetic()))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 3 {
		t.Fatalf("%d windows", len(ws))
	}
	want := []struct{ ok, failed, notSent, reset int64 }{{10, 0, 0, 0}, {5, 5, 0, 5}, {8, 0, 2, 0}}
	for i, w := range ws {
		if w.Start != time.Duration(i)*time.Second || w.End != w.Start+time.Second || w.Requests != 10 {
			t.Errorf("window %d: %v..%v, %d requests", i, w.Start, w.End, w.Requests)
		}
		if got := (struct{ ok, failed, notSent, reset int64 }{w.OK, w.Failed, w.NotSent, w.Class(ClassReset)}); got != want[i] {
			t.Errorf("window %d: %+v, want %+v", i, got, want[i])
		}
	}
	// Second 0: latencies 1..10 ms. Nearest rank: p50 = 5 ms, p90 = 9 ms,
	// read within 1/16 above.
	l := &ws[0].Latency
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, ms(5)}, {0.9, ms(9)}, {1, ms(10)}} {
		if got := l.Quantile(c.q); got < c.want || got > c.want*17/16 {
			t.Errorf("p%v = %v, want %v (+1/16)", c.q*100, got, c.want)
		}
	}
	if l.Min() != ms(1) || l.Max() != ms(10) || l.Count() != 10 {
		t.Errorf("min %v max %v count %d", l.Min(), l.Max(), l.Count())
	}
}

func TestQueryWindows(t *testing.T) {
	p := writeLedger(t, synthetic())
	// Half-second windows over [0.5 s, 2 s): three windows; [1.5, 2) has
	// seqs 15..19: 15, 17, 19 failed.
	ws, err := QueryWindows(p, ms(500), ms(2000), ms(500))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 3 || ws[2].Start != ms(1500) || ws[2].Failed != 3 || ws[2].OK != 2 || ws[0].Requests != 5 {
		t.Errorf("windows %+v", ws)
	}
	// A window past the records is there and empty.
	ws, err = QueryWindows(p, 0, ms(4000), time.Second)
	if err != nil || len(ws) != 4 || ws[3].Requests != 0 || ws[3].Latency.Quantile(0.99) != 0 {
		t.Errorf("windows to 4 s: %d, %v", len(ws), err)
	}
	sum, err := Summary(p, ms(1000), ms(3000))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Requests != 20 || sum.OK != 13 || sum.Errors() != 7 || sum.Start != ms(1000) || sum.End != ms(3000) {
		t.Errorf("summary %+v", sum)
	}
	all, err := Summary(p, 0, 0)
	if err != nil || all.Requests != 30 || all.Latency.Max() != ms(28) {
		t.Errorf("whole run: %d requests, max %v, %v", all.Requests, all.Latency.Max(), err)
	}
	if _, err := NewSeries(0, 0, 0); err == nil {
		t.Error("zero step accepted")
	}
}

func TestHistogramBuckets(t *testing.T) {
	for us := uint64(0); us < 1<<24; us += 13 {
		b := histBucket(us)
		if histUpper(b) < time.Duration(us)*time.Microsecond || (b > 0 && histUpper(b-1) >= time.Duration(us)*time.Microsecond) {
			t.Fatalf("%d µs in bucket %d (upper %v)", us, b, histUpper(b))
		}
	}
	var h Histogram
	h.Observe(71 * time.Minute) // the largest latency a record holds
	if h.Quantile(0.5) != 71*time.Minute {
		t.Errorf("p50 %v", h.Quantile(0.5))
	}
}

func TestReconcile(t *testing.T) {
	// Client: 0-3 ok, 4-6 failed, 7 not sent, 8 ok.
	client := []Record{}
	for i := 0; i < 9; i++ {
		r := Record{Seq: uint32(i), Class: ClassOK}
		switch {
		case i >= 4 && i <= 6:
			r.Class = ClassEOF
		case i == 7:
			r.Class = ClassNotSent
		}
		client = append(client, r)
	}
	// Backends: 0,1,2 once; 3 twice (a duplicate, delivered); 4 once
	// (failed after backend); 5, 6 never (failed before); 7 (not sent, so
	// a phantom); 8 never (unconfirmed); 42 twice (phantom and duplicate).
	be1 := []uint32{0, 1, 3, 42}
	be2 := []uint32{2, 3, 4, 7, 42}
	dir := t.TempDir()
	writeLedgerTo(t, filepath.Join(dir, ClientFile), client)
	for i, ids := range [][]uint32{be1, be2} {
		w, err := CreateBackend(filepath.Join(dir, []string{"backend-a.ledger", "backend-b.ledger"}[i]))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if err := w.Write(BackendRecord{Seq: id, At: 1}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReconcileDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := Reconciliation{
		ClientRecords: 9, BackendRecords: 9,
		Delivered: 4, Unconfirmed: 1, FailedBeforeBackend: 2, FailedAfterBackend: 1, NotSent: 1,
		Duplicates: 2, Phantoms: 2,
	}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// Order does not matter; a duplicate client id is an error.
	var rc Reconciler
	rc.AddBackend(1)
	if err := rc.AddClient(Record{Seq: 1}); err != nil {
		t.Fatal(err)
	}
	if r := rc.Result(); r.Delivered != 1 {
		t.Errorf("backend first: %+v", r)
	}
	if err := rc.AddClient(Record{Seq: 1}); err == nil {
		t.Error("duplicate client seq accepted")
	}
	rc.AddBackend(1 << 31)
	if r := rc.Result(); r.Phantoms != 1 {
		t.Errorf("out-of-range backend id: %+v", r)
	}
}

func writeLedgerTo(t *testing.T, path string, recs []Record) {
	t.Helper()
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}
