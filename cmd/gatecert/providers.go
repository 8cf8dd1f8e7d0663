package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

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
	chaosMesh               string
	retain, keepCluster     bool
	discover                discoverFlags
}

// discoverFlags make the cluster provider certify a gateway that is
// already deployed (found by labels) instead of deploying its own.
type discoverFlags struct {
	gatewayNS, selector string
	port                int
	lbServices          string
	zoneLabel           string
	echoNS, echoRunID   string
}

func (d *discoverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.selector, "gateway-selector", "", "cluster provider: label selector of the gateway pods of an already deployed stack (e.g. istio=ingressgateway); set, the provider deploys nothing and deletes nothing of it")
	fs.StringVar(&d.gatewayNS, "gateway-namespace", "", "cluster provider, with -gateway-selector: namespace of the gateway pods and the LB Services")
	fs.IntVar(&d.port, "gateway-port", kube.IstioGatewayPort, "cluster provider, with -gateway-selector: port the gateway pods listen on")
	fs.StringVar(&d.lbServices, "lb-services", "", "cluster provider, with -gateway-selector: comma-separated LoadBalancer Services (one per cloud LB)")
	fs.StringVar(&d.zoneLabel, "zone-label", kube.LabelZone, "cluster provider, with -gateway-selector: node label that names the zone")
	fs.StringVar(&d.echoNS, "echo-namespace", "", "cluster provider, with -gateway-selector: namespace of gatecert's echo backends applied from `gatecert render` (empty: the gateway's own backends; no reconciliation)")
	fs.StringVar(&d.echoRunID, "echo-run-id", "", "cluster provider, with -echo-namespace: the -run-id given to `gatecert render`")
}

// discovery returns the provider's Discovery, nil when no selector is
// given, or an error naming the flag that is missing or wrong.
func (d *discoverFlags) discovery() (*kube.Discovery, error) {
	if d.selector == "" {
		if d.gatewayNS != "" || d.lbServices != "" || d.echoNS != "" {
			return nil, errors.New("-gateway-namespace, -lb-services and -echo-namespace describe a deployed stack: give -gateway-selector too")
		}
		return nil, nil
	}
	var errs []error
	if d.gatewayNS == "" {
		errs = append(errs, errors.New("-gateway-namespace: required with -gateway-selector"))
	}
	var lbs []string
	for _, s := range strings.Split(d.lbServices, ",") {
		if s = strings.TrimSpace(s); s != "" {
			lbs = append(lbs, s)
		}
	}
	if len(lbs) == 0 {
		errs = append(errs, errors.New("-lb-services: name at least one LoadBalancer Service"))
	}
	if d.port < 1 || d.port > 65535 {
		errs = append(errs, fmt.Errorf("-gateway-port %d: want 1-65535", d.port))
	}
	if (d.echoNS == "") != (d.echoRunID == "") {
		errs = append(errs, errors.New("-echo-namespace and -echo-run-id go together"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &kube.Discovery{Namespace: d.gatewayNS, Selector: d.selector, Port: d.port, LBServices: lbs,
		ZoneLabel: d.zoneLabel, EchoNamespace: d.echoNS, EchoRunID: d.echoRunID}, nil
}

func (k *kubeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "cluster provider: kubeconfig of the existing cluster")
	fs.StringVar(&k.kubeContext, "kube-context", "", "cluster provider: kubeconfig context")
	fs.StringVar(&k.gatewayProfile, "gateway-profile", "nginx", "kind/cluster: gateway under test, nginx or istio")
	fs.StringVar(&k.kindConfig, "kind-config", "kind-configs/ha-3zone.yaml", "kind provider: cluster shape")
	fs.StringVar(&k.metallb, "metallb-manifest", os.Getenv("GATECERT_METALLB_MANIFEST"), "kind provider: MetalLB install manifest (local file)")
	fs.StringVar(&k.chaosMesh, "chaos-mesh", os.Getenv("GATECERT_CHAOS_MESH"), "kind provider: folder written by make kind-chaos-mesh; installs Chaos Mesh and kills pods through PodChaos")
	fs.BoolVar(&k.retain, "retain", false, "kind provider: keep a cluster whose creation failed, for debugging")
	fs.BoolVar(&k.keepCluster, "keep-cluster", false, "kind provider: do not delete the cluster after the run")
	k.discover.register(fs)
}

// errBadFlags marks a provider that cannot be built from its flags: bad
// input, not an environment problem.
var errBadFlags = errors.New("bad flags")

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
		p := &kind.Provider{ConfigFile: k.kindConfig, MetalLBManifest: k.metallb, Profile: k.gatewayProfile,
			Retain: k.retain, Keep: k.keepCluster, LoadImages: []string{kube.DefaultNginxImage, kube.DefaultEchoImage}, Log: log}
		if k.chaosMesh != "" {
			cm, err := kind.LoadChaosMesh(k.chaosMesh)
			if err != nil {
				return nil, err
			}
			p.ChaosMesh = cm
		}
		return p, nil
	case "cluster":
		k := f.kube
		if k.kubeconfig == "" {
			return nil, errors.New("the cluster provider needs -kubeconfig (or KUBECONFIG)")
		}
		d, err := k.discover.discovery()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errBadFlags, err)
		}
		return &kube.Provider{Kubeconfig: k.kubeconfig, Context: k.kubeContext, Profile: k.gatewayProfile, Discover: d, Log: log}, nil
	}
	return nil, fmt.Errorf("unknown provider %q (want local, kind or cluster)", f.provider)
}
