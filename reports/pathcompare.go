package reports

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// pathCompare is the data-path comparison (spec.PathCompare): each path a
// plain part run per round, the paths taking turns, judged by every
// part's SLOs and reported side by side.
type pathCompare struct{}

var _ Composite = pathCompare{}

func (pathCompare) Kind() string { return "pathCompare" }

// Parts lists round 1 of every path, then round 2, ...: alternating, so a
// change in the machine's load falls on each path alike.
func (pathCompare) Parts(s *spec.Scenario) []Part {
	var out []Part
	for r := 1; r <= s.PathCompare.Rounds; r++ {
		for _, p := range s.PathCompare.Paths {
			name := fmt.Sprintf("%s-r%d", p.Name, r)
			out = append(out, Part{Name: name, Dir: name, Scenario: s.ForPath(p, s.Name+"-"+name)})
		}
	}
	return out
}

// PathResult is a data-path comparison's figures, the first path being
// the reference the others' overhead is measured against.
type PathResult struct {
	Rounds int           `json:"rounds"`
	Paths  []PathMeasure `json:"paths"`
	// Knee says why no capacity knee per gateway CPU-second is reported.
	Knee string `json:"knee"`
}

// PathMeasure is one path over its rounds.
type PathMeasure struct {
	Name string `json:"name"`
	// OK and Failed sum the rounds; P50 and P99 are the mean of the
	// rounds' quantiles (each round's from its own ledger).
	OK     int64    `json:"ok"`
	Failed int64    `json:"failed"`
	P50    Duration `json:"p50"`
	P99    Duration `json:"p99"`
	// P50Overhead and P99Overhead are this path's quantile less the
	// reference's (0 for the reference).
	P50Overhead Duration `json:"p50Overhead"`
	P99Overhead Duration `json:"p99Overhead"`
	// CrossShare is the share of requests served on another node than
	// the one they entered (backend ledger format 2; -1 when unknown).
	CrossShare float64 `json:"crossShare"`
	// CPUPerRequest is the whole machine's busy CPU over the load divided
	// by the ok requests: the hop's kernel work shows here, and so does
	// anything else the machine ran (0 when not sampled).
	CPUPerRequest Duration `json:"cpuPerRequest"`
}

// pathKnee is why a comparison reports no knee per gateway CPU-second.
const pathKnee = "not measured: a knee per path needs a capacity search per path (scenarios/capacity), which only TLS comparisons run inside a composite today; see docs/data-path.md"

// Judge puts the parts' SLOs, labelled with their part, under the
// comparison, and measures the paths side by side.
func (pathCompare) Judge(s *spec.Scenario, parts []PartVerdict) (*Verdict, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("no parts")
	}
	v := &Verdict{Start: parts[0].Verdict.Start, Rate: parts[0].Verdict.Rate,
		ServedBy: ServedBy{Gateways: map[string]int64{}, Backends: map[string]int64{}, Zones: map[string]int64{}},
		Requests: Requests{ByClass: map[string]int64{}}}
	end := parts[0].Verdict.Start
	for _, p := range parts {
		pv := p.Verdict
		v.Requests.Total += pv.Requests.Total
		v.Requests.OK += pv.Requests.OK
		v.Requests.Failed += pv.Requests.Failed
		for c, n := range pv.Requests.ByClass {
			v.Requests.ByClass[c] += n
		}
		v.Latency.P99 = max(v.Latency.P99, pv.Latency.P99)
		if e := pv.Start.Add(pv.Duration.D()); e.After(end) {
			end = e
		}
		for _, o := range pv.SLOs {
			o.Measured = "[" + p.Part.Name + "] " + o.Measured
			v.SLOs = append(v.SLOs, o)
		}
	}
	v.Duration = Duration(end.Sub(v.Start))
	v.PathCompare = measurePaths(s, parts)
	return v, nil
}

// measurePaths sums each path's rounds and sets the overheads against
// the first path.
func measurePaths(s *spec.Scenario, parts []PartVerdict) *PathResult {
	res := &PathResult{Rounds: s.PathCompare.Rounds, Knee: pathKnee}
	for i, p := range s.PathCompare.Paths {
		m := PathMeasure{Name: p.Name, CrossShare: -1}
		var p50, p99, cpu time.Duration
		var n, crossed, counted int64
		for j := i; j < len(parts); j += len(s.PathCompare.Paths) {
			pv := parts[j].Verdict
			m.OK += pv.Requests.OK
			m.Failed += pv.Requests.Failed
			p50 += pv.Latency.P50.D()
			p99 += pv.Latency.P99.D()
			n++
			if d := pv.DataPath; d != nil {
				crossed += d.Crossed
				counted += d.Requests
			}
			if c := pv.Conditions; c != nil && c.Machine != nil {
				ml := c.Machine
				cpu += time.Duration(ml.Busy * float64(ml.Cores) * float64(ml.Duration.D()))
			}
		}
		if n > 0 {
			m.P50, m.P99 = Duration(p50/time.Duration(n)), Duration(p99/time.Duration(n))
		}
		if counted > 0 {
			m.CrossShare = float64(crossed) / float64(counted)
		}
		if m.OK > 0 {
			m.CPUPerRequest = Duration(cpu / time.Duration(m.OK))
		}
		res.Paths = append(res.Paths, m)
	}
	for i := range res.Paths {
		res.Paths[i].P50Overhead = res.Paths[i].P50 - res.Paths[0].P50
		res.Paths[i].P99Overhead = res.Paths[i].P99 - res.Paths[0].P99
	}
	return res
}

// FormatPaths is the comparison side by side, one line per path, for
// the terminal (gatecert run) and summary.md; "" for other verdicts.
func FormatPaths(v *Verdict) string {
	r := v.PathCompare
	if r == nil {
		return ""
	}
	var b bytes.Buffer
	var rows [][]string
	for _, m := range r.Paths {
		cross := "–"
		if m.CrossShare >= 0 {
			cross = fmt.Sprintf("%.1f%%", 100*m.CrossShare)
		}
		cpu := "–"
		if m.CPUPerRequest > 0 {
			cpu = fmt.Sprintf("%.0f µs", float64(m.CPUPerRequest.D())/float64(time.Microsecond))
		}
		rows = append(rows, []string{m.Name, itoa(m.OK), itoa(m.Failed), short(m.P50.D()), short(m.P99.D()),
			signed(m.P50Overhead.D()), signed(m.P99Overhead.D()), cross, cpu})
	}
	table(&b, []string{"path", "ok", "failed", "p50", "p99", "p50 overhead", "p99 overhead", "cross-node", "machine CPU / req"}, "lrrrrrrrr", rows)
	fmt.Fprintf(&b, "\n%d round(s) per path, alternating; quantiles are the mean of the rounds'. Knee per gateway CPU-second: %s.\n", r.Rounds, r.Knee)
	return b.String()
}

// signed prints an overhead with its sign.
func signed(d time.Duration) string {
	if d >= 0 {
		return "+" + short(d)
	}
	return "-" + short(-d)
}

// writePathSummary is summary.md's section of a data-path comparison.
func writePathSummary(b *bytes.Buffer, v *Verdict) {
	if s := FormatPaths(v); s != "" {
		b.WriteString("\n## Data paths\n\n" + strings.TrimLeft(s, "\n"))
	}
}
