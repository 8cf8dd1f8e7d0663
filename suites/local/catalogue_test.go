package local_test

import (
	"os"
	"path/filepath"
	"sort"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecert/gatecert/fixtures/netns"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// faultLabels maps fault kinds to the labels of the fixed vocabulary.
var faultLabels = map[string][]string{
	spec.FaultPodTerminate:   {"drain"},
	spec.FaultRollingRestart: {"drain"},
	spec.FaultScale:          {"drain"},
	spec.FaultNodeDrain:      {"drain"},
	spec.FaultPodKill:        {"failover"},
	spec.FaultNodeKill:       {"failover"},
	spec.FaultZoneOutage:     {"failover", "zone"},
	spec.FaultPartition:      {"failover", "zone"},
	spec.FaultLBKill:         {"failover", "lb"},
	spec.FaultLBDrain:        {"drain", "lb"},
}

// smoke is the quick subset `make test` runs: one good profile and its
// negative control.
var smoke = map[string]bool{"rolling-restart": true, "rolling-restart-no-drain": true}

// labelsFor derives Ginkgo labels from the fixed vocabulary: what the
// scenario's faults exercise, slow for long runs, smoke for the quick
// subset.
func labelsFor(s *spec.Scenario) Labels {
	seen := map[string]bool{"provider:local": true}
	for _, l := range s.Labels {
		seen[l] = true
	}
	for _, f := range s.Faults {
		seen["disruptive"] = true
		for _, l := range faultLabels[f.Kind] {
			seen[l] = true
		}
	}
	if smoke[s.Name] {
		seen["smoke"] = true
	}
	if s.Load.Duration.D() > 2*time.Minute {
		seen["slow"] = true
	}
	l := Labels{}
	for k := range seen {
		l = append(l, k)
	}
	sort.Strings(l)
	return l
}

// artifactsRoot is where the suite's runs write their artifacts.
func artifactsRoot() string {
	if d := os.Getenv("GATECERT_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "artifacts")
}

func newRunner() *runner.Runner {
	self, err := os.Executable()
	Expect(err).NotTo(HaveOccurred())
	return &runner.Runner{
		Provider:      &netns.Provider{EchoCommand: []string{self, "echo"}},
		ArtifactsRoot: artifactsRoot(),
		RunID:         "s" + time.Now().UTC().Format("150405"),
	}
}

var catalogue = func() []*spec.Scenario {
	list, err := scenarios.Load()
	if err != nil {
		panic(err) // the catalogue unit test names the problem
	}
	return list
}()

var _ = Describe("certification catalogue", func() {
	BeforeEach(func() {
		if os.Geteuid() != 0 {
			Skip("the local provider needs root (network namespaces)")
		}
	})
	for _, s := range catalogue {
		It(s.Name, labelsFor(s), func(ctx SpecContext) {
			res, err := newRunner().Run(ctx, s)
			Expect(err).NotTo(HaveOccurred())
			if res.Skipped != "" {
				Skip(res.Skipped)
			}
			v := res.Verdict
			AddReportEntry("verdict", reports.FormatLine(v))
			if s.Expect == spec.ExpectFail {
				Expect(v.Passed).To(BeFalse(), "negative control not detected: %s", reports.FormatLine(v))
				Expect(v.Requests.Failed).To(BeNumerically(">", 0), "the control must fail by losing requests")
				return
			}
			Expect(v.Passed).To(BeTrue(), "%s\nsee %s", reports.FormatLine(v), filepath.Join(res.Dir, "summary.md"))
			Expect(v.Requests.Total).To(BeNumerically(">=", int64(s.Load.Rate)*int64(s.Load.Duration.D()/time.Second)))
		}, NodeTimeout(10*time.Minute))
	}
})
