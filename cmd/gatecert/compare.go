package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gatecert/gatecert/reports"
)

func cmdCompare(args []string) int {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	maxReg := fs.String("max-regression", "5%", "how much worse a metric may get before it counts as a regression")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: gatecert compare [flags] BASELINE CURRENT\n\nCompares the verdicts under two run folders by scenario and metric; prints a Markdown table; exits 1 on a regression.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBadInput
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return exitBadInput
	}
	r, err := parsePercent(*maxReg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gatecert compare: --max-regression %q: %v\n", *maxReg, err)
		return exitBadInput
	}
	base, err := readRuns(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatecert compare: baseline:", err)
		return exitBadInput
	}
	cur, err := readRuns(fs.Arg(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatecert compare: current:", err)
		return exitBadInput
	}
	rows := reports.Compare(base, cur, r)
	os.Stdout.Write(reports.CompareMarkdown(rows, r))
	for _, row := range rows {
		if row.Regression {
			return exitSLOFail
		}
	}
	return exitPass
}

func cmdHistory(args []string) int {
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: gatecert history DIR ...\n\nPrints a Markdown trend table of every verdict under the folders (e.g. nightly runs).")
	}
	if err := fs.Parse(args); err != nil {
		return exitBadInput
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitBadInput
	}
	var all []reports.Run
	for _, d := range fs.Args() {
		runs, err := readRuns(d)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gatecert history:", err)
			return exitBadInput
		}
		all = append(all, runs...)
	}
	os.Stdout.Write(reports.HistoryMarkdown(all))
	return exitPass
}

// readRuns reads every top-level verdict.json under dir. A verdict inside
// another verdict's folder is a part of it (a TLS comparison's profile
// runs, whose handshake and keep-alive runs share one name): compare and
// history judge such a scenario by its parent's verdict, which carries the
// parts' SLO results; listing the parts as scenarios of their own showed
// colliding names and rows nobody gates on.
func readRuns(dir string) ([]reports.Run, error) {
	dirs, err := reports.VerdictDirs([]string{dir})
	if err != nil {
		return nil, err
	}
	var out []reports.Run
	for _, d := range reports.TopLevel(dirs) {
		r, err := reports.ReadRun(d)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// parsePercent reads "5%" or "0.05" as 0.05.
func parsePercent(s string) (float64, error) {
	t := strings.TrimSpace(s)
	div := 1.0
	if strings.HasSuffix(t, "%") {
		t, div = strings.TrimSuffix(t, "%"), 100
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || f/div >= 10 {
		return 0, fmt.Errorf("want a percentage such as 5%%")
	}
	return f / div, nil
}
