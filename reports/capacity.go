package reports

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// CapacityReport is a capacity search's result: capacity.json (the source
// of truth), capacity.md and capacity.html are rendered from it.
type CapacityReport struct {
	SchemaVersion int       `json:"schemaVersion"`
	RunID         string    `json:"runId"`
	Scenario      string    `json:"scenario"`
	Provider      string    `json:"provider"`
	Start         time.Time `json:"start"`
	// Without names what was removed before the steps for an N−1 figure
	// (zone:z1, node:z1n1, lb:lb1); empty for the whole stack.
	Without string `json:"without,omitempty"`
	// Knee is the highest offered rate whose steps met every SLO,
	// confirmed by repeats; MaxRate repeats it for compare and history.
	Knee    float64 `json:"knee"`
	MaxRate float64 `json:"maxRate"`
	// LimitedBy says what ended the search: gateway (the stack failed its
	// SLOs above the knee), client (the load generator saturated first:
	// the knee is a lower bound), max-rate, budget, none.
	LimitedBy string `json:"limitedBy"`
	// ClientLimited repeats LimitedBy == client, with why.
	ClientLimited bool                 `json:"clientLimited"`
	ClientReason  string               `json:"clientReason,omitempty"`
	Search        CapacitySearchParams `json:"search"`
	SLOs          []string             `json:"slos"` // what each step was judged by
	// LatencyMax is the latency SLO's bound (the first one), drawn on the
	// chart; 0 without a latency SLO.
	LatencyMax Duration `json:"latencyMax,omitempty"`
	// Replicas serving during the steps (after Without), of Total.
	Replicas      int `json:"replicas"`
	ReplicasTotal int `json:"replicasTotal"`
	LBs           int `json:"lbs"`
	// PerReplica is Knee / Replicas.
	PerReplica float64 `json:"perReplica"`
	// CPULimit is each replica's CPU limit in cores (0: none).
	CPULimit float64 `json:"cpuLimit,omitempty"`
	// KneeGatewayCores is the gateway CPU (cores, summed over replicas)
	// used at the knee; PerGatewayCore is the knee's achieved rate per
	// gateway core used (requests per gateway CPU-second). Absent without
	// CPU accounting.
	KneeGatewayCores float64        `json:"kneeGatewayCores,omitempty"`
	PerGatewayCore   float64        `json:"perGatewayCore,omitempty"`
	Steps            []CapacityStep `json:"steps"`
	Took             Duration       `json:"took"`
}

// CapacitySearchParams echo the search bounds.
type CapacitySearchParams struct {
	Start     float64  `json:"start"`
	Max       float64  `json:"max"`
	Step      Duration `json:"step"`
	Factor    float64  `json:"factor"`
	Precision float64  `json:"precision"`
	Repeats   int      `json:"repeats"`
	MaxSteps  int      `json:"maxSteps"`
}

// CapacityStep is one offered rate.
type CapacityStep struct {
	Phase      string   `json:"phase"` // ramp, bisect, confirm
	Rate       float64  `json:"rate"`
	Achieved   float64  `json:"achieved"`
	P50        Duration `json:"p50"`
	P99        Duration `json:"p99"`
	ErrorRatio float64  `json:"errorRatio"`
	Passed     bool     `json:"passed"`
	// ClientSaturated: the load generator fell behind its schedule.
	ClientSaturated bool   `json:"clientSaturated,omitempty"`
	Reason          string `json:"reason,omitempty"`
	// GatewayCores is the gateway CPU used during the step, in cores.
	GatewayCores float64 `json:"gatewayCores,omitempty"`
}

// Fill computes the derived figures (MaxRate, PerReplica, the knee's CPU
// use) from Knee, Replicas and Steps.
func (r *CapacityReport) Fill() {
	r.MaxRate = r.Knee
	r.PerReplica = 0
	if r.Replicas > 0 {
		r.PerReplica = r.Knee / float64(r.Replicas)
	}
	r.ClientLimited = r.LimitedBy == "client"
	r.KneeGatewayCores, r.PerGatewayCore = 0, 0
	for _, s := range r.Steps { // the last passing step at the knee
		if s.Passed && s.Rate == r.Knee && s.GatewayCores > 0 {
			r.KneeGatewayCores = s.GatewayCores
			r.PerGatewayCore = s.Achieved / s.GatewayCores
		}
	}
	if r.ClientLimited && r.ClientReason == "" {
		for _, s := range r.Steps {
			if s.ClientSaturated && !s.Passed {
				r.ClientReason = fmt.Sprintf("at %.0f req/s: %s", s.Rate, s.Reason)
				break
			}
		}
	}
}

// WriteCapacityJSON writes capacity.json.
func WriteCapacityJSON(path string, r *CapacityReport) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// limitText explains LimitedBy for people.
func limitText(r *CapacityReport) string {
	switch r.LimitedBy {
	case "gateway":
		return "the stack: steps above the knee failed their SLOs"
	case "client":
		s := "the **client** (load generator) saturated before the stack failed: the knee is a lower bound of the stack's capacity"
		if r.ClientReason != "" {
			s += " (" + r.ClientReason + ")"
		}
		return s
	case "max-rate":
		return "the search's max rate: every step passed, the stack can carry more"
	case "budget":
		return "the step budget, before the precision was reached"
	case "none":
		return "nothing passed: even the first step failed its SLOs"
	}
	return r.LimitedBy
}

// kneeTrials counts the steps offered at the knee and how many passed: the
// search keeps a knee that most of its trials passed.
func kneeTrials(r *CapacityReport) (passed, trials int) {
	for _, st := range r.Steps {
		if st.Rate == r.Knee {
			trials++
			if st.Passed {
				passed++
			}
		}
	}
	return passed, trials
}

// WriteCapacityMarkdown renders the capacity report (capacity.md).
func WriteCapacityMarkdown(w io.Writer, r *CapacityReport) error {
	var b bytes.Buffer
	title := r.Scenario
	if r.Without != "" {
		title += " without " + r.Without + " (N−1)"
	}
	fmt.Fprintf(&b, "# Capacity of %s: %.0f req/s\n\n", title, r.Knee)
	fmt.Fprintf(&b, "Run `%s` on `%s`, started %s, took %s.\n\n", r.RunID, r.Provider, r.Start.Format(time.RFC3339), r.Took)
	passed, trials := kneeTrials(r)
	fmt.Fprintf(&b, "- Knee: **%.0f req/s** — the highest offered rate at which most trials met every SLO (%s): %d of %d passed.\n",
		r.Knee, strings.Join(r.SLOs, "; "), passed, trials)
	fmt.Fprintf(&b, "- Limited by: %s.\n", limitText(r))
	fmt.Fprintf(&b, "- Gateway replicas serving: %d of %d, behind %d load balancer(s): %.0f req/s per replica.\n", r.Replicas, r.ReplicasTotal, r.LBs, r.PerReplica)
	if r.CPULimit > 0 {
		fmt.Fprintf(&b, "- CPU limit: %.2f cores per replica (%.2f in all).\n", r.CPULimit, r.CPULimit*float64(r.Replicas))
	}
	if r.KneeGatewayCores > 0 {
		fmt.Fprintf(&b, "- Gateway CPU at the knee: %.2f cores in all: %.0f requests per gateway CPU-second.\n", r.KneeGatewayCores, r.PerGatewayCore)
	}
	s := r.Search
	fmt.Fprintf(&b, "- Search: ramp from %.0f req/s ×%.2g up to %.0f, then bisection to %.0f%%, the knee decided by a majority of 1+%d trials, at most %d steps of %s each.\n",
		s.Start, s.Factor, s.Max, s.Precision*100, s.Repeats, s.MaxSteps, s.Step)
	b.WriteString("\n## Steps\n\n")
	var rows [][]string
	for i, st := range r.Steps {
		res := result(st.Passed)
		if st.ClientSaturated {
			res += " (client saturated)"
		}
		cores := "–"
		if st.GatewayCores > 0 {
			cores = fmt.Sprintf("%.2f", st.GatewayCores)
		}
		rows = append(rows, []string{itoa(int64(i + 1)), st.Phase, fmt.Sprintf("%.0f", st.Rate), fmt.Sprintf("%.0f", st.Achieved),
			short(st.P50.D()), short(st.P99.D()), fmt.Sprintf("%.3f%%", st.ErrorRatio*100), cores, res, st.Reason})
	}
	table(&b, []string{"#", "phase", "offered req/s", "achieved req/s", "p50", "p99", "errors", "gateway cores", "result", "why"}, "rlrrrrrrll", rows)
	_, err := w.Write(b.Bytes())
	return err
}

//go:embed assets/capacity.tmpl.html
var capacityTmplText string

var capacityTmpl = template.Must(template.New("capacity").Funcs(template.FuncMap{
	"result": result,
	"short":  short,
	"pct":    func(x float64) string { return fmt.Sprintf("%.3f%%", x*100) },
	"f0":     func(x float64) string { return fmt.Sprintf("%.0f", x) },
	"f2":     func(x float64) string { return fmt.Sprintf("%.2f", x) },
}).Parse(capacityTmplText))

// capacityChart is what the capacity page plots: per distinct offered
// rate (ascending), the worst p50, p99 and error ratio of its steps.
type capacityChart struct {
	Rate  []float64 `json:"rate"`
	P50   []float64 `json:"p50"` // ms
	P99   []float64 `json:"p99"`
	Error []float64 `json:"error"` // percent
	Knee  float64   `json:"knee"`
	Bound float64   `json:"bound"` // latency SLO bound, ms (0: none)
}

func capacityChartOf(r *CapacityReport) capacityChart {
	steps := slices.Clone(r.Steps)
	slices.SortStableFunc(steps, func(a, b CapacityStep) int {
		switch {
		case a.Rate < b.Rate:
			return -1
		case a.Rate > b.Rate:
			return 1
		}
		return 0
	})
	c := capacityChart{Knee: r.Knee, Bound: float64(r.LatencyMax.D().Microseconds()) / 1000, Rate: []float64{}, P50: []float64{}, P99: []float64{}, Error: []float64{}}
	ms := func(d Duration) float64 { return float64(d.D().Microseconds()) / 1000 }
	for _, s := range steps {
		if n := len(c.Rate); n > 0 && c.Rate[n-1] == s.Rate {
			c.P50[n-1] = max(c.P50[n-1], ms(s.P50))
			c.P99[n-1] = max(c.P99[n-1], ms(s.P99))
			c.Error[n-1] = max(c.Error[n-1], s.ErrorRatio*100)
			continue
		}
		c.Rate = append(c.Rate, s.Rate)
		c.P50 = append(c.P50, ms(s.P50))
		c.P99 = append(c.P99, ms(s.P99))
		c.Error = append(c.Error, s.ErrorRatio*100)
	}
	return c
}

// WriteCapacityHTML renders capacity.html: a self-contained page (uPlot
// inlined) with latency percentiles and error ratio against offered rate,
// the knee drawn as a vertical line, and the step table. When the chart
// has drawn, the body carries data-charts.
func WriteCapacityHTML(w io.Writer, r *CapacityReport) error {
	data, err := json.Marshal(capacityChartOf(r))
	if err != nil {
		return fmt.Errorf("encode capacity chart: %w", err)
	}
	var md bytes.Buffer
	fmt.Fprint(&md, limitText(r))
	var b bytes.Buffer
	err = capacityTmpl.Execute(&b, map[string]any{
		"R":        r,
		"Limit":    strings.ReplaceAll(md.String(), "**", ""),
		"Data":     template.JS(data),
		"UPlotJS":  template.JS(uplotJS),
		"UPlotCSS": template.CSS(uplotCSS),
		"AxisJS":   template.JS(axisJS),
	})
	if err != nil {
		return fmt.Errorf("render capacity page: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}
