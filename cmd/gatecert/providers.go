package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/gatecert/gatecert/fixtures/accel"
	"github.com/gatecert/gatecert/fixtures/kind"
	"github.com/gatecert/gatecert/fixtures/kube"
	"github.com/gatecert/gatecert/fixtures/netns"
	"github.com/gatecert/gatecert/fixtures/topology"
)

// kubeFlags configure the kind and cluster providers.
type kubeFlags struct {
	kubeconfig, kubeContext string
	gatewayProfile          string
	kindConfig, metallb     string
	retain, keepCluster     bool
}

func (k *kubeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "cluster provider: kubeconfig of the existing cluster")
	fs.StringVar(&k.kubeContext, "kube-context", "", "cluster provider: kubeconfig context")
	fs.StringVar(&k.gatewayProfile, "gateway-profile", "nginx", "kind/cluster: gateway under test, nginx or istio")
	fs.StringVar(&k.kindConfig, "kind-config", "kind-configs/ha-3zone.yaml", "kind provider: cluster shape")
	fs.StringVar(&k.metallb, "metallb-manifest", os.Getenv("GATECERT_METALLB_MANIFEST"), "kind provider: MetalLB install manifest (local file)")
	fs.BoolVar(&k.retain, "retain", false, "kind provider: keep a cluster whose creation failed, for debugging")
	fs.BoolVar(&k.keepCluster, "keep-cluster", false, "kind provider: do not delete the cluster after the run")
}

// newProvider builds the provider named by -provider.
func newProvider(f runFlags, log *slog.Logger) (topology.Provider, error) {
	switch f.provider {
	case "local":
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find own executable (needed to start echo backends): %w", err)
		}
		if os.Geteuid() != 0 {
			return nil, errors.New("the local provider needs root (network namespaces); run as root or with sudo")
		}
		return &netns.Provider{EchoCommand: []string{self, "echo"}, Log: log, TLSBuildDir: accel.Dir()}, nil
	case "kind":
		k := f.kube
		return &kind.Provider{ConfigFile: k.kindConfig, MetalLBManifest: k.metallb, Profile: k.gatewayProfile,
			Retain: k.retain, Keep: k.keepCluster, LoadImages: []string{kube.DefaultNginxImage, kube.DefaultEchoImage}, Log: log}, nil
	case "cluster":
		k := f.kube
		if k.kubeconfig == "" {
			return nil, errors.New("the cluster provider needs -kubeconfig (or KUBECONFIG)")
		}
		return &kube.Provider{Kubeconfig: k.kubeconfig, Context: k.kubeContext, Profile: k.gatewayProfile, Log: log}, nil
	}
	return nil, fmt.Errorf("unknown provider %q (want local, kind or cluster)", f.provider)
}
