package runner

import (
	"fmt"
	"path/filepath"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// TLSHandshakeDir is the folder, inside a part's, of its handshake-bound
// run: the run whose verdict the comparison's SLO results carry.
const TLSHandshakeDir = "handshake"

// TLSPart is one profile run of a tlsCompare scenario: the runner runs
// the parts in this order, and report -evaluate reads them back from the
// same folders, so the layout is written down once.
type TLSPart struct {
	Round   int             // 1-based; rounds after the first only repeat the handshake-bound run
	Pair    int             // index into TLSCompare.Pairs
	Side    int             // 0 baseline, 1 accelerated
	Profile spec.TLSProfile // the side's profile
	Name    string          // pairN-side, as reports and SLO labels name it
	Dir     string          // folder relative to the scenario's: pairN-side[/round-R]
	Label   string          // pairN-side[-round-R], unique among the parts, for progress lines and part verdicts
}

// TLSParts lists c's profile runs: every round, every pair, baseline
// then accelerated.
func TLSParts(c *spec.TLSCompare) []TLSPart {
	var out []TLSPart
	for round := 1; round <= max(1, c.Rounds); round++ {
		for i, pair := range c.Pairs {
			for j, p := range []spec.TLSProfile{pair.Baseline, pair.Accelerated} {
				name := fmt.Sprintf("pair%d-%s", i+1, [...]string{"baseline", "accelerated"}[j])
				part := TLSPart{Round: round, Pair: i, Side: j, Profile: p, Name: name, Dir: name, Label: name}
				if round > 1 {
					part.Dir = filepath.Join(name, fmt.Sprintf("round-%d", round))
					part.Label = fmt.Sprintf("%s-round-%d", name, round)
				}
				out = append(out, part)
			}
		}
	}
	return out
}
