package reports

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// t0 is the start of every synthetic run.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testMeta is a two-zone stack: two LBs, one gateway and one backend per zone.
func testMeta() ledger.Meta {
	return ledger.Meta{
		Version:  1,
		Start:    t0,
		Rate:     100,
		LBs:      []string{"lb1", "lb2"},
		Gateways: []string{"z1n1-gw0", "z2n1-gw0"},
		Backends: []string{"z1n1-be0", "z2n1-be0"},
		Zones: map[string]string{
			"z1n1-gw0": "z1", "z2n1-gw0": "z2",
			"z1n1-be0": "z1", "z2n1-be0": "z2",
		},
	}
}

// records parses a compact table of client records, one per line:
//
//	seq  intended  class  latency  lb  gw  be  [flags]
//
// Durations are Go durations, class is a ledger class name, lb/gw/be are
// name-table indexes or "-" for unknown, flags is a string of r (reused)
// and R (retried). Blank lines and lines starting with # are skipped.
func records(t *testing.T, table string) []ledger.Record {
	t.Helper()
	classes := map[string]ledger.Class{}
	for _, c := range ledger.Classes() {
		classes[c.String()] = c
	}
	idx := func(s string) uint8 {
		if s == "-" {
			return ledger.NoName
		}
		n, err := strconv.ParseUint(s, 10, 8)
		if err != nil {
			t.Fatalf("records: index %q: %v", s, err)
		}
		return uint8(n)
	}
	dur := func(s string) time.Duration {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("records: %v", err)
		}
		return d
	}
	var out []ledger.Record
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) < 7 {
			t.Fatalf("records: want 7 or 8 fields in %q", line)
		}
		seq, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil {
			t.Fatalf("records: seq %q: %v", f[0], err)
		}
		c, ok := classes[f[2]]
		if !ok {
			t.Fatalf("records: unknown class %q", f[2])
		}
		r := ledger.Record{Seq: uint32(seq), Intended: dur(f[1]), Class: c, Latency: dur(f[3]),
			LB: idx(f[4]), Gateway: idx(f[5]), Backend: idx(f[6])}
		if c == ledger.ClassOK {
			r.Status = 200
		}
		if len(f) > 7 {
			for _, fl := range f[7] {
				switch fl {
				case 'r':
					r.Flags |= ledger.FlagReused
				case 'R':
					r.Flags |= ledger.FlagRetried
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// steady returns n successful requests sent every interval, spread round
// robin over both LBs and both zones, each taking 2ms.
func steady(n int, every time.Duration) []ledger.Record {
	out := make([]ledger.Record, n)
	for i := range out {
		k := uint8(i % 2)
		out[i] = ledger.Record{Seq: uint32(i), Intended: time.Duration(i) * every, Latency: 2 * time.Millisecond,
			Status: 200, LB: k, Gateway: k, Backend: k}
	}
	return out
}

// fail marks seq as failed with class c.
func fail(recs []ledger.Record, c ledger.Class, seqs ...uint32) {
	for _, s := range seqs {
		recs[s].Class, recs[s].Status = c, 0
	}
}

// run is a synthetic run on disk.
type run struct {
	recs     []ledger.Record
	backends [][]uint32   // seqs each backend received, in order
	meta     *ledger.Meta // testMeta() when nil
}

// input writes the run into a temporary directory and returns the Input
// that evaluates it.
func (r run) input(t *testing.T, sc *spec.Scenario, events ...spec.Event) Input {
	t.Helper()
	dir := t.TempDir()
	meta := testMeta()
	if r.meta != nil {
		meta = *r.meta
	}
	meta.Records = int64(len(r.recs))
	if err := ledger.WriteMeta(dir, meta); err != nil {
		t.Fatal(err)
	}
	w, err := ledger.Create(filepath.Join(dir, ledger.ClientFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range r.recs {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	in := Input{Scenario: sc, RunID: "r1", LedgerDir: dir, Events: events, Provider: "local"}
	for i, seqs := range r.backends {
		p := filepath.Join(dir, "backend-"+strconv.Itoa(i)+".ledger")
		bw, err := ledger.CreateBackend(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range seqs {
			if err := bw.Write(ledger.BackendRecord{Seq: s, At: t0.Add(time.Duration(s) * time.Millisecond).UnixNano()}); err != nil {
				t.Fatal(err)
			}
		}
		if err := bw.Close(); err != nil {
			t.Fatal(err)
		}
		in.BackendLedgers = append(in.BackendLedgers, p)
	}
	return in
}

// evaluate writes the run and evaluates it.
func (r run) evaluate(t *testing.T, sc *spec.Scenario, events ...spec.Event) *Verdict {
	t.Helper()
	v, err := assembleInput(r.input(t, sc, events...))
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return v
}

// seqs returns lo..hi-1.
func seqs(lo, hi uint32) []uint32 {
	var out []uint32
	for s := lo; s < hi; s++ {
		out = append(out, s)
	}
	return out
}

// scenario returns a scenario with the given SLOs.
func scenario(slos ...spec.SLO) *spec.Scenario {
	return &spec.Scenario{Name: "rolling-restart", Expect: "pass", SLOs: slos}
}

var (
	zeroLoss = spec.SLO{Kind: spec.SLOZeroLoss}
	avail    = func(min float64) spec.SLO { return spec.SLO{Kind: spec.SLOAvailability, Min: min} }
)

// event is a fault timeline step at offset at.
func event(fault, kind, step string, at time.Duration) spec.Event {
	return spec.Event{Time: t0.Add(at), Fault: fault, Kind: kind, Step: step}
}

// assembleInput assembles the plain run of in, as the runner does.
func assembleInput(in Input) (*Verdict, error) {
	return Assemble(Assembly{Scenario: in.Scenario, RunID: in.RunID, Provider: in.Provider, Dir: in.LedgerDir,
		BackendLedgers: in.BackendLedgers, Events: in.Events})
}
