package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/scenarios/spec"
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
		return evaluateRuns(fset.Args())
	}
	dirs, err := verdictDirs(fset.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatecert report:", err)
		return exitBadInput
	}
	code := exitPass
	for _, d := range dirs {
		v, err := reports.ReadJSON(filepath.Join(d, runner.VerdictFile))
		if err == nil {
			err = runner.WriteRendered(d, v)
		}
		if !reportLine(d, v, err) {
			code = exitBadInput
		}
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
	fmt.Printf("%s\n      %s\n", reports.FormatLine(v), filepath.Join(dir, runner.ReportFile))
	return true
}

// verdictDirs returns every folder under roots that holds a verdict.json,
// sorted.
func verdictDirs(roots []string) ([]string, error) { return dirsWith(roots, runner.VerdictFile) }

// ledgerDirs returns every folder under roots that holds a client ledger,
// sorted: what report -evaluate can judge, with or without a verdict.
func ledgerDirs(roots []string) ([]string, error) { return dirsWith(roots, ledger.MetaFile) }

func dirsWith(roots []string, file string) ([]string, error) {
	out, err := findDirs(roots, file)
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("no %s under %v", file, roots)
	}
	return out, err
}

// findDirs returns every folder under roots that holds file, sorted;
// none is no error.
func findDirs(roots []string, file string) ([]string, error) {
	var out []string
	for _, r := range roots {
		if _, err := os.Stat(r); err != nil {
			return nil, err
		}
		err := filepath.WalkDir(r, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && d.Name() == file {
				out = append(out, filepath.Dir(p))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func readEvents(path string) ([]spec.Event, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []spec.Event
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var e spec.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}
