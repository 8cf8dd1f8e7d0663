package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// tlsRequestsNote says whose requests a TLS comparison's verdict counts
// (summary.md and report.html).
const tlsRequestsNote = "A TLS comparison: these are the requests of its first profile run (pair 1's baseline, round 1); every profile run's latency and availability are in the SLO table, its ledger in its own folder."

// WriteSummary renders v as Markdown (summary.md): result, requests, failures
// by class, SLOs, where traffic was served, reconciliation and faults. Rows
// come out in a fixed order, so the same verdict always renders the same.
func WriteSummary(w io.Writer, v *Verdict) error {
	var b bytes.Buffer
	o := outcomeOf(v)
	fmt.Fprintf(&b, "# %s %s\n\n", o.Word(), v.Scenario)
	fmt.Fprintf(&b, "Run `%s` on `%s`, expected to %s, started %s, lasted %s.\n",
		v.RunID, v.Provider, v.Expect, v.Start.Format(time.RFC3339Nano), v.Duration)
	writeOutcome(&b, v, o)

	r := v.Requests
	b.WriteString("\n## Requests\n\n")
	head := []string{"total", "ok", "failed", "retried", "p50", "p90", "p99", "max", "send lag p99", "max send lag"}
	row := []string{itoa(r.Total), itoa(r.OK), itoa(r.Failed), itoa(r.Retried),
		short(v.Latency.P50.D()), short(v.Latency.P90.D()), short(v.Latency.P99.D()), short(v.Latency.Max.D()),
		short(r.SendLagP99.D()), short(r.MaxSendLag.D())}
	if v.Stalls != nil {
		head = slices.Insert(head, 3, "stalled")
		row = slices.Insert(row, 3, itoa(v.Stalls.Stalled))
	}
	table(&b, head, strings.Repeat("r", len(head)), [][]string{row})
	b.WriteString("\nLatency of successful requests, from the intended send time.\n")
	if n := stallNote(v.Stalls); n != "" {
		b.WriteString(n + " Stalled requests are among the ok ones.\n")
	}
	if v.TLS != nil {
		b.WriteString("\n" + tlsRequestsNote + "\n")
	}

	b.WriteString("\n## Failures by class\n\n")
	stalled := v.Stalls != nil && v.Stalls.Stalled > 0
	if len(r.ByClass) == 0 && !stalled {
		b.WriteString("None.\n")
	} else {
		var rows [][]string
		for _, c := range classCounts(r.ByClass) {
			rows = append(rows, []string{c.class, itoa(c.n), "failed"})
		}
		if stalled {
			rows = append(rows, []string{"stalled", itoa(v.Stalls.Stalled), "ok, later than " + short(v.Stalls.Bound.D())})
		}
		table(&b, []string{"class", "requests", "judged"}, "lrl", rows)
	}

	b.WriteString("\n## SLOs\n\n")
	if len(v.SLOs) == 0 {
		b.WriteString("None: a run with no SLOs does not pass.\n")
	} else {
		var rows [][]string
		for _, s := range v.SLOs {
			rows = append(rows, []string{s.Kind, result(s.Passed), s.Measured, s.Threshold, WindowLabel(s)})
		}
		table(&b, []string{"SLO", "result", "measured", "threshold", "window"}, "lllll", rows)
		var notes []string
		for _, s := range v.SLOs {
			if s.FirstFailure == nil && (s.Passed || len(s.Details) == 0) {
				continue
			}
			n := fmt.Sprintf("- **%s** (%s):", s.Kind, WindowLabel(s))
			if s.FirstFailure != nil {
				n += " first offending request " + describe(s.FirstFailure)
				if s.ActiveFault != "" {
					n += fmt.Sprintf(" during fault `%s`", s.ActiveFault)
				}
				if s.LastFailure != nil {
					n += "; last " + describe(s.LastFailure)
				}
				n += "."
			}
			for _, d := range s.Details {
				n += " " + upperFirst(d) + "."
			}
			notes = append(notes, n)
		}
		if len(notes) > 0 {
			b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
		}
	}

	if v.TLS != nil {
		writeTLSSummary(&b, v.TLS)
	}
	writePathSummary(&b, v)
	if v.Capacity != nil {
		writeCapacitySummary(&b, v.Capacity)
	}

	b.WriteString("\n## Served by zone\n\n")
	servedTable(&b, "zone", v.ServedBy.Zones, r.OK)
	b.WriteString("\n## Served by gateway\n\n")
	servedTable(&b, "gateway", v.ServedBy.Gateways, r.OK)
	writeDataPath(&b, v.DataPath)

	b.WriteString("\n## Reconciliation\n\n")
	if rc := v.Reconciliation; rc == nil {
		b.WriteString("No backend ledgers: not reconciled.\n")
	} else {
		table(&b, []string{"delivered", "failed before backend", "failed after backend", "duplicates", "phantoms", "ok, unconfirmed"}, "rrrrrr",
			[][]string{{itoa(rc.Delivered), itoa(rc.FailedBeforeBackend), itoa(rc.FailedAfterBackend),
				itoa(rc.Duplicates), itoa(rc.Phantoms), itoa(rc.OKUnconfirmed)}})
	}

	b.WriteString("\n## Faults\n\n")
	if len(v.Faults) == 0 {
		b.WriteString("None.\n")
	} else {
		var rows [][]string
		for _, f := range v.Faults {
			inject, revert := "not injected", ""
			if f.Inject != nil {
				inject, revert = offset(*f.Inject, v.Start), "not reverted"
			}
			if f.Revert != nil {
				revert = offset(*f.Revert, v.Start)
			}
			rows = append(rows, []string{f.Name, f.Kind, inject, revert, itoa(f.Failed), itoa(f.Stalled), itoa(f.LossBudget)})
		}
		table(&b, []string{"fault", "kind", "inject", "revert", "failed", "stalled", "loss budget"}, "lllrrrr", rows)
		b.WriteString("\nTimes are offsets from the start; failed and stalled count requests intended inside the window.\n")
	}
	writeConditions(&b, v.Conditions)
	writeOverrides(&b, v)
	if len(v.Notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range v.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	_, err := w.Write(b.Bytes())
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// outcomeText says what an outcome other than passed or failed means for
// the reader of a summary.
var outcomeText = map[Outcome]string{
	OutcomeInvalid:     "**Invalid run**: it could not do what it set out to do, so it says nothing about the stack (exit 3).",
	OutcomeInterrupted: "**Interrupted**: a partial verdict of what was measured until the run was stopped (exit 130).",
	OutcomeEnvironment: "**Not judged**: the environment failed (exit 3).",
}

// writeOutcome explains an outcome the stack's SLOs did not decide.
func writeOutcome(b *bytes.Buffer, v *Verdict, o Outcome) {
	t, ok := outcomeText[o]
	if !ok {
		return
	}
	b.WriteString("\n" + t + "\n")
	for _, r := range v.Reasons {
		fmt.Fprintf(b, "\n- %s", r)
	}
	if len(v.Reasons) > 0 {
		b.WriteString("\n")
	}
}

// writeOverrides lists the run's overrides: a relaxed threshold must show.
func writeOverrides(b *bytes.Buffer, v *Verdict) {
	if len(v.Overrides) == 0 {
		return
	}
	b.WriteString("\n## Overrides\n\n")
	var rows [][]string
	for _, o := range v.Overrides {
		src := o.Source
		if src == SourceProvider {
			src = "provider " + v.Provider
		}
		rows = append(rows, []string{"`" + o.Set + "`", src, o.Why})
	}
	table(b, []string{"set", "source", "why"}, "lll", rows)
}

// WindowLabel renders an SLO result's window for people: "run",
// "during zone +2s…+6s", "after lb +8s…end".
func WindowLabel(s SLOResult) string {
	if s.Window == WindowRun && s.Fault == "" {
		return WindowRun
	}
	l := s.Window
	if s.Fault != "" {
		l += " " + s.Fault
	}
	// Windows hold intended send times, both ends included; an open end
	// (before an inject, after a revert) is stored as the last or first
	// nanosecond inside, and shown as the bound it stands for. Offsets are
	// rounded to the millisecond here; verdict.json keeps them exact.
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	from := "+" + ms(s.From.D())
	if s.Window == spec.WindowAfter {
		from = ">+" + ms(s.From.D()-1)
	}
	to := "end"
	if s.To != nil {
		to = "+" + ms(s.To.D())
		if s.Window == spec.WindowBefore || s.Window == "failover" {
			to = "<+" + ms(s.To.D()+1)
		}
	}
	return fmt.Sprintf("%s %s…%s", l, from, to)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// describe renders a failure as "seq 12 at 3.2s (eof, lb1 → z1n1-gw0)".
func describe(f *Failure) string {
	var via []string
	for _, s := range []string{f.LB, f.Gateway, f.Backend} {
		if s != "" {
			via = append(via, s)
		}
	}
	what := f.Class
	if f.Class == "ok" {
		what = fmt.Sprintf("ok in %s", f.Latency)
	}
	if f.Status != 0 && f.Class != "ok" {
		what += " " + strconv.Itoa(int(f.Status))
	}
	if len(via) > 0 {
		what += ", " + strings.Join(via, " → ")
	}
	return fmt.Sprintf("seq %d at %s (%s)", f.Seq, f.At, what)
}

// servedTable writes requests per name, most first, then by name.
func servedTable(b *bytes.Buffer, what string, by map[string]int64, ok int64) {
	if len(by) == 0 {
		b.WriteString("No successful requests.\n")
		return
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	slices.SortFunc(names, func(x, y string) int { return cmp.Or(cmp.Compare(by[y], by[x]), cmp.Compare(x, y)) })
	var rows [][]string
	for _, n := range names {
		rows = append(rows, []string{n, itoa(by[n]), percent(float64(by[n])/float64(ok), 1)})
	}
	table(b, []string{what, "requests", "share"}, "lrr", rows)
}

// table writes a Markdown table; align has one letter per column, l or r.
func table(b *bytes.Buffer, header []string, align string, rows [][]string) {
	row := func(cells []string) {
		for _, c := range cells {
			b.WriteString("| " + strings.ReplaceAll(c, "|", `\|`) + " ")
		}
		b.WriteString("|\n")
	}
	row(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
		if align[i] == 'r' {
			sep[i] = "--:"
		}
	}
	row(sep)
	for _, r := range rows {
		row(r)
	}
}

// offset renders t relative to start: "+2.5s".
func offset(t, start time.Time) string { return "+" + t.Sub(start).String() }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// writeConditions says what the run's own conditions were: the machine's
// CPU and each LB's connection peak (what validity was judged on).
func writeConditions(b *bytes.Buffer, c *Samples) {
	if c == nil || (c.Machine == nil && len(c.LBs) == 0) {
		return
	}
	b.WriteString("\n## Conditions\n\n")
	if m := c.Machine; m != nil {
		fmt.Fprintf(b, "- Machine: %d cores, CPU %.1f%% busy and %.1f%% stolen over %s, load average %.2f at the end.\n",
			m.Cores, m.Busy*100, m.Steal*100, m.Duration, m.LoadAvg)
	}
	for _, l := range c.LBs {
		fmt.Fprintf(b, "- %s: frontend peak %d of its limit %d connections (%d samples, %d at the limit).\n", l.LB, l.Peak, l.Limit, l.Samples, l.AtLimits)
	}
}
