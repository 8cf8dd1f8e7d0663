// Command gatecert certifies a high-availability gateway stack: it stands
// the stack up, drives open-model load through its load balancers, injects
// faults on a timeline and judges the run from a per-request ledger.
package main

import (
	"fmt"
	"os"

	"github.com/gatecert/gatecert/fixtures/echo"
	"github.com/gatecert/gatecert/reports"
)

// Exit codes: reports' outcome table.
const (
	exitPass     = reports.ExitPassed
	exitSLOFail  = reports.ExitFailed
	exitBadInput = reports.ExitBadInput
	exitEnv      = reports.ExitUnjudged
)

const usage = `gatecert — chaos and performance certification of HA ingress gateways

Usage:
  gatecert run [flags] SCENARIO.yaml|DIR ...   run scenarios (default: the embedded catalogue)
  gatecert plan [flags] SCENARIO.yaml|DIR ...  print the resolved scenarios without running them
  gatecert capacity [flags] SCENARIO.yaml      search the highest rate meeting the SLOs (--without zone:z1 for N−1)
  gatecert report [-evaluate] DIR ...          re-render summary.md, junit.xml, report.html of stored runs
  gatecert compare [flags] BASELINE CURRENT    compare two runs; Markdown table; exit 1 on regression
  gatecert history DIR ...                     trend table across runs (e.g. nightly)
  gatecert render [flags] SCENARIO.yaml        write the scenario's Kubernetes stack as manifests to apply yourself
  gatecert clean                               remove what dead runs left behind
  gatecert version

Run 'gatecert run -h' for the flags of run.
`

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

func dispatch(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitBadInput
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:])
	case "clean":
		return cmdClean(args[1:])
	case "render":
		return cmdRender(args[1:])
	case "plan":
		return cmdPlan(args[1:])
	case "capacity":
		return cmdCapacity(args[1:])
	case "report":
		return cmdReport(args[1:])
	case "compare":
		return cmdCompare(args[1:])
	case "history":
		return cmdHistory(args[1:])
	case "echo": // hidden: the backend the local provider starts in each node
		return echo.Main(args[1:])
	case "version":
		fmt.Println("gatecert", version)
		return exitPass
	case "-h", "--help", "help":
		fmt.Print(usage)
		return exitPass
	}
	fmt.Fprintf(os.Stderr, "gatecert: unknown command %q\n\n%s", args[0], usage)
	return exitBadInput
}

// version is set with -ldflags "-X main.version=...".
var version = "dev"
