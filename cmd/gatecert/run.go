package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/gatecert/gatecert/fixtures/kind"
	"github.com/gatecert/gatecert/fixtures/netns"
	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/scenarios/spec"
)

type runFlags struct {
	out      string
	provider string
	only     string
	skip     string
	runID    string
	verbose  bool
	quiet    bool
	// certify: the exit code says whether every scenario met its declared
	// expectation (good profiles pass, negative controls are flagged).
	certify bool
	// sets are the --set key=value overrides, applied to every scenario.
	sets setFlags
	kube kubeFlags
}

func cmdRun(args []string) int {
	var f runFlags
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&f.out, "o", "artifacts", "artifacts folder; results go to DIR/<run-id>/<scenario>/")
	fs.StringVar(&f.provider, "provider", "local", "where to run: local, kind or cluster")
	fs.StringVar(&f.only, "only", "", "comma-separated scenario names to run (default: all given)")
	fs.StringVar(&f.skip, "skip-label", "", "comma-separated labels (e.g. slow) whose scenarios are not run")
	fs.StringVar(&f.runID, "run-id", "", "run id (default: random)")
	fs.BoolVar(&f.verbose, "v", false, "log every step")
	fs.BoolVar(&f.quiet, "q", false, "no progress line")
	fs.Var(&f.sets, "set", "override a scenario field by its YAML path, e.g. load.rate=500 or stack.gateway.preStop=2s (repeatable)")
	fs.BoolVar(&f.certify, "certify", false, "exit 0 when every scenario met its `expect` (negative controls must fail), 1 otherwise")
	f.kube.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: gatecert run [flags] [SCENARIO.yaml|DIR ...]\n\nWith no scenario, runs the embedded catalogue.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBadInput
	}
	list, err := resolveScenarios("run", fs.Args(), f.skip, f.only, f.sets)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return exitBadInput
	}
	return runAll(f, list)
}

func runAll(f runFlags, list []*spec.Scenario) int {
	switch f.provider {
	case "local", "kind", "cluster":
	default:
		fmt.Fprintf(os.Stderr, "gatecert run: unknown provider %q (want local, kind or cluster)\n", f.provider)
		return exitBadInput
	}
	ctx, stop, r, code := prepareRun("run", &f)
	if r == nil {
		return code
	}
	defer stop()
	fmt.Printf("run %s: %d scenario(s), artifacts in %s/%s\n", f.runID, len(list), f.out, f.runID)
	return runList(ctx, r, list, f.certify)
}

// prepareRun is what run and capacity share before the first scenario: the
// run id (given or new), a context Ctrl-C cancels, the leftovers of dead
// local runs reaped, and the runner. A nil runner means the run cannot
// start; code then says why.
func prepareRun(cmd string, f *runFlags) (context.Context, context.CancelFunc, *runner.Runner, int) {
	if f.runID == "" {
		f.runID = newRunID()
	} else if !netns.ValidRunID(f.runID) {
		fmt.Fprintf(os.Stderr, "gatecert %s: -run-id %q: use 1-12 lower-case letters and digits\n", cmd, f.runID)
		return nil, nil, nil, exitBadInput
	}
	log := newLogger(f.verbose)
	if f.provider == "local" {
		if removed, err := netns.ReapAll(netns.DefaultStateRoot); err != nil {
			log.Warn("reaping leftovers of dead runs", "err", err)
		} else if len(removed) > 0 {
			log.Info("removed leftovers of dead runs", "runs", len(removed))
		}
	}
	if f.provider == "kind" {
		reapDeadKindClusters(log)
	}
	r, err := newRunner(*f, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gatecert %s: %v\n", cmd, err)
		if errors.Is(err, errBadFlags) {
			return nil, nil, nil, exitBadInput
		}
		return nil, nil, nil, exitEnv
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	return ctx, stop, r, exitPass
}

// runList runs each scenario in turn and prints its result line; the exit
// code is the worst outcome (reports' outcome table; with certify, a
// judged outcome counts against the scenario's expect). At the end, also
// after an interrupt, it prints the run's table and writes the run-level
// junit.xml (every verdict, partial ones included), summary.md and
// index.html.
func runList(ctx context.Context, r *runner.Runner, list []*spec.Scenario, certify bool) int {
	code := exitPass
	var entries []reports.RunEntry
	for _, s := range list {
		res, err := r.Run(ctx, s)
		clearProgress()
		o := runner.OutcomeOf(res, err)
		e := reports.RunEntry{Scenario: s.Name, Expect: cmp.Or(s.Expect, spec.ExpectPass), Outcome: o, Verdict: res.Verdict,
			Dir: s.Name, FlaggedBy: s.FlaggedBy}
		switch {
		case res.Verdict != nil:
			fmt.Println(reports.FormatLine(res.Verdict))
			if paths := reports.FormatPaths(res.Verdict); paths != "" {
				fmt.Print(paths)
			}
			e.Dir = filepath.Base(res.Dir)
		case o == reports.OutcomeSkipped:
			fmt.Printf("%-5s %s: %s\n", o.Word(), s.Name, res.Skipped)
			e.Why = res.Skipped
		default:
			fmt.Printf("%s %s: %v\n", o.Word(), s.Name, err)
			e.Why = err.Error()
		}
		entries = append(entries, e)
		code = reports.WorstExit(code, scenarioExit(e, certify))
		if ctx.Err() != nil {
			fmt.Println("interrupted: remaining scenarios not run")
			code = reports.WorstExit(code, reports.ExitInterrupted)
			break
		}
	}
	if err := writeRunLevel(r, entries); err != nil {
		fmt.Fprintln(os.Stderr, "gatecert run:", err)
		code = reports.WorstExit(code, exitEnv)
	}
	return code
}

// writeRunLevel prints the run's table and writes its junit.xml,
// summary.md and index.html, then says where they are.
func writeRunLevel(r *runner.Runner, entries []reports.RunEntry) error {
	if len(entries) == 0 {
		return nil
	}
	dir := reports.RunDir(r.ArtifactsRoot, r.RunID)
	var verdicts []*reports.Verdict
	for _, e := range entries {
		if e.Verdict != nil {
			verdicts = append(verdicts, e.Verdict)
		}
	}
	if err := errors.Join(os.MkdirAll(dir, 0o755), reports.WriteRunJUnit(dir, verdicts),
		reports.WriteRunSummary(dir, r.RunID, r.Provider.Name(), entries)); err != nil {
		return err
	}
	fmt.Printf("\n%s\n", reports.RunTable(entries))
	fmt.Printf("run summary: %s\n             %s\n", filepath.Join(dir, reports.RunSummaryFile), filepath.Join(dir, reports.RunIndexFile))
	return nil
}

// scenarioExit is one scenario's exit code: its outcome's, or with certify
// whether a judged outcome met the scenario's expect (a negative control
// must be flagged).
func scenarioExit(e reports.RunEntry, certify bool) int {
	if !certify {
		return e.Outcome.ExitCode()
	}
	code := e.Outcome.CertifyExit(e.Expect)
	if e.Outcome == reports.OutcomePassed && code != exitPass {
		fmt.Printf("      %s: negative control PASSED: the harness did not detect the misconfiguration\n", e.Scenario)
	}
	if why := e.WrongReason(); why != "" {
		fmt.Printf("      %s: negative control FAILED FOR ANOTHER REASON: want %s failing with %s; %s\n",
			e.Scenario, e.FlaggedBy.SLO, cmp.Or(e.FlaggedBy.Class, "any class"), why)
		code = exitSLOFail
	}
	return code
}

func newRunner(f runFlags, log *slog.Logger) (*runner.Runner, error) {
	p, err := newProvider(f, log)
	if err != nil {
		return nil, err
	}
	r := &runner.Runner{
		Provider:      p,
		ArtifactsRoot: f.out,
		RunID:         f.runID,
		Sets:          f.sets,
		Log:           log,
	}
	if !f.quiet {
		r.Progress = printProgress
	}
	return r, nil
}

func newLogger(verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	var w io.Writer = os.Stderr
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// newRunID returns 6 random base-36 characters.
func newRunID() string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 6)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(digits))))
		if err != nil {
			panic(err) // crypto/rand never fails on Linux
		}
		b[i] = digits[n.Int64()]
	}
	return string(b)
}

// reapDeadKindClusters deletes the kind clusters of runs that died (a
// SIGKILLed harness cannot delete its own); kept ones are left to
// `gatecert clean`.
func reapDeadKindClusters(log *slog.Logger) {
	found, _, err := kind.FindLeftovers("")
	if err != nil {
		log.Warn("finding kind clusters of dead runs", "err", err)
		return
	}
	for _, l := range found {
		if l.Kept {
			continue
		}
		if err := kind.Reap(context.Background(), "", l); err != nil {
			log.Warn("deleting the kind cluster of a dead run", "cluster", l.Cluster, "err", err)
			continue
		}
		log.Info("deleted the kind cluster of a dead run", "cluster", l.Cluster)
	}
}
