package reports

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestHTMLSelfContained(t *testing.T) {
	r, sc, events := chaosRun(t)
	v := r.evaluate(t, sc, events...)
	var b bytes.Buffer
	if err := WriteHTML(&b, v); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, bad := range []string{"http://", "https://", "<link", "src="} {
		// uPlot's source mentions its licence URL in a comment at most; no
		// element may load anything.
		if bad != "https://" && strings.Contains(page, bad) {
			t.Errorf("page contains %q: it must not load anything", bad)
		}
	}
	if regexp.MustCompile(`<(script|img|iframe)[^>]+src=`).MatchString(page) {
		t.Error("page loads an external resource")
	}
	for _, want := range []string{`id="throughput"`, `data-fault="zone"`, `data-zone="z2"`, "maxFailover", "const DATA = {"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

// TestHTMLInChromium opens report.html in headless Chromium and checks that
// the three charts drew (canvas elements, data-charts) and that the fault
// bands were drawn on each (data-fault-bands: 2 faults × 3 charts).
func TestHTMLInChromium(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("chromium not installed (apt-get install -y chromium, or make deps): report.html not checked in a browser")
	}
	r, sc, events := chaosRun(t)
	v := r.evaluate(t, sc, events...)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, v); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, bin, dir, "--dump-dom", "file://"+page)
	if n := strings.Count(dom, "<canvas"); n < 3 {
		t.Errorf("%d canvas elements, want 3 charts", n)
	}
	if !strings.Contains(dom, `data-charts="3"`) {
		t.Errorf("body lacks data-charts=\"3\": the charts did not draw")
	}
	m := regexp.MustCompile(`data-fault-bands="(\d+)"`).FindStringSubmatch(dom)
	if m == nil || m[1] == "0" {
		t.Errorf("no fault bands drawn (%v)", m)
	} else if m[1] != "6" {
		t.Errorf("data-fault-bands=%s, want 6 (2 faults on 3 charts)", m[1])
	}
	if !strings.Contains(dom, `class="uplot`) {
		t.Error("no uPlot chart in the DOM")
	}
}

func chromium() string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// runChromium runs headless Chromium on a fresh profile and returns stdout.
func runChromium(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + filepath.Join(dir, "profile"),
		"--window-size=1200,1600", "--virtual-time-budget=5000"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, errb.String())
	}
	return out.String()
}
