package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gatecert/gatecert/scenarios/plan"
)

func cmdPlan(args []string) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	var sets setFlags
	fs.Var(&sets, "set", "override a scenario field by its YAML path, as for run (repeatable)")
	only := fs.String("only", "", "comma-separated scenario names (default: all given)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: gatecert plan [flags] [SCENARIO.yaml|DIR ...]\n\nPrints the resolved scenarios without running anything.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBadInput
	}
	list, err := resolveScenarios("plan", fs.Args(), "", *only, sets)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitBadInput
	}
	for i, s := range list {
		if i > 0 {
			fmt.Println()
		}
		plan.Write(os.Stdout, s, sets)
	}
	return exitPass
}
