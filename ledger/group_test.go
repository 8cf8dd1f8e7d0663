package ledger

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePart writes a group's ledger directory: meta m and the records.
func writePart(t *testing.T, m Meta, recs ...Record) string {
	t.Helper()
	dir := t.TempDir()
	w, err := Create(filepath.Join(dir, ClientFile))
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
	m.Records = w.Count()
	if err := WriteMeta(dir, m); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMergeGroups: two groups' ledgers merge into one whose name tables
// are the union (indexes remapped), whose intended times share the
// earliest start, and whose meta names each record's group by its Seq.
func TestMergeGroups(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	eu := writePart(t, Meta{Version: 1, Start: t0.Add(3 * time.Millisecond), Rate: 50,
		LBs: []string{"eu-lb1", "us-lb1"}, Gateways: []string{"eu-z1n1-gw0"}, Backends: []string{"eu-z1n1-echo"},
		SendLagP99: time.Millisecond, Zones: map[string]string{"eu-z1n1-gw0": "eu-z1"}},
		Record{Seq: 0, Intended: 0, LB: 0, Gateway: 0, Backend: 0},
		Record{Seq: 1, Intended: 20 * time.Millisecond, LB: 1, Gateway: NoName, Backend: NoName, Class: ClassConnectRefused})
	us := writePart(t, Meta{Version: 1, Start: t0, Rate: 150,
		LBs: []string{"eu-lb1", "us-lb1"}, Gateways: []string{"us-z1n1-gw0", "eu-z1n1-gw0"}, Backends: []string{"us-z1n1-echo"},
		SendLagP99: 4 * time.Millisecond, ClientSaturated: true, SaturationReason: "lag"},
		Record{Seq: 2, Intended: 0, LB: 1, Gateway: 0, Backend: 0},
		Record{Seq: 3, Intended: time.Millisecond, LB: 0, Gateway: 1, Backend: 0})
	out := t.TempDir()
	m, err := Merge(out, []Part{
		{Dir: eu, Group: Group{Name: "eu", Region: "eu", Resolver: "ttl", First: 0, Count: 2}},
		{Dir: us, Group: Group{Name: "us", Region: "us", Resolver: "cached", First: 2, Count: 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Start.Equal(t0) || m.Rate != 200 || m.Records != 4 || m.SendLagP99 != 4*time.Millisecond ||
		!m.ClientSaturated || m.SaturationReason != "us: lag" {
		t.Errorf("meta %+v", m)
	}
	if g, ok := m.GroupOf(3); !ok || g.Name != "us" {
		t.Errorf("GroupOf(3) = %+v %v, want us", g, ok)
	}
	if _, ok := m.GroupOf(4); ok {
		t.Error("GroupOf(4) found a group outside every range")
	}
	recs, err := ReadAll(filepath.Join(out, ClientFile))
	if err != nil {
		t.Fatal(err)
	}
	name := func(names []string, i uint8) string { return Name(names, i) }
	got := []string{}
	for _, r := range recs {
		got = append(got, strings.Join([]string{name(m.LBs, r.LB), name(m.Gateways, r.Gateway), name(m.Backends, r.Backend), r.Intended.String()}, " "))
	}
	want := []string{
		"eu-lb1 eu-z1n1-gw0 eu-z1n1-echo 3ms", // eu started 3ms after us: shifted
		"us-lb1   23ms",
		"us-lb1 us-z1n1-gw0 us-z1n1-echo 0s",
		"eu-lb1 eu-z1n1-gw0 us-z1n1-echo 1ms", // us's gateway index 1 is eu's gateway
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if m2, err := ReadMeta(out); err != nil || len(m2.Groups) != 2 || m2.Groups[1].Resolver != "cached" {
		t.Errorf("stored meta groups %+v (%v)", m2.Groups, err)
	}
}

// TestMergeRejects: overlapping ranges and a record outside its group's
// range are errors, not a ledger that names the wrong group.
func TestMergeRejects(t *testing.T) {
	a := writePart(t, Meta{Version: 1}, Record{Seq: 0}, Record{Seq: 1})
	b := writePart(t, Meta{Version: 1}, Record{Seq: 5})
	if _, err := Merge(t.TempDir(), []Part{{Dir: a, Group: Group{Name: "a", First: 0, Count: 2}}, {Dir: b, Group: Group{Name: "b", First: 1, Count: 10}}}); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("overlap: %v", err)
	}
	if _, err := Merge(t.TempDir(), []Part{{Dir: a, Group: Group{Name: "a", First: 0, Count: 1}}}); err == nil || !strings.Contains(err.Error(), "seq 1 outside its range [0, 1)") {
		t.Errorf("outside: %v", err)
	}
}
