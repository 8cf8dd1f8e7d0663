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
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/suites/certify"
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

var _ = Describe("certification catalogue on an existing cluster", func() {
	for _, s := range certify.Catalogue() {
		It(s.Name, certify.Labels(s, "cluster"), func(ctx SpecContext) {
			kc, ok := kubeconfig()
			if !ok {
				Skip("no kubeconfig: set KUBECONFIG (or create ~/.kube/config) to run against an existing cluster")
			}
			r := &runner.Runner{
				Provider: &kube.Provider{
					Kubeconfig: kc, Profile: os.Getenv("GATECERT_GATEWAY_PROFILE"),
					Images: kube.Images{Nginx: os.Getenv("GATECERT_NGINX_IMAGE"), Echo: os.Getenv("GATECERT_ECHO_IMAGE")},
				},
				ArtifactsRoot: certify.ArtifactsRoot(),
				RunID:         certify.RunID("c"),
			}
			certify.Judge(ctx, r, s)
		}, NodeTimeout(30*time.Minute))
	}
})
