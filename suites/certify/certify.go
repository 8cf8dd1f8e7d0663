// Package certify is what every provider's Ginkgo suite shares: the
// catalogue, the labels derived from it, and the judgement of one run — a
// good profile must pass, a negative control must be flagged.
package certify

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// Catalogue loads the embedded scenarios; a broken catalogue is reported by
// its own unit test, so here it only stops the tree from being built.
func Catalogue() []*spec.Scenario {
	list, err := scenarios.Load()
	if err != nil {
		panic(err)
	}
	return list
}

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
	spec.FaultRegionOutage:   {"failover", "zone", "lb"},
}

// smoke is the quick subset `make test` runs: one good profile and its
// negative control.
var smoke = map[string]bool{"rolling-restart": true, "rolling-restart-no-drain": true}

// Labels derives Ginkgo labels from the fixed vocabulary: the provider,
// the scenario's own labels, what its faults exercise, smoke for the quick
// subset.
func Labels(s *spec.Scenario, provider string) ginkgo.Labels {
	seen := map[string]bool{"provider:" + provider: true}
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
	l := ginkgo.Labels{}
	for k := range seen {
		l = append(l, k)
	}
	sort.Strings(l)
	return l
}

// ArtifactsRoot is where suite runs write artifacts: $GATECERT_ARTIFACTS or
// the repository's artifacts folder.
func ArtifactsRoot() string {
	if d := os.Getenv("GATECERT_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "artifacts")
}

// Logger writes the harness's Info messages (cluster created, ...) to the
// Ginkgo writer: shown with -ginkgo.v or when a spec fails.
func Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(ginkgo.GinkgoWriter, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// RunID names one suite run's objects, with a provider prefix.
func RunID(prefix string) string { return prefix + time.Now().UTC().Format("150405") }

// Judge runs s and asserts its declared outcome through reports' outcome
// table: a good profile passes with at least the offered number of
// requests; a negative control is flagged by a failed SLO, for its
// declared reason (flaggedBy). A run that
// could not be judged (environment, invalid, interrupted) fails the spec
// with its reasons, never as a pass or an SLO failure of the stack.
func Judge(ctx context.Context, r *runner.Runner, s *spec.Scenario) {
	res, err := r.Run(ctx, s)
	if res.Skipped != "" {
		ginkgo.Skip(res.Skipped)
	}
	o := runner.OutcomeOf(res, err)
	v := res.Verdict
	if v != nil {
		ginkgo.AddReportEntry("verdict", reports.FormatLine(v))
		for _, ov := range v.Overrides {
			ginkgo.AddReportEntry("override", "changed on "+v.Provider+": "+ov.Text(v.Provider))
		}
	}
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	gomega.Expect(o.Judged()).To(gomega.BeTrue(), "run not judged: %s %v", o, v.Reasons)
	if s.Expect == spec.ExpectFail {
		gomega.Expect(o).To(gomega.Equal(reports.OutcomeFailed), "negative control not detected: %s", reports.FormatLine(v))
		if s.FlaggedBy != nil {
			ok, why := reports.FlaggedFor(v, *s.FlaggedBy)
			gomega.Expect(ok).To(gomega.BeTrue(), "negative control failed for another reason than %s/%s: %s",
				s.FlaggedBy.SLO, s.FlaggedBy.Class, why)
		}
		return
	}
	gomega.Expect(o).To(gomega.Equal(reports.OutcomePassed), "%s\nsee %s", reports.FormatLine(v), filepath.Join(res.Dir, reports.SummaryFile))
	offered := int64(float64(s.Load.Rate) * s.Load.Duration.D().Seconds())
	gomega.Expect(v.Requests.Total).To(gomega.BeNumerically(">=", offered), "every scheduled request must be in the ledger")
}
