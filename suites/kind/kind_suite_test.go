// Package kind_test runs the certification catalogue on a kind cluster per
// scenario (fixtures/kind). It skips, with the reason, where there is no
// container runtime or no MetalLB manifest; CI here does not run it.
package kind_test

import (
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecert/gatecert/fixtures/kind"
	"github.com/gatecert/gatecert/fixtures/kube"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/suites/certify"
)

func TestKind(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "gatecert kind provider")
}

// env is the suite's input, read once from the environment of the CI job.
type env struct {
	metallb, profile, config string
}

func readEnv() env {
	return env{
		metallb: os.Getenv("GATECERT_METALLB_MANIFEST"),
		profile: os.Getenv("GATECERT_GATEWAY_PROFILE"),
		config:  os.Getenv("GATECERT_KIND_CONFIG"),
	}
}

var _ = Describe("certification catalogue on kind", func() {
	for _, s := range certify.Catalogue() {
		It(s.Name, certify.Labels(s, "kind"), func(ctx SpecContext) {
			if err := kind.Available(); err != nil {
				Skip(err.Error())
			}
			e := readEnv()
			if e.metallb == "" {
				Skip("GATECERT_METALLB_MANIFEST is not set (path of MetalLB's metallb-native.yaml)")
			}
			r := &runner.Runner{
				Provider: &kind.Provider{
					ConfigFile: e.config, MetalLBManifest: e.metallb, Profile: e.profile, Retain: true,
					LoadImages: []string{kube.DefaultNginxImage, kube.DefaultEchoImage},
				},
				ArtifactsRoot: certify.ArtifactsRoot(),
				RunID:         certify.RunID("k"),
			}
			certify.Judge(ctx, r, s)
		}, NodeTimeout(30*time.Minute))
	}
})
