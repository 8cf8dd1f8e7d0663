package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenRun is one fixed synthetic run: a rolling restart that loses three
// requests, with backends that saw a duplicate, a phantom and one request
// the client reported as failed.
func goldenRun(t *testing.T) (run, *spec.Scenario, []spec.Event) {
	recs := records(t, `
		# seq intended class   latency lb gw be flags
		0     0s       ok      2ms     0  0  0
		1     250ms    ok      3ms     1  1  1  r
		2     500ms    ok      2ms     0  0  0  r
		3     750ms    ok      4ms     1  1  1  r
		5     1.25s    eof     12ms    1  0  -  r
		4     1s       ok      2ms     0  0  0  r
		6     1.5s     ok      9ms     0  1  1  rR
		7     1.75s    reset   30ms    1  0  0  r
		8     2s       ok      2ms     1  1  1
		9     2.25s    ok      2ms     0  1  1  r
		10    2.5s     ok      2500us  1  0  0
		11    2.75s    http-5xx 5ms    0  -  -  r
		12    3s       ok      2ms     1  1  1  r
		13    3.25s    ok      2ms     0  0  0  r
		14    3.5s     ok      150ms   1  1  1  r
		15    3.75s    ok      2ms     0  0  0  r
	`)
	recs[11].Status = 502
	for i := range recs {
		recs[i].SendLag = time.Duration(i%3) * 100 * time.Microsecond
	}
	r := run{recs: recs, backends: [][]uint32{
		{0, 2, 4, 7, 10, 13, 15},
		{1, 3, 6, 6, 8, 9, 12, 14, 99},
	}}
	sc := &spec.Scenario{
		Name:   "rolling-restart",
		Faults: []spec.Fault{{Kind: spec.FaultRollingRestart, At: spec.Duration(time.Second)}},
		SLOs:   []spec.SLO{{Kind: spec.SLOZeroLoss}, {Kind: spec.SLOAvailability, Min: 0.8}},
	}
	events := []spec.Event{
		event("", spec.FaultRollingRestart, spec.StepInject, time.Second),
		event("", spec.FaultRollingRestart, spec.StepRevert, 2500*time.Millisecond),
	}
	return r, sc, events
}

func TestGolden(t *testing.T) {
	r, sc, events := goldenRun(t)
	v := r.evaluate(t, sc, events...)

	dir := t.TempDir()
	js := filepath.Join(dir, "verdict.json")
	if err := WriteJSON(js, v); err != nil {
		t.Fatal(err)
	}
	jb, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "verdict.json.golden", jb)

	var md bytes.Buffer
	if err := WriteSummary(&md, v); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.md.golden", md.Bytes())

	ju := filepath.Join(dir, "junit.xml")
	if err := WriteJUnit(ju, []*Verdict{v, cleanVerdict(t)}); err != nil {
		t.Fatal(err)
	}
	xb, err := os.ReadFile(ju)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "junit.xml.golden", xb)

	golden(t, "line.golden", []byte(FormatLine(v)+"\n"))

	back, err := ReadJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, v) {
		t.Errorf("ReadJSON(WriteJSON(v)) differs from v:\n%+v\n%+v", back, v)
	}
}

// cleanVerdict is a passing run for the JUnit file's second suite.
func cleanVerdict(t *testing.T) *Verdict {
	v := run{recs: steady(20, 50*time.Millisecond)}.evaluate(t, &spec.Scenario{Name: "steady", SLOs: []spec.SLO{{Kind: spec.SLOZeroLoss}}})
	v.RunID = "r2"
	return v
}

func TestReadJSONRejectsOtherSchema(t *testing.T) {
	p := filepath.Join(t.TempDir(), "verdict.json")
	if err := os.WriteFile(p, []byte(`{"schemaVersion": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadJSON(p); err == nil || !strings.Contains(err.Error(), "schema version 3") {
		t.Errorf("err = %v, want a schema version error", err)
	}
}

// TestReadJSONSchema1 reads a schema-1 verdict: its one list of overrides
// split by source (the provider's format for its own provider, --set for
// the rest), the outcome derived from passed.
func TestReadJSONSchema1(t *testing.T) {
	p := filepath.Join(t.TempDir(), "verdict.json")
	v1 := `{"schemaVersion": 1, "scenario": "lb-kill", "provider": "kind", "passed": true,
	  "overrides": ["slos[2].grace=2.5s (kind: established connections outlive the Service)", "load.rate=500"]}`
	if err := os.WriteFile(p, []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := ReadJSON(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Override{
		{Set: "slos[2].grace=2.5s", Why: "established connections outlive the Service", Source: SourceProvider},
		{Set: "load.rate=500", Source: SourceCLI},
	}
	if !reflect.DeepEqual(v.Overrides, want) || v.Outcome != OutcomePassed || v.SchemaVersion != SchemaVersion {
		t.Errorf("overrides %+v outcome %q schema %d; want %+v, passed, %d", v.Overrides, v.Outcome, v.SchemaVersion, want, SchemaVersion)
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
