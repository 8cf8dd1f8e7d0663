package local_test

import (
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecert/gatecert/fixtures/netns"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/suites/certify"
)

func newRunner() *runner.Runner {
	self, err := os.Executable()
	Expect(err).NotTo(HaveOccurred())
	return &runner.Runner{
		Provider:      &netns.Provider{EchoCommand: []string{self, "echo"}},
		ArtifactsRoot: certify.ArtifactsRoot(),
		RunID:         certify.RunID("s"),
	}
}

var _ = Describe("certification catalogue", func() {
	BeforeEach(func() {
		if os.Geteuid() != 0 {
			Skip("the local provider needs root (network namespaces)")
		}
	})
	for _, s := range certify.Catalogue() {
		It(s.Name, certify.Labels(s, "local"), func(ctx SpecContext) {
			certify.Judge(ctx, newRunner(), s)
		}, NodeTimeout(10*time.Minute))
	}
})
