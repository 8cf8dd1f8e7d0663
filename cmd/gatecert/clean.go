package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gatecert/gatecert/fixtures/netns"
)

// cmdClean removes namespaces, processes and state of runs that are no
// longer alive. Only objects named with gatecert's prefix are touched, and
// never those of a run whose owner process is still running.
func cmdClean(args []string) int {
	fs := flag.NewFlagSet("clean", flag.ContinueOnError)
	stateRoot := fs.String("state", netns.DefaultStateRoot, "state folder of the local provider")
	only := fs.String("run", "", "clean only this run id (default: every dead run)")
	if err := fs.Parse(args); err != nil {
		return exitBadInput
	}
	found, err := netns.FindLeftovers(*stateRoot)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatecert clean:", err)
		return exitEnv
	}
	code, cleaned := exitPass, 0
	for _, l := range found {
		if *only != "" && l.RunID != *only {
			continue
		}
		cleaned++
		if err := netns.Reap(l); err != nil {
			fmt.Fprintf(os.Stderr, "gatecert clean: run %s: %v\n", l.RunID, err)
			code = exitEnv
			continue
		}
		fmt.Printf("removed run %s: %d namespaces, state %s\n", l.RunID, len(l.Namespaces), l.StateDir)
	}
	if cleaned == 0 {
		fmt.Println("nothing to clean")
	}
	return code
}
