package runner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sync"

	"github.com/gatecert/gatecert/fixtures/topology"
	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/loadgen"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// groupsDir holds each client group's own ledger before they are merged
// into the run's client ledger.
const groupsDir = "groups"

// runGroups drives one load generator per client group (load.clients) at
// once, each from its region's client namespace, resolving the gateway's
// name through the topology's DNS, with its own id range; then merges
// their ledgers into the run's (ledger.Merge) with the topology's region
// of every name. base is the run's load config (targets, zones, timeouts).
func (st *state) runGroups(ctx context.Context, topo topology.Topology, base loadgen.Config) error {
	rc, ok := topo.(topology.RegionClients)
	if !ok {
		return fmt.Errorf("%w: load.clients: the topology serves no DNS and no client regions", ErrEnvironment)
	}
	gs := st.s.Load.Clients
	parts := make([]ledger.Part, len(gs))
	cfgs := make([]loadgen.Config, len(gs))
	next := uint32(0)
	for i, g := range gs {
		cfg := base
		cfg.Rate = float64(st.s.Load.Rate) * g.Share
		cfg.Schedule = loadgen.Constant(cfg.Rate, base.Duration)
		cfg.SeqBase = next
		cfg.VegetaResults = false // results.bin is the merged run's, not a group's
		cfg.Resolver = &loadgen.Resolver{Server: rc.DNSAddr(), Name: st.s.Stack.GSLB.Name, Mode: g.Resolver, Dial: rc.ClientDial(g.Region)}
		cfg.Dial = rc.ClientDial(g.Region)
		cfg.LedgerDir = filepath.Join(st.dir, groupsDir, g.Region)
		count := loadgen.Requests(cfg.Schedule)
		parts[i] = ledger.Part{Dir: cfg.LedgerDir, Group: ledger.Group{Name: g.Region, Region: g.Region, Resolver: g.Resolver, First: next, Count: count}}
		next += count
		cfgs[i] = cfg
	}
	errs := make([]error, len(gs))
	var wg sync.WaitGroup
	for i := range cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := loadgen.Run(ctx, cfgs[i]); err != nil {
				errs[i] = fmt.Errorf("clients %s: %w", gs[i].Region, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	m, err := ledger.Merge(st.dir, parts)
	if err != nil {
		return err
	}
	m.Regions = maps.Clone(rc.Regions())
	if err := ledger.WriteMeta(st.dir, m); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(st.dir, groupsDir)) // merged: the parts are copies
}

// usesGroups says the scenario's load is client groups resolving by name.
func usesGroups(s *spec.Scenario) bool { return len(s.Load.Clients) > 0 }
