package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
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

// axisProbe, appended to a page after its charts' script, reports for
// each uPlot chart (window.gatecertCharts) and each of its y axes the size
// uPlot gave the axis and the width its tick labels need (tick, gap and
// the widest label as the canvas measures it in the axis font), and how
// many pixels were drawn in the canvas's two leftmost columns, where a
// label that does not fit is cut off. It waits until the charts have
// drawn (data-charts) and writes JSON into <pre id="axis-probe">.
const axisProbe = `<script>
(function probe(tries) {
  var charts = window.gatecertCharts || [];
  if (!document.body.dataset.charts || charts.length === 0) {
    if (tries > 0) { setTimeout(function () { probe(tries - 1); }, 50); }
    return;
  }
  var out = [];
  charts.forEach(function (u) {
    u.axes.forEach(function (a, i) {
      if (!a.show || a.side % 2 === 0 || !a._values) { return; }
      var ctx = u.ctx, widest = 0, top = "";
      ctx.save();
      ctx.font = a.font[0];
      a._values.forEach(function (v) {
        if (v == null) { return; }
        var w = ctx.measureText(String(v)).width / uPlot.pxRatio;
        if (w > widest) { widest = w; }
        top = String(v);
      });
      ctx.restore();
      var px = ctx.getImageData(0, 0, 2, ctx.canvas.height).data, ink = 0;
      for (var k = 3; k < px.length; k += 4) { if (px[k] > 0) { ink++; } }
      out.push({ title: u.root.querySelector(".u-title").textContent, axis: i, size: a._size,
        need: a.ticks.size + a.gap + widest, top: top, edgeInk: ink });
    });
  });
  var pre = document.createElement("pre");
  pre.id = "axis-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})(100);
</script>
`

// yAxis is one y axis as axisProbe reports it.
type yAxis struct {
	Title   string  `json:"title"`
	Axis    int     `json:"axis"`
	Size    float64 `json:"size"`
	Need    float64 `json:"need"`
	Top     string  `json:"top"`
	EdgeInk int     `json:"edgeInk"`
}

// probeAxes opens page (HTML with the charts' script) in Chromium with
// axisProbe appended and returns the y axes it reports.
func probeAxes(t *testing.T, bin string, page []byte) []yAxis {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "page.html")
	page = bytes.Replace(page, []byte("</body>"), []byte(axisProbe+"</body>"), 1)
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, bin, dir, "--dump-dom", "file://"+path)
	m := regexp.MustCompile(`(?s)<pre id="axis-probe">(.*?)</pre>`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the axis probe did not run (charts not drawn?)")
	}
	var axes []yAxis
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &axes); err != nil {
		t.Fatalf("axis probe: %v\n%s", err, m[1])
	}
	return axes
}

// checkAxesFit fails for a y axis whose tick labels are wider than the
// room uPlot gave them (a label then loses its first digits at the
// canvas's edge: "0,000" for 10,000) or whose canvas has ink in its
// leftmost columns.
func checkAxesFit(t *testing.T, axes []yAxis, wantTop map[string]string) {
	t.Helper()
	if len(axes) == 0 {
		t.Fatal("no y axes reported")
	}
	tops := map[string]string{}
	for _, a := range axes {
		if a.Size < a.Need {
			t.Errorf("%q y axis: size %.0f px, its labels (widest of them up to %q) need %.1f px", a.Title, a.Size, a.Top, a.Need)
		}
		if a.EdgeInk > 0 {
			t.Errorf("%q: %d pixels drawn in the canvas's leftmost 2 columns: a label is cut off", a.Title, a.EdgeInk)
		}
		tops[a.Title] = a.Top
	}
	for title, top := range wantTop {
		if tops[title] != top {
			t.Errorf("%q y axis: top label %q, want %q (the case under test)", title, tops[title], top)
		}
	}
}

// TestHTMLAxisLabelsFit renders a run whose slowest request took 8 s, so
// that the latency chart's log scale tops out at "10,000" ms, and checks
// in Chromium that every y axis is as wide as its labels.
func TestHTMLAxisLabelsFit(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("chromium not installed (apt-get install -y chromium, or make deps): report.html not checked in a browser")
	}
	r, sc, events := chaosRun(t)
	v := r.evaluate(t, sc, events...)
	v.Timeline[5].P99 = Duration(3 * time.Second)
	v.Timeline[5].MaxLatency = Duration(8 * time.Second)
	var b bytes.Buffer
	if err := WriteHTML(&b, v); err != nil {
		t.Fatal(err)
	}
	axes := probeAxes(t, bin, b.Bytes())
	if len(axes) != 3 {
		t.Errorf("%d y axes, want one per chart (3): %+v", len(axes), axes)
	}
	checkAxesFit(t, axes, map[string]string{"Latency of successful requests (ms, log scale)": "10,000"})
	for _, a := range axes[1:] {
		if a.Size != axes[0].Size {
			t.Errorf("y axes of %.0f px (%q) and %.0f px (%q): the stacked charts' plots do not line up",
				axes[0].Size, axes[0].Title, a.Size, a.Title)
		}
	}
	t.Logf("%+v", axes)
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
// A browser that crashes (killed by a signal: on a machine short of
// processes its zygote cannot fork) is run once more, on a new profile.
func runChromium(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--no-first-run",
			"--user-data-dir=" + filepath.Join(dir, fmt.Sprintf("profile%d", try)),
			"--window-size=1200,1600", "--virtual-time-budget=5000"}
		cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		cancel()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return out.String()
		case try == 1 && ctx.Err() == nil && errors.As(err, &exit) && !exit.Exited():
			t.Logf("chromium crashed (%v), running it again", err)
		default:
			t.Fatalf("%s: %v\n%s", cmd, err, errb.String())
		}
	}
}
