package reports

import (
	"bytes"
	"fmt"
	"strings"
)

// A capacity search's verdict.json is the verdict of its knee step with
// the capacity headline (CapacityFigure) added; summary.md and
// report.html show that headline first, so that a reader of the knee
// step's page learns it is a search's result and what bounded it.

// capacityLimit explains a search's limitedBy in plain text (capacity.md
// words, without its Markdown).
func capacityLimit(limitedBy string) string {
	return strings.ReplaceAll(limitText(&CapacityReport{LimitedBy: limitedBy}), "**", "")
}

// capacityWithout says what an N−1 figure ran without.
func capacityWithout(without string) string {
	if without == "" {
		return "nothing: the whole stack"
	}
	return without + " (N−1: the stack less it, as after its loss)"
}

// writeCapacitySummary appends the capacity section to a Markdown summary.
func writeCapacitySummary(b *bytes.Buffer, c *CapacityFigure) {
	b.WriteString("\n## Capacity\n\n")
	fmt.Fprintf(b, "- Max sustained rate (knee): **%.0f req/s**, %.0f req/s per replica.\n", c.MaxRate, c.PerReplica)
	fmt.Fprintf(b, "- Limited by: %s (%s).\n", c.LimitedBy, capacityLimit(c.LimitedBy))
	fmt.Fprintf(b, "- Without: %s.\n", capacityWithout(c.Without))
	b.WriteString("\nThe rest of this summary is the knee step's run; every step is in capacity.md.\n")
}
