package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// runComposite runs each part of a composite kind (reports.Composite) as
// a plain run on its own stack, in its own folder, then assembles the
// composite's verdict from the parts' verdicts. Nothing here knows the
// kind: a new composite is its spec section and its reports.Composite.
func (r *Runner) runComposite(ctx context.Context, s *spec.Scenario, k reports.Composite, overrides []reports.Override) (res Result, err error) {
	res = Result{Scenario: s.Name, Dir: reports.ScenarioDir(r.ArtifactsRoot, r.RunID, s.Name)}
	if err := r.prepareDir(res.Dir, s, overrides); err != nil {
		return res, err
	}
	// Every part is checked before the first runs: a provider that
	// cannot stand up one path skips the comparison without running the
	// others for nothing.
	for _, p := range k.Parts(s) {
		if why := r.refuse(p.Scenario); why != "" {
			res.Skipped = fmt.Sprintf("%s: %s", p.Name, why)
			return res, nil
		}
	}
	var parts []reports.PartVerdict
	for _, p := range k.Parts(s) {
		dir := filepath.Join(res.Dir, p.Dir)
		if err := r.prepareDir(dir, p.Scenario, nil); err != nil {
			return res, err
		}
		st := &state{r: r, s: p.Scenario, dir: dir, started: time.Now()}
		v, skipped, err := st.run(ctx)
		if skipped != "" {
			res.Skipped = fmt.Sprintf("%s: %s", p.Name, skipped)
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("part %s: %w", p.Name, err)
		}
		parts = append(parts, reports.PartVerdict{Part: p, Verdict: v})
	}
	res.Verdict, err = reports.Assemble(reports.Assembly{
		Scenario: s, RunID: r.RunID, Provider: r.Provider.Name(), Dir: res.Dir,
		Overrides: overrides, Composite: k, Parts: parts,
	})
	if err != nil {
		return res, err
	}
	return res, reports.WriteArtifacts(res.Dir, res.Verdict)
}
