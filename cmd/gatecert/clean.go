package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gatecert/gatecert/fixtures/netns"
)

// cmdClean removes namespaces, processes and state of runs that are no
// longer alive. Only objects named with gatecert's prefix are touched.
func cmdClean(args []string) int {
	fs := flag.NewFlagSet("clean", flag.ContinueOnError)
	stateRoot := fs.String("state", netns.DefaultStateRoot, "state folder of the local provider")
	if err := fs.Parse(args); err != nil {
		return exitBadInput
	}
	removed, err := netns.ReapAll(*stateRoot)
	for _, l := range removed {
		fmt.Printf("removed run %s: %d namespaces, state %s\n", l.RunID, len(l.Namespaces), l.StateDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatecert clean:", err)
		return exitEnv
	}
	if len(removed) == 0 {
		fmt.Println("nothing to clean")
	}
	return exitPass
}
