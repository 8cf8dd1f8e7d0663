package ledger

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

func scanAll(t *testing.T, path string) []BackendRecord {
	t.Helper()
	var got []BackendRecord
	if err := ScanBackend(path, func(r BackendRecord) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

// A format-1 file written before format 2 existed (testdata, with a torn
// last record) still reads: ids and times, no addresses.
func TestScanBackendFormat1Fixture(t *testing.T) {
	got := scanAll(t, filepath.Join("testdata", "backend-v1.ledger"))
	if len(got) != 3 || got[0].Seq != 5 || got[2].At != 1_700_000_000_000_000_007 || got[1].Peer.IsValid() {
		t.Errorf("format-1 fixture read as %+v", got)
	}
}

// Format 2 carries both addresses; a restarted backend that asks for
// format 1 keeps appending in the file's own format.
func TestBackendFormat2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.ledger")
	peer, local := netip.MustParseAddr("10.77.1.2"), netip.MustParseAddr("10.77.2.1")
	w, err := CreateBackendFormat(path, BackendFormat2)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(BackendRecord{Seq: 1, At: 10, Peer: peer, Local: local}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	w, err = CreateBackend(path)
	if err != nil {
		t.Fatal(err)
	}
	if w.Format() != BackendFormat2 {
		t.Errorf("reopened a format-2 file as format %d", w.Format())
	}
	if err := w.Write(BackendRecord{Seq: 2, At: 20}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	st, _ := os.Stat(path)
	if st.Size() != backendHeaderSize+2*BackendRecordSizeV2 {
		t.Errorf("file size %d, want header + 2 records", st.Size())
	}
	got := scanAll(t, path)
	if len(got) != 2 || got[0].Peer != peer || got[0].Local != local || got[1].Seq != 2 || got[1].Peer.IsValid() {
		t.Errorf("format-2 records %+v", got)
	}
}
