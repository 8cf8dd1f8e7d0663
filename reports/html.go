package reports

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/gatecert/gatecert/ledger"
)

// uPlot (MIT, assets/uPlot.LICENSE) draws the time series; it is inlined
// so that report.html needs no network.
var (
	//go:embed assets/uPlot.iife.min.js
	uplotJS string
	//go:embed assets/uPlot.min.css
	uplotCSS string
	//go:embed assets/report.js
	reportJS string
	//go:embed assets/axis.js
	axisJS string
	//go:embed assets/report.tmpl.html
	reportTmpl string
)

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"result":   result,
	"word":     func(v *Verdict) string { return outcomeOf(v).Word() },
	"window":   WindowLabel,
	"describe": describe,
	"offset":   func(t *time.Time, start time.Time) string { return "+" + t.Sub(start).Round(time.Millisecond).String() },
	"short":    short,
	"served":   func(by map[string]int64, name string) int64 { return by[name] },
	"deref":    func(p *float64) float64 { return *p },
	"limit":    capacityLimit,
	"without":  capacityWithout,
	"measure":  MeasureName,
	"tlsNote":  func() string { return tlsRequestsNote },
}).Parse(reportTmpl))

// chartData is what report.js plots: one entry per second of the timeline.
type chartData struct {
	T       []int64            `json:"t"` // seconds from the start
	OK      []int64            `json:"ok"`
	Failed  []int64            `json:"failed"`
	Stalled []int64            `json:"stalled"` // judgement: ok but later than the stall bound
	ByClass map[string][]int64 `json:"byClass"`
	P50     []float64          `json:"p50"` // milliseconds
	P99     []float64          `json:"p99"`
	Max     []float64          `json:"max"`
	Rate    float64            `json:"rate"`
	Faults  []chartFault       `json:"faults"`
}

type chartFault struct {
	Name string  `json:"name"`
	From float64 `json:"from"` // seconds from the start
	To   float64 `json:"to"`   // -1: not reverted
}

func chartDataOf(v *Verdict) chartData {
	d := chartData{ByClass: map[string][]int64{}, Rate: v.Rate, Faults: []chartFault{}}
	n := len(v.Timeline)
	for _, c := range ledger.Classes() {
		if name := c.String(); v.Requests.ByClass[name] > 0 {
			d.ByClass[name] = make([]int64, n)
		}
	}
	ms := func(x Duration) float64 { return float64(x.D().Microseconds()) / 1000 }
	for i, s := range v.Timeline {
		d.T = append(d.T, int64(i))
		d.OK = append(d.OK, s.OK)
		d.Failed = append(d.Failed, s.Failed)
		d.Stalled = append(d.Stalled, s.Stalled)
		for c, k := range s.ByClass {
			if d.ByClass[c] == nil {
				d.ByClass[c] = make([]int64, n)
			}
			d.ByClass[c][i] = k
		}
		d.P50 = append(d.P50, ms(s.P50))
		d.P99 = append(d.P99, ms(s.P99))
		d.Max = append(d.Max, ms(s.MaxLatency))
	}
	for _, f := range v.Faults {
		if f.Inject == nil {
			continue
		}
		cf := chartFault{Name: f.Name, From: f.Inject.Sub(v.Start).Seconds(), To: -1}
		if f.Revert != nil {
			cf.To = f.Revert.Sub(v.Start).Seconds()
		}
		d.Faults = append(d.Faults, cf)
	}
	return d
}

// WriteHTML renders v as report.html: a self-contained page (uPlot and the
// data inlined, nothing fetched) with throughput, failures by class and
// latency quantiles per second, the faults drawn as bands on each chart,
// the topology with who served what, the SLO table and the fault timeline.
// When the charts have drawn, the page's body carries data-charts (charts
// drawn) and data-fault-bands (bands drawn), for tests and tools.
func WriteHTML(w io.Writer, v *Verdict) error {
	data, err := json.Marshal(chartDataOf(v)) // escapes <, > and & for a script element
	if err != nil {
		return fmt.Errorf("encode report data: %w", err)
	}
	type classRow struct {
		Class string
		N     int64
	}
	var classes []classRow
	for _, c := range classCounts(v.Requests.ByClass) {
		classes = append(classes, classRow{c.class, c.n})
	}
	var b bytes.Buffer
	err = htmlTmpl.Execute(&b, map[string]any{
		"V":         v,
		"Data":      template.JS(data),
		"UPlotJS":   template.JS(uplotJS),
		"UPlotCSS":  template.CSS(uplotCSS),
		"AxisJS":    template.JS(axisJS),
		"ReportJS":  template.JS(reportJS),
		"Classes":   classes,
		"StallNote": stallNote(v.Stalls),
	})
	if err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
