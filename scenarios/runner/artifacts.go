package runner

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatecert/gatecert/reports"
)

// Artifact file names inside a scenario's folder.
const (
	VerdictFile = "verdict.json"
	SummaryFile = "summary.md"
	JUnitFile   = "junit.xml"
	ReportFile  = "report.html"
)

// writeArtifacts writes verdict.json (the source of truth), summary.md,
// junit.xml and report.html into dir.
func writeArtifacts(dir string, v *reports.Verdict) error {
	if err := reports.WriteJSON(filepath.Join(dir, VerdictFile), v); err != nil {
		return fmt.Errorf("write verdict: %w", err)
	}
	return WriteRendered(dir, v)
}

// WriteRendered writes what is rendered from a verdict — summary.md,
// junit.xml and report.html — into dir; gatecert report uses it to
// re-render a stored run.
func WriteRendered(dir string, v *reports.Verdict) error {
	var b bytes.Buffer
	if err := reports.WriteSummary(&b, v); err != nil {
		return fmt.Errorf("render summary: %w", err)
	}
	if len(v.Overrides) > 0 {
		// The summary leaves them out; a relaxed threshold must show.
		b.WriteString("\n## Overrides\n\n")
		for _, o := range v.Overrides {
			fmt.Fprintf(&b, "- `%s`\n", o)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	if err := reports.WriteJUnit(filepath.Join(dir, JUnitFile), []*reports.Verdict{v}); err != nil {
		return err
	}
	b.Reset()
	if err := reports.WriteHTML(&b, v); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ReportFile), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// WriteArtifacts rewrites every artifact of a verdict into dir, for a
// verdict changed after the run (overrides recorded by the CLI).
func WriteArtifacts(dir string, v *reports.Verdict) error { return writeArtifacts(dir, v) }
