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
	var rc Reconciler
	if err := Scan(filepath.Join(dir, ClientFile), rc.AddClient); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"backend-a.ledger", "backend-b.ledger"} {
		err := ScanBackend(filepath.Join(dir, name), func(r BackendRecord) error { rc.AddBackend(r.Seq); return nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	got := rc.Result()
	// A not-sent record counts as failed: 7 reached a backend, so it is
	// failed after backend (no real run sends what it recorded not sent).
	want := Reconciliation{
		Delivered: 4, OKUnconfirmed: 1, FailedBeforeBackend: 2, FailedAfterBackend: 2,
		Duplicates: 2, Phantoms: 1,
	}
	if got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// Order does not matter; a duplicate client id is an error.
	rc = Reconciler{}
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
