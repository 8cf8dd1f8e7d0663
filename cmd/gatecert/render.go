package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatecert/gatecert/fixtures/kube"
	"github.com/gatecert/gatecert/fixtures/netns"
)

// cmdRender writes the Kubernetes stack of one scenario as files — the
// manifests (and the istio profile's Helm values) that the kind and
// cluster providers apply themselves — for a user who deploys it by their
// own means (kubectl, Helm, GitOps) and then certifies it with the cluster
// provider's discovery flags, which it prints.
func cmdRender(args []string) int {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	out := fs.String("o", "rendered", "folder; the files go to DIR/<run-id>/")
	runID := fs.String("run-id", "", "run id stamped into every object's labels and names (default: random)")
	profile := fs.String("gateway-profile", kube.ProfileNginx, "gateway: nginx or istio")
	metallb := fs.String("metallb-addresses", "", "comma-separated MetalLB address ranges: also render an address pool and L2 advertisement (default: the cluster's own LB implementation)")
	var sets setFlags
	fs.Var(&sets, "set", "override a scenario field by its YAML path (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: gatecert render [flags] SCENARIO.yaml\n\nWrites the scenario's Kubernetes stack as manifests to apply by other means.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBadInput
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitBadInput
	}
	list, err := resolveScenarios("render", fs.Args(), "", "", sets)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitBadInput
	}
	if *runID == "" {
		*runID = newRunID()
	} else if !netns.ValidRunID(*runID) {
		fmt.Fprintf(os.Stderr, "gatecert render: -run-id %q: use 1-12 lower-case letters and digits\n", *runID)
		return exitBadInput
	}
	s := list[0]
	p := kube.StackParams{RunID: *runID, Profile: *profile, Stack: s.Stack, BackendDelay: s.Load.BackendDelay.D()}
	if *metallb != "" {
		p.MetalLB = &kube.MetalLBParams{Addresses: strings.Split(*metallb, ",")}
	}
	if why := kube.RefuseStack(s); why != "" {
		fmt.Fprintf(os.Stderr, "gatecert render: %s: %s\n", s.Name, why)
		return exitBadInput
	}
	r, err := kube.Render(p)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gatecert render: %v\n", err)
		return exitBadInput
	}
	dir := filepath.Join(*out, *runID)
	if err := kube.WriteRendered(dir, r); err != nil {
		fmt.Fprintf(os.Stderr, "gatecert render: %v\n", err)
		return exitEnv
	}
	fmt.Print(renderHowTo(dir, fs.Arg(0), r, kube.DiscoveryOf(p)))
	return exitPass
}

// renderHowTo tells the user how to apply the files and then run the
// scenario against what they applied.
func renderHowTo(dir, scenario string, r *kube.Rendered, d kube.Discovery) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rendered %d manifest file(s) into %s\n\napply them, in order:\n", len(r.Manifests), dir)
	for _, f := range r.Manifests {
		fmt.Fprintf(&b, "  kubectl apply -f %s\n", filepath.Join(dir, f.Name))
	}
	if len(r.HelmValues) > 0 {
		b.WriteString("install Istio with the values files (base, istiod, then the gateway as release " + kube.IstioGatewayRelease + "):\n")
		for _, f := range r.HelmValues {
			fmt.Fprintf(&b, "  helm install ... -f %s\n", filepath.Join(dir, f.Name))
		}
	}
	fmt.Fprintf(&b, "\nthen certify what you applied (it is discovered, never deleted):\n"+
		"  gatecert run -provider cluster -kubeconfig KUBECONFIG \\\n"+
		"    -gateway-namespace %s -gateway-selector %s -gateway-port %d \\\n"+
		"    -lb-services %s -echo-namespace %s -echo-run-id %s %s\n",
		d.Namespace, d.Selector, d.Port, strings.Join(d.LBServices, ","), d.EchoNamespace, d.EchoRunID, scenario)
	return b.String()
}
