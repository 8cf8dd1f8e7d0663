// Package kind_test runs the certification catalogue on kind
// (fixtures/kind): by default on one cluster for the whole suite, created
// by the first scenario that can run and deleted after the last, each
// scenario's stack in a namespace of its own. It skips, with the reason,
// where there is no container runtime or no MetalLB manifest, and skips a
// scenario whose fault kind cannot inject before creating anything; CI
// here does not run it.
package kind_test

import (
	"context"
	"os"
	"path/filepath"
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
	metallb, profile, config, nodeImage string
	// perScenario creates a cluster per scenario instead of one per suite
	// (GATECERT_KIND_CLUSTER_PER_SCENARIO=1).
	perScenario bool
	// keep leaves the cluster(s) behind for debugging (GATECERT_KIND_KEEP=1).
	keep bool
	// chaosMesh is the folder of `make kind-chaos-mesh` (GATECERT_CHAOS_MESH):
	// Chaos Mesh installed on the cluster, pod-kill through PodChaos.
	chaosMesh string
}

func readEnv() env {
	return env{
		metallb:     os.Getenv("GATECERT_METALLB_MANIFEST"),
		profile:     os.Getenv("GATECERT_GATEWAY_PROFILE"),
		config:      os.Getenv("GATECERT_KIND_CONFIG"),
		nodeImage:   os.Getenv("GATECERT_KIND_NODE_IMAGE"),
		perScenario: os.Getenv("GATECERT_KIND_CLUSTER_PER_SCENARIO") == "1",
		keep:        os.Getenv("GATECERT_KIND_KEEP") == "1",
		chaosMesh:   os.Getenv("GATECERT_CHAOS_MESH"),
	}
}

// ContinueOnFailure: one scenario failing does not skip the others.
var _ = Describe("certification catalogue on kind", Ordered, ContinueOnFailure, func() {
	var (
		provider *kind.Provider
		runID    string
	)
	BeforeAll(func() {
		if err := kind.Available(); err != nil {
			Skip(err.Error())
		}
		e := readEnv()
		if e.metallb == "" {
			Skip("GATECERT_METALLB_MANIFEST is not set (path of MetalLB's metallb-native.yaml)")
		}
		runID = certify.RunID("k")
		provider = &kind.Provider{
			ConfigFile: e.config, NodeImage: e.nodeImage, MetalLBManifest: e.metallb, Profile: e.profile,
			Retain: e.keep, Keep: e.keep, Shared: !e.perScenario,
			KubeconfigDir: filepath.Join(certify.ArtifactsRoot(), runID),
			LoadImages:    []string{kube.DefaultNginxImage, kube.DefaultEchoImage},
			Log:           certify.Logger(),
		}
		if e.chaosMesh != "" {
			cm, err := kind.LoadChaosMesh(e.chaosMesh)
			Expect(err).NotTo(HaveOccurred())
			provider.ChaosMesh = cm
			AddReportEntry("chaos mesh", cm.Version+" ("+cm.ControllerImage+")")
		}
		// Runs after the last spec, and on failure or interrupt too.
		DeferCleanup(func(ctx context.Context) error { return provider.Close(ctx) }, NodeTimeout(5*time.Minute))
	})
	for _, s := range certify.Catalogue() {
		It(s.Name, certify.Labels(s, "kind"), func(ctx SpecContext) {
			if c := provider.Cluster(); c != nil {
				AddReportEntry("cluster", c.Name+" (created in "+c.Took.Round(time.Second).String()+")")
			}
			r := &runner.Runner{Provider: provider, ArtifactsRoot: certify.ArtifactsRoot(), RunID: runID}
			certify.Judge(ctx, r, s)
		}, NodeTimeout(30*time.Minute))
	}
})
