package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatecert/gatecert/reports"
)

const withLocalOverride = `name: overridden
stack: {zones: 1, nodesPerZone: 1, loadBalancers: 1}
load: {rate: 50, duration: 2s, backendDelay: 5ms}
slos:
  - kind: availability
    min: 0.999
overrides:
  local:
    - set: slos[0].min=0.99
      why: "a measured limit of the local stand-in (test)"
`

// A scenario with a provider override run with --set records both, each
// with its source, in verdict.json, summary.md and the resolved
// scenario's header (recordOverrides used to erase the provider's).
func TestProviderAndCLIOverridesBothRecorded(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "overridden.yaml")
	if err := os.WriteFile(file, []byte(withLocalOverride), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := gatecert(t, "run", "-q", "-o", dir, "-run-id", "tovr", "--set", "load.rate=40", file)
	if code != exitPass && code != exitEnv { // exit 3: judged invalid on a busy machine, the verdict is written all the same
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	sd := filepath.Join(dir, "tovr", "overridden")
	v, err := reports.ReadJSON(filepath.Join(sd, reports.VerdictFile))
	if err != nil {
		t.Fatal(err)
	}
	want := []reports.Override{
		{Set: "slos[0].min=0.99", Why: "a measured limit of the local stand-in (test)", Source: reports.SourceProvider},
		{Set: "load.rate=40", Source: reports.SourceCLI},
	}
	if !reflect.DeepEqual(v.Overrides, want) {
		t.Errorf("verdict overrides %+v, want %+v", v.Overrides, want)
	}
	if v.Rate != 40 || !strings.Contains(v.SLOs[0].Threshold, "99%") {
		t.Errorf("overrides not applied: rate %v, threshold %q", v.Rate, v.SLOs[0].Threshold)
	}
	for file, lines := range map[string][]string{
		reports.SummaryFile:  {"`slos[0].min=0.99` | provider local | a measured limit", "`load.rate=40` | cli"},
		reports.ResolvedFile: {"#   slos[0].min=0.99 (local: a measured limit of the local stand-in (test))", "#   --set load.rate=40"},
	} {
		b, err := os.ReadFile(filepath.Join(sd, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if !strings.Contains(string(b), l) {
				t.Errorf("%s lacks %q:\n%s", file, l, b)
			}
		}
	}
}
