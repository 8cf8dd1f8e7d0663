package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gatecert/gatecert/fixtures/kind"
	"github.com/gatecert/gatecert/fixtures/kube"
	"github.com/gatecert/gatecert/fixtures/netns"
)

// cmdClean removes what runs that are no longer alive left behind, on
// every provider it can reach: the local provider's namespaces, processes
// and state; kind clusters (a kept one gets its nodes back instead); and,
// with -kubeconfig, the stacks of dead runs on that cluster. Only what a
// run recorded as its own is touched, never what a live run owns.
func cmdClean(args []string) int {
	fs := flag.NewFlagSet("clean", flag.ContinueOnError)
	stateRoot := fs.String("state", netns.DefaultStateRoot, "state folder of the local provider")
	kindRoot := fs.String("kind-state", kind.DefaultStateRoot, "owner records of the kind clusters runs created")
	only := fs.String("run", "", "clean only this run id (default: every dead run)")
	kubeconfig := fs.String("kubeconfig", "", "also clean dead runs' stacks on this cluster (the cluster provider's)")
	kubeContext := fs.String("kube-context", "", "kubeconfig context")
	if err := fs.Parse(args); err != nil {
		return exitBadInput
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := &cleaner{only: *only, code: exitPass}
	c.local(*stateRoot)
	c.kind(ctx, *kindRoot)
	if *kubeconfig != "" {
		c.cluster(ctx, *kubeconfig, *kubeContext)
	}
	if c.cleaned == 0 {
		fmt.Println("nothing to clean")
	}
	return c.code
}

// cleaner counts what it removed and keeps the worst exit code.
type cleaner struct {
	only    string
	cleaned int
	code    int
}

func (c *cleaner) fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "gatecert clean: %s: %v\n", what, err)
	c.code = exitEnv
}

func (c *cleaner) wanted(runID string) bool { return c.only == "" || runID == c.only }

func (c *cleaner) local(stateRoot string) {
	found, err := netns.FindLeftovers(stateRoot)
	if err != nil {
		c.fail("local", err)
		return
	}
	for _, l := range found {
		if !c.wanted(l.RunID) {
			continue
		}
		c.cleaned++
		if err := netns.Reap(l); err != nil {
			c.fail("run "+l.RunID, err)
			continue
		}
		fmt.Printf("removed run %s: %d namespaces, state %s\n", l.RunID, len(l.Namespaces), l.StateDir)
	}
}

func (c *cleaner) kind(ctx context.Context, root string) {
	found, notes, err := kind.FindLeftovers(root)
	if err != nil {
		c.fail("kind", err)
		return
	}
	for _, n := range notes {
		fmt.Println(n)
	}
	for _, l := range found {
		if !c.wanted(l.Cluster[len("gatecert-"):]) {
			continue
		}
		c.cleaned++
		if err := kind.Reap(ctx, root, l); err != nil {
			c.fail("kind cluster "+l.Cluster, err)
			continue
		}
		if l.Kept {
			fmt.Printf("kind cluster %s (kept with -keep-cluster): nodes unpaused, started, isolation rules removed\n", l.Cluster)
		} else {
			fmt.Printf("removed kind cluster %s\n", l.Cluster)
		}
	}
}

func (c *cleaner) cluster(ctx context.Context, kubeconfig, kubeContext string) {
	kc, err := kube.NewClient(kubeconfig, kubeContext)
	if err != nil {
		c.fail("cluster", err)
		return
	}
	found, kept, err := kube.FindLeftovers(ctx, kc, c.only)
	if err != nil {
		c.fail("cluster", err)
		return
	}
	for _, k := range kept {
		fmt.Printf("cluster: run %s (namespace %s) left alone: %s\n", k.RunID, k.Namespace, k.Why)
	}
	for _, l := range found {
		c.cleaned++
		if err := kube.Reap(ctx, kc, l); err != nil {
			c.fail("cluster run "+l.RunID, err)
			continue
		}
		fmt.Printf("cluster: removed run %s (namespace %s and its labelled objects)\n", l.RunID, l.Namespace)
	}
}
