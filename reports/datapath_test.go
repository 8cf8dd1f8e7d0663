package reports

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatecert/gatecert/ledger"
)

const pathResolved = `name: px
stack: {zones: 1, nodesPerZone: 2, loadBalancers: 1}
load: {rate: 10, duration: 2s}
slos: [{kind: zeroLoss}]
`

// A run stored before backend ledger format 2 (a byte-for-byte format-1
// fixture) is judged again as before: reconciled, no data-path section.
func TestReassessFormat1Run(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r1", "px")
	writeFile(t, filepath.Join(dir, ResolvedFile), pathResolved)
	writeLedger(t, dir, evalStart, 10, 20, 0)
	old, err := os.ReadFile(filepath.Join("testdata", "backend-format1.ledger"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "backend-z1n1-echo.ledger"), string(old))
	reassessAll(t, filepath.Dir(dir))
	v := readVerdict(t, dir)
	if v.Reconciliation == nil || v.Reconciliation.Delivered != 20 || v.DataPath != nil || v.Outcome != OutcomePassed {
		t.Errorf("format-1 run judged as outcome %s, reconciliation %+v, data path %+v; want passed, 20 delivered, none",
			v.Outcome, v.Reconciliation, v.DataPath)
	}
}

// Format-2 records give the entry node and the crossing: a gateway that
// saw a node's address entered through that node (a Cluster hop's SNAT);
// one that saw the LB's entered its own node.
func TestDataPathFromFormat2(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r2", "px")
	writeFile(t, filepath.Join(dir, ResolvedFile), pathResolved)
	writeLedger(t, dir, evalStart, 10, 20, 0)
	meta, err := ledger.ReadMeta(dir)
	if err != nil {
		t.Fatal(err)
	}
	meta.Nodes = map[string]string{"10.77.1.1": "z1n1", "10.77.1.2": "z1n2"}
	if err := ledger.WriteMeta(dir, meta); err != nil {
		t.Fatal(err)
	}
	n1, n2, lb := netip.MustParseAddr("10.77.1.1"), netip.MustParseAddr("10.77.1.2"), netip.MustParseAddr("10.77.100.1")
	w, err := ledger.CreateBackendFormat(filepath.Join(dir, "backend-z1n1-echo.ledger"), ledger.BackendFormat2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		r := ledger.BackendRecord{Seq: uint32(i), At: evalStart.UnixNano(), Peer: n1, Local: n1}
		switch {
		case i < 5: // entered z1n2, served on z1n1
			r.Peer = n2
		case i < 10: // the LB's address: entered the serving node
			r.Peer = lb
		}
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	reassessAll(t, filepath.Dir(dir))
	d := readVerdict(t, dir).DataPath
	if d == nil || d.Requests != 20 || d.Crossed != 5 || d.CrossShare != 0.25 || d.Entered["z1n2"] != 5 || d.Entered["z1n1"] != 15 || d.SeenAs["lb"] != 5 {
		t.Errorf("data path %+v: want 20 requests, 5 crossed from z1n2, 5 seen as the LB", d)
	}
	var b bytes.Buffer
	if err := WriteSummary(&b, readVerdict(t, dir)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "## Entered by node") || !strings.Contains(b.String(), "5 of 20 backend records crossed") {
		t.Errorf("summary.md lacks the entry nodes:\n%s", b.String())
	}
}
