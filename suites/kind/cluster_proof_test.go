package kind_test

// The cluster provider, run end to end as a user would run it — given
// only a kubeconfig — against a running kind cluster, and the proof that
// nothing it did not create is touched: look-alike objects planted
// beforehand survive a run, a Ctrl-C mid-fault, a SIGKILL and `gatecert
// clean`. It drives the gatecert binary (built here), not the runner, so
// the flags, the exit codes and the signal handling are what is tested.
// Label cluster-proof; `make e2e-kind GINKGO_FLAGS=-ginkgo.label-filter=cluster-proof`.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gatecert/gatecert/fixtures/kind"
	"github.com/gatecert/gatecert/fixtures/kube"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/spec"
	"github.com/gatecert/gatecert/suites/certify"
)

// proof is the state the ordered specs share.
type proof struct {
	bin, art, runID, kubeconfig, cluster string
	c                                    *kube.Client
}

// gatecert runs the binary and returns its combined output and exit code.
func (p *proof) gatecert(ctx context.Context, args ...string) (string, int) {
	cmd := exec.CommandContext(ctx, p.bin, args...)
	out, err := cmd.CombinedOutput()
	GinkgoWriter.Printf("$ gatecert %s\n%s\n", strings.Join(args, " "), out)
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	}
	Expect(err).NotTo(HaveOccurred())
	return string(out), 0
}

// clusterFlags point the cluster provider at the kept kind cluster.
func (p *proof) clusterFlags(runID string) []string {
	return []string{"run", "-q", "-certify", "-provider", "cluster", "-kubeconfig", p.kubeconfig, "-o", p.art, "-run-id", runID}
}

var _ = Describe("cluster provider on a kind cluster", Ordered, Label("cluster-proof", "provider:cluster"), func() {
	p := &proof{}
	BeforeAll(func(ctx SpecContext) {
		if err := kind.Available(); err != nil {
			Skip(err.Error())
		}
		e := readEnv()
		if e.metallb == "" || e.config == "" {
			Skip("GATECERT_METALLB_MANIFEST and GATECERT_KIND_CONFIG are not set (make e2e-kind sets them)")
		}
		p.runID = certify.RunID("p")
		p.art = filepath.Join(certify.ArtifactsRoot(), "cluster-proof")
		p.bin = filepath.Join(GinkgoT().TempDir(), "gatecert")
		out, err := exec.CommandContext(ctx, "go", "build", "-o", p.bin, "../../cmd/gatecert").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "build gatecert: %s", out)

		By("a kind run that keeps its cluster: the cluster a user would be given")
		res, code := p.gatecert(ctx, "run", "-q", "-certify", "-provider", "kind", "-keep-cluster", "-kind-config", e.config,
			"-metallb-manifest", e.metallb, "-o", p.art, "-run-id", p.runID, "../../scenarios/pod-kill.yaml")
		p.cluster = kind.ClusterName(p.runID)
		DeferCleanup(func(ctx SpecContext) error { // deleted also when a spec fails
			return kind.Reap(ctx, "", kind.Leftover{Cluster: p.cluster})
		}, NodeTimeout(3*time.Minute))
		Expect(code).To(Equal(0), "kind run of pod-kill:\n%s", res)
		p.kubeconfig = filepath.Join(p.art, p.runID, "pod-kill", p.cluster+".kubeconfig")
		p.c, err = kube.NewClient(p.kubeconfig, "")
		Expect(err).NotTo(HaveOccurred())
		installUserPool(ctx, p.c)
		plantLookAlikes(ctx, p.c, p.runID)
	}, NodeTimeout(15*time.Minute))

	AfterAll(func(ctx SpecContext) {
		if p.c != nil {
			expectLookAlikes(ctx, p.c, p.runID)
		}
	})

	It("deploys, certifies and removes its own stack (deploy mode)", func(ctx SpecContext) {
		out, code := p.gatecert(ctx, append(p.clusterFlags(p.runID+"d"),
			"../../scenarios/pod-kill.yaml", "../../scenarios/pod-kill-slow-checks.yaml",
			"../../scenarios/rolling-restart.yaml", "../../scenarios/rolling-restart-no-drain.yaml")...)
		Expect(code).To(Equal(0), "every verdict as expected:\n%s", out)
		expectNoRunNamespace(ctx, p.c, p.runID+"d")
		expectLookAlikes(ctx, p.c, p.runID)
	}, NodeTimeout(20*time.Minute))

	It("leaves nothing after Ctrl-C during a fault", func(ctx SpecContext) {
		id := p.runID + "i"
		cmd, out := p.startMidFault(ctx, id)
		Expect(cmd.Process.Signal(os.Interrupt)).To(Succeed())
		err := cmd.Wait()
		ee, ok := err.(*exec.ExitError)
		Expect(ok && ee.ExitCode() == reports.ExitInterrupted).To(BeTrue(), "exit after Ctrl-C: %v\n%s", err, out)
		expectNoRunNamespace(ctx, p.c, id)
		expectLookAlikes(ctx, p.c, p.runID)
	}, NodeTimeout(10*time.Minute))

	It("leaves what gatecert clean removes after a SIGKILL during a fault", func(ctx SpecContext) {
		id := p.runID + "k"
		cmd, _ := p.startMidFault(ctx, id)
		Expect(cmd.Process.Signal(syscall.SIGKILL)).To(Succeed())
		_ = cmd.Wait() // killed: the error is the point
		_, err := p.c.CS.CoreV1().Namespaces().Get(ctx, "gatecert-"+id, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred(), "SIGKILL left nothing behind: this spec cannot show that clean works")
		out, code := p.gatecert(ctx, "clean", "-kubeconfig", p.kubeconfig)
		Expect(code).To(Equal(0), out)
		Expect(out).To(ContainSubstring("removed run " + id))
		expectNoRunNamespace(ctx, p.c, id)
		expectLookAlikes(ctx, p.c, p.runID)
	}, NodeTimeout(10*time.Minute))

	It("certifies a stack the user applied from gatecert render (discovery)", func(ctx SpecContext) {
		id := p.runID + "r"
		dir := filepath.Join(p.art, "rendered")
		out, code := p.gatecert(ctx, "render", "-o", dir, "-run-id", id, "../../scenarios/pod-kill.yaml")
		Expect(code).To(Equal(0), out)
		files, err := filepath.Glob(filepath.Join(dir, id, "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		for _, f := range files { // in file order, as the printed commands say
			b, err := exec.CommandContext(ctx, "kubectl", "--kubeconfig", p.kubeconfig, "apply", "-f", f).CombinedOutput()
			Expect(err).NotTo(HaveOccurred(), "kubectl apply -f %s: %s", f, b)
		}
		ns := "gatecert-" + id
		DeferCleanup(func(ctx SpecContext) {
			_ = p.c.CS.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}) // the user's to delete; gone or going
		})
		for _, d := range []string{"gateway", "echo"} {
			b, err := exec.CommandContext(ctx, "kubectl", "--kubeconfig", p.kubeconfig, "-n", ns, "rollout", "status",
				"deployment/"+d, "--timeout=3m").CombinedOutput()
			Expect(err).NotTo(HaveOccurred(), "rollout %s: %s", d, b)
		}
		d := kube.DiscoveryOf(kube.StackParams{RunID: id, Stack: scenarioNamed("pod-kill").Stack})
		args := append(p.clusterFlags(p.runID+"v"), "-gateway-namespace", d.Namespace, "-gateway-selector", d.Selector,
			"-gateway-port", fmt.Sprint(d.Port), "-lb-services", strings.Join(d.LBServices, ","),
			"-echo-namespace", d.EchoNamespace, "-echo-run-id", id, "../../scenarios/pod-kill.yaml")
		out, code = p.gatecert(ctx, args...)
		Expect(code).To(Equal(0), "pod-kill on the discovered stack:\n%s", out)
		got, err := p.c.CS.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		Expect(err == nil && got.DeletionTimestamp == nil).To(BeTrue(), "the user's stack was deleted: %v", err)
		out, _ = p.gatecert(ctx, "clean", "-kubeconfig", p.kubeconfig)
		Expect(out).To(ContainSubstring("run " + id + " (namespace " + ns + ") left alone: no owner annotation"))
	}, NodeTimeout(15*time.Minute))
})

// startMidFault starts a rolling restart through the cluster provider and
// returns once the first pod has been told to terminate (its preStop
// runs).
func (p *proof) startMidFault(ctx context.Context, runID string) (*exec.Cmd, *bytes.Buffer) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, p.bin, append(p.clusterFlags(runID), "../../scenarios/rolling-restart.yaml")...)
	cmd.Stdout, cmd.Stderr = &out, &out
	Expect(cmd.Start()).To(Succeed())
	events := filepath.Join(p.art, runID, "rolling-restart", reports.EventsFile)
	Eventually(func() string {
		b, _ := os.ReadFile(events) // not there yet: keep waiting
		return string(b)
	}).WithTimeout(5*time.Minute).WithPolling(200*time.Millisecond).Should(ContainSubstring(`"step":"signal"`), "no fault in progress:\n%s", &out)
	return cmd, &out
}

// installUserPool gives the cluster a LoadBalancer implementation of its
// own, as a user's cluster has: a MetalLB pool that assigns addresses to
// any Service (the kind provider's pools serve only its own runs).
func installUserPool(ctx context.Context, c *kube.Client) {
	out, err := exec.CommandContext(ctx, "docker", "network", "inspect", "kind", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}").Output()
	Expect(err).NotTo(HaveOccurred())
	var pool string
	for _, s := range strings.Fields(string(out)) {
		if r, err := kube.PoolFromSubnet(s); err == nil {
			pool = strings.Replace(strings.Replace(r, ".200-", ".150-", 1), ".250", ".199", 1)
		}
	}
	Expect(pool).NotTo(BeEmpty(), "no IPv4 subnet in %q", out)
	for _, o := range []*unstructured.Unstructured{
		metalLB("IPAddressPool", "user-pool", map[string]any{"addresses": []any{pool}}),
		metalLB("L2Advertisement", "user-pool", map[string]any{"ipAddressPools": []any{"user-pool"},
			"nodeSelectors": []any{map[string]any{"matchLabels": map[string]any{kind.LabelControlPlane: ""}}}}),
	} {
		Expect(c.K.Resources().Create(ctx, o)).To(Succeed())
	}
}

func metalLB(k, name string, spec map[string]any) *unstructured.Unstructured {
	o := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	o.SetGroupVersionKind(schema.GroupVersionKind{Group: "metallb.io", Version: "v1beta1", Kind: k})
	o.SetName(name)
	o.SetNamespace("metallb-system")
	return o
}

// lookAlikes are objects with the names and kinds a run creates, none of
// them a run's: no run-id label, or a run-id label without an owner.
func lookAlikes(runID string) (namespaces []string, services [][2]string) {
	return []string{"gatecert-" + runID + "x", "gatecert-" + runID + "y"},
		[][2]string{{"gatecert-" + runID + "x", "gateway-lb1"}, {"default", "gateway-lb1"}}
}

func plantLookAlikes(ctx context.Context, c *kube.Client, runID string) {
	nss, svcs := lookAlikes(runID)
	for i, n := range nss {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}
		if i == 1 { // labelled like a run's, but no run deployed it
			ns.Labels = map[string]string{kube.LabelRunID: runID + "y"}
		}
		_, err := c.CS.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx SpecContext) { _ = c.CS.CoreV1().Namespaces().Delete(ctx, n, metav1.DeleteOptions{}) })
	}
	for _, s := range svcs {
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: s[1], Namespace: s[0]},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
		_, err := c.CS.CoreV1().Services(s[0]).Create(ctx, svc, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx SpecContext) { _ = c.CS.CoreV1().Services(s[0]).Delete(ctx, s[1], metav1.DeleteOptions{}) })
	}
	pool := metalLB("IPAddressPool", "gatecert-"+runID, map[string]any{"addresses": []any{"10.255.255.1-10.255.255.2"}, "autoAssign": false})
	Expect(c.K.Resources().Create(ctx, pool)).To(Succeed())
	DeferCleanup(func(ctx SpecContext) { _ = c.K.Resources().Delete(ctx, pool) })
}

func expectLookAlikes(ctx context.Context, c *kube.Client, runID string) {
	nss, svcs := lookAlikes(runID)
	for _, n := range nss {
		ns, err := c.CS.CoreV1().Namespaces().Get(ctx, n, metav1.GetOptions{})
		Expect(err == nil && ns.DeletionTimestamp == nil).To(BeTrue(), "look-alike namespace %s touched: %v", n, err)
	}
	for _, s := range svcs {
		_, err := c.CS.CoreV1().Services(s[0]).Get(ctx, s[1], metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred(), "look-alike Service %s/%s", s[0], s[1])
	}
	pool := metalLB("IPAddressPool", "gatecert-"+runID, nil)
	Expect(c.K.Resources().Get(ctx, pool.GetName(), pool.GetNamespace(), pool)).To(Succeed(), "look-alike address pool")
}

func expectNoRunNamespace(ctx context.Context, c *kube.Client, runID string) {
	Eventually(func() bool {
		_, err := c.CS.CoreV1().Namespaces().Get(ctx, "gatecert-"+runID, metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}).WithTimeout(3*time.Minute).WithPolling(time.Second).Should(BeTrue(), "namespace gatecert-%s still there", runID)
}

func scenarioNamed(name string) *spec.Scenario {
	for _, s := range certify.Catalogue() {
		if s.Name == name {
			return s
		}
	}
	Fail("no scenario " + name + " in the catalogue")
	return nil
}
