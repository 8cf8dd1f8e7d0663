package reports

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"time"
)

// Metric is one number compared between runs.
type Metric struct {
	Name string
	// Value is in Unit: requests, seconds or a ratio; +Inf for a failover
	// that never reached steady success.
	Value float64
	Unit  string // "req", "s", "x", "req/s"
	// Higher is true when a larger value is better.
	Higher bool
}

// Metrics are the numbers compare and history track for a verdict: failed
// requests, the longest failover to steady success, p99 latency, and, when
// verdict.json carries them (capacity and TLS scenarios), the maximum
// sustained rate and the TLS speed-up. raw is verdict.json as a generic
// map, for those optional fields; nil skips them.
func Metrics(v *Verdict, raw map[string]any) []Metric {
	out := []Metric{{Name: "failed", Value: float64(v.Requests.Failed), Unit: "req"}}
	fo, any := 0.0, false
	for _, f := range v.Faults {
		if f.Failover == nil {
			continue
		}
		any = true
		if f.Failover.Steady == nil {
			fo = math.Inf(1)
		} else {
			fo = max(fo, f.Failover.Steady.D().Seconds())
		}
	}
	if any {
		out = append(out, Metric{Name: "failover", Value: fo, Unit: "s"})
	}
	out = append(out, Metric{Name: "p99", Value: v.Latency.P99.D().Seconds(), Unit: "s"})
	for _, k := range []struct{ key, name, unit string }{{"maxRate", "max rate", "req/s"}, {"capacity", "max rate", "req/s"}, {"tlsSpeedup", "TLS speed-up", "x"}} {
		if x, ok := number(raw, k.key); ok {
			out = append(out, Metric{Name: k.name, Value: x, Unit: k.unit, Higher: true})
		}
	}
	return append(out, pairSpeedups(v.TLS)...)
}

// pairSpeedups are the judged speed-ups of every pair of a TLS comparison
// with more than one: "TLS speed-up" tracks only the lowest, so a pair
// that regressed while another stayed lower would pass unseen. Pairs are
// named by position and key type, which a renamed profile keeps.
func pairSpeedups(r *TLSResult) []Metric {
	if r == nil || len(r.Pairs) < 2 {
		return nil
	}
	out := make([]Metric, 0, len(r.Pairs))
	for i, p := range r.Pairs {
		out = append(out, Metric{Name: fmt.Sprintf("TLS speed-up pair %d (%s)", i+1, cmp.Or(p.KeyName, p.Key)), Value: p.Speedup, Unit: "x", Higher: true})
	}
	return out
}

// number finds a top-level number, or a "maxRate"/"value" inside an object.
func number(raw map[string]any, key string) (float64, bool) {
	switch x := raw[key].(type) {
	case float64:
		return x, true
	case map[string]any:
		for _, k := range []string{"maxRate", "value", "speedup"} {
			if f, ok := x[k].(float64); ok {
				return f, true
			}
		}
	}
	return 0, false
}

// Run is one stored verdict with its optional extras.
type Run struct {
	Dir     string
	Verdict *Verdict
	Raw     map[string]any
}

// ReadRun reads dir/verdict.json.
func ReadRun(dir string) (Run, error) {
	p := dir + "/verdict.json"
	v, err := ReadJSON(p)
	if err != nil {
		return Run{}, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return Run{}, err
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return Run{}, fmt.Errorf("decode %s: %w", p, err)
	}
	return Run{Dir: dir, Verdict: v, Raw: raw}, nil
}

// Row is one line of a comparison.
type Row struct {
	Scenario, Metric  string
	Baseline, Current string
	Change            string
	Regression        bool
	Note              string
}

// Tolerances for noise below which a change never counts as a regression.
const (
	minDurationDelta = time.Millisecond
	minRateDelta     = 1.0
)

// Compare compares current runs with baseline runs, by scenario name (the
// latest run of each name on each side), metric by metric. A metric
// regressed when it is worse than the baseline by more than maxRegression
// (0.05 for 5%) and by more than the noise floor (1ms for times, 1 req/s);
// failed requests regress on any increase beyond the ratio, so 0 → 1 is a
// regression. A scenario that passed and now fails, or that is missing from
// current, regressed too.
func Compare(baseline, current []Run, maxRegression float64) []Row {
	base, cur := latest(baseline), latest(current)
	var rows []Row
	for _, name := range sortedKeys(base) {
		b := base[name]
		c, ok := cur[name]
		if !ok {
			rows = append(rows, Row{Scenario: name, Metric: "result", Baseline: outcomeOf(b.Verdict).Word(), Current: "missing", Regression: true})
			continue
		}
		rows = append(rows, Row{Scenario: name, Metric: "result", Baseline: outcomeOf(b.Verdict).Word(), Current: outcomeOf(c.Verdict).Word(),
			Regression: b.Verdict.Passed && !c.Verdict.Passed})
		cm := map[string]Metric{}
		for _, m := range Metrics(c.Verdict, c.Raw) {
			cm[m.Name] = m
		}
		for _, bm := range Metrics(b.Verdict, b.Raw) {
			m, ok := cm[bm.Name]
			if !ok {
				rows = append(rows, Row{Scenario: name, Metric: bm.Name, Baseline: format(bm), Current: "missing", Regression: true})
				continue
			}
			rows = append(rows, compareMetric(name, bm, m, maxRegression))
		}
	}
	for _, name := range sortedKeys(cur) {
		if _, ok := base[name]; !ok {
			rows = append(rows, Row{Scenario: name, Metric: "result", Baseline: "missing", Current: outcomeOf(cur[name].Verdict).Word(), Note: "new"})
		}
	}
	return rows
}

func compareMetric(scenario string, b, c Metric, maxRegression float64) Row {
	r := Row{Scenario: scenario, Metric: b.Name, Baseline: format(b), Current: format(c)}
	worse := c.Value - b.Value
	if b.Higher {
		worse = -worse
	}
	switch {
	case b.Value != 0 && !math.IsInf(b.Value, 0):
		r.Change = fmt.Sprintf("%+.1f%%", (c.Value-b.Value)/b.Value*100)
	case c.Value != b.Value:
		r.Change = "new"
	}
	if math.IsInf(c.Value, 1) && !math.IsInf(b.Value, 1) {
		r.Regression = !b.Higher
		return r
	}
	floor := 0.0
	switch b.Unit {
	case "s":
		floor = minDurationDelta.Seconds()
	case "req/s":
		floor = minRateDelta
	}
	r.Regression = worse > floor && worse > math.Abs(b.Value)*maxRegression
	return r
}

func format(m Metric) string {
	switch {
	case math.IsInf(m.Value, 1):
		return "never"
	case m.Unit == "s":
		return short(time.Duration(m.Value * float64(time.Second)))
	case m.Unit == "req":
		return strconv.FormatFloat(m.Value, 'f', -1, 64)
	}
	return strconv.FormatFloat(m.Value, 'g', 4, 64) + " " + m.Unit
}

// latest keeps the latest run of each scenario.
func latest(runs []Run) map[string]Run {
	out := map[string]Run{}
	for _, r := range runs {
		if o, ok := out[r.Verdict.Scenario]; !ok || r.Verdict.Start.After(o.Verdict.Start) {
			out[r.Verdict.Scenario] = r
		}
	}
	return out
}

// CompareMarkdown renders rows as a Markdown table for a CI comment, with a
// one-line verdict first.
func CompareMarkdown(rows []Row, maxRegression float64) []byte {
	var b bytes.Buffer
	n := 0
	for _, r := range rows {
		if r.Regression {
			n++
		}
	}
	if n == 0 {
		fmt.Fprintf(&b, "**No regression** (threshold %s).\n\n", percent(maxRegression, 2))
	} else {
		fmt.Fprintf(&b, "**%d regression(s)** (threshold %s).\n\n", n, percent(maxRegression, 2))
	}
	var cells [][]string
	for _, r := range rows {
		st := "ok"
		if r.Regression {
			st = "❌ regression"
		} else if r.Note != "" {
			st = r.Note
		}
		cells = append(cells, []string{r.Scenario, r.Metric, r.Baseline, r.Current, r.Change, st})
	}
	table(&b, []string{"scenario", "metric", "baseline", "current", "change", "status"}, "llrrrl", cells)
	return b.Bytes()
}

// HistoryMarkdown renders a trend table: one row per run and scenario,
// oldest first, with result, failed requests, failover, p99 and the
// optional capacity metrics.
func HistoryMarkdown(runs []Run) []byte {
	slices.SortStableFunc(runs, func(a, b Run) int {
		return cmp.Or(a.Verdict.Start.Compare(b.Verdict.Start), cmp.Compare(a.Verdict.Scenario, b.Verdict.Scenario))
	})
	var b bytes.Buffer
	var cells [][]string
	for _, r := range runs {
		v := r.Verdict
		row := []string{v.Start.UTC().Format("2006-01-02 15:04"), v.RunID, v.Scenario, outcomeOf(v).Word(), "", "", "", ""}
		for _, m := range Metrics(v, r.Raw) {
			switch m.Name {
			case "failed":
				row[4] = format(m)
			case "failover":
				row[5] = format(m)
			case "p99":
				row[6] = format(m)
			default:
				if row[7] != "" {
					row[7] += ", "
				}
				row[7] += m.Name + " " + format(m)
			}
		}
		cells = append(cells, row)
	}
	table(&b, []string{"start", "run", "scenario", "result", "failed", "failover", "p99", "other"}, "llllrrrl", cells)
	return b.Bytes()
}
