// Package cluster_test runs the certification catalogue on an existing
// cluster (fixtures/kube's cluster provider). It skips, with the reason,
// without a kubeconfig; it deploys into a namespace of its own and deletes
// only what carries its run id.
package cluster_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecert/gatecert/fixtures/kube"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/scenarios/spec"
)

func TestCluster(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "gatecert cluster provider")
}

// kubeconfig is $KUBECONFIG, else ~/.kube/config, if the file exists.
func kubeconfig() (string, bool) {
	p := os.Getenv("KUBECONFIG")
	if p == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", false
		}
		p = filepath.Join(home, ".kube", "config")
	}
	_, err := os.Stat(p)
	return p, err == nil
}

var _ = Describe("certification catalogue on an existing cluster", Label("provider:cluster"), func() {
	list, err := scenarios.Load()
	if err != nil {
		panic(err)
	}
	for _, s := range list {
		It(s.Name, func(ctx SpecContext) {
			kc, ok := kubeconfig()
			if !ok {
				Skip("no kubeconfig: set KUBECONFIG (or create ~/.kube/config) to run against an existing cluster")
			}
			r := &runner.Runner{
				Provider: &kube.Provider{
					Kubeconfig: kc, Profile: os.Getenv("GATECERT_GATEWAY_PROFILE"),
					Images: kube.Images{Nginx: os.Getenv("GATECERT_NGINX_IMAGE"), Echo: os.Getenv("GATECERT_ECHO_IMAGE")},
				},
				ArtifactsRoot: filepath.Join("..", "..", "artifacts"),
				RunID:         "c" + time.Now().UTC().Format("150405"),
			}
			res, err := r.Run(ctx, s)
			Expect(err).NotTo(HaveOccurred())
			if res.Skipped != "" {
				Skip(res.Skipped)
			}
			AddReportEntry("verdict", reports.FormatLine(res.Verdict))
			if s.Expect == spec.ExpectFail {
				Expect(res.Verdict.Passed).To(BeFalse(), "negative control not detected")
				return
			}
			Expect(res.Verdict.Passed).To(BeTrue(), reports.FormatLine(res.Verdict))
		}, NodeTimeout(30*time.Minute))
	}
})
