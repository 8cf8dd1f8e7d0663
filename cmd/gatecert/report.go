package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatecert/gatecert/reports"
)

func cmdReport(args []string) int {
	fset := flag.NewFlagSet("report", flag.ContinueOnError)
	evaluate := fset.Bool("evaluate", false, "judge again from the stored ledgers, events and scenario.resolved.yaml (rewrites verdict.json); a TLS comparison's or capacity search's verdict keeps its tls or capacity section and is judged again from its parts")
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), "Usage: gatecert report [flags] DIR ...\n\nRe-renders summary.md, junit.xml and report.html of every verdict.json under each DIR.")
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		return exitBadInput
	}
	if fset.NArg() == 0 {
		fset.Usage()
		return exitBadInput
	}
	if *evaluate {
		return reassess(fset.Args())
	}
	dirs, err := reports.VerdictDirs(fset.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatecert report:", err)
		return exitBadInput
	}
	code := exitPass
	for _, d := range dirs {
		v, err := reports.ReadJSON(filepath.Join(d, reports.VerdictFile))
		if err == nil {
			err = reports.Render(d, v)
		}
		if !reportLine(d, v, err) {
			code = exitBadInput
		}
	}
	return code
}

// reassess is `gatecert report -evaluate`: reports.Reassess judges every
// stored run again; this prints what it did.
func reassess(roots []string) int {
	done, leftAlone, err := reports.Reassess(roots)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatecert report:", err)
		return exitBadInput
	}
	code := exitPass
	for _, r := range done {
		if !reportLine(r.Dir, r.Verdict, r.Err) {
			code = exitBadInput
		}
	}
	if leftAlone > 0 {
		fmt.Printf("%d ledger folder(s) without a verdict or scenario of their own (capacity steps, warm-ups) left alone\n", leftAlone)
	}
	return code
}

// reportLine prints a re-rendered or re-judged verdict, or the error that
// stopped it; false on error.
func reportLine(dir string, v *reports.Verdict, err error) bool {
	if err != nil {
		fmt.Fprintf(os.Stderr, "gatecert report: %s: %v\n", dir, err)
		return false
	}
	fmt.Printf("%s\n      %s\n", reports.FormatLine(v), filepath.Join(dir, reports.ReportFile))
	return true
}
