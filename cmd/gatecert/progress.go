package main

import (
	"fmt"
	"os"
	"time"

	"github.com/gatecert/gatecert/scenarios/runner"
)

// printProgress rewrites one status line on stderr: phase, elapsed,
// request rate, failures so far and the fault step in progress.
func printProgress(p runner.Progress) {
	rate := 0.0
	if s := p.Load.Elapsed.Seconds(); s > 0 {
		rate = float64(p.Load.Sent) / s
	}
	line := fmt.Sprintf("%s [%s] %s  sent %d (%.0f/s)  failed %d  in-flight %d",
		p.Scenario, p.Phase, p.Elapsed.Truncate(time.Second), p.Load.Sent, rate, p.Load.Failed, p.Load.InFlight)
	if p.Fault != "" {
		line += "  fault: " + p.Fault
	}
	if isTerminal(os.Stderr) {
		fmt.Fprintf(os.Stderr, "\r\033[K%s", line)
	} else if p.Phase != "load" || int(p.Elapsed.Seconds())%10 == 0 {
		fmt.Fprintln(os.Stderr, line)
	}
}

func clearProgress() {
	if isTerminal(os.Stderr) {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
