package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRender: the manifests land in DIR/<run-id>, and the printed command
// names the discovery flags that find exactly that stack.
func TestRender(t *testing.T) {
	dir := t.TempDir()
	out, errs, code := gatecert(t, "render", "-o", dir, "-run-id", "rend1", "../../scenarios/node-kill.yaml")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, f := range []string{"00-namespace.yaml", "20-echo.yaml", "30-gateway-nginx.yaml", "40-lb-services.yaml"} {
		b, err := os.ReadFile(filepath.Join(dir, "rend1", f))
		if err != nil || !strings.Contains(string(b), "gatecert.dev/run-id: rend1") {
			t.Errorf("%s: %v, run-id label missing", f, err)
		}
	}
	for _, want := range []string{"-gateway-namespace gatecert-rend1", "-gateway-selector app=gatecert-gateway,gatecert.dev/run-id=rend1",
		"-gateway-port 8080", "-lb-services gateway-lb1,gateway-lb2", "-echo-namespace gatecert-rend1 -echo-run-id rend1"} {
		if !strings.Contains(out, want) {
			t.Errorf("render output lacks %q:\n%s", want, out)
		}
	}
	_, errs, code = gatecert(t, "render", "-o", dir, "--set", "stack.gateway.tls.enabled=true", "../../scenarios/node-kill.yaml")
	if code != 2 || !strings.Contains(errs, "stack.gateway.tls") {
		t.Errorf("TLS stack: exit %d, stderr %q; want 2 naming stack.gateway.tls", code, errs)
	}
}

// TestDiscoveryFlags: a discovery run with a flag missing or inconsistent
// is bad input (exit 2) naming the flag, before any cluster is contacted.
func TestDiscoveryFlags(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-gateway-selector", "app=gw", "-lb-services", "lb"}, "-gateway-namespace: required"},
		{[]string{"-gateway-selector", "app=gw", "-gateway-namespace", "ns"}, "-lb-services: name at least one"},
		{[]string{"-gateway-selector", "app=gw", "-gateway-namespace", "ns", "-lb-services", "lb", "-echo-namespace", "e"}, "-echo-namespace and -echo-run-id go together"},
		{[]string{"-gateway-namespace", "ns"}, "give -gateway-selector too"},
	} {
		args := append([]string{"run", "-q", "-provider", "cluster", "-kubeconfig", kc, "-o", t.TempDir()}, c.args...)
		_, errs, code := gatecert(t, append(args, "../../scenarios/pod-kill.yaml")...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}
