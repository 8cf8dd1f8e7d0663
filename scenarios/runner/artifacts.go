package runner

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatecert/gatecert/reports"
)

// writeArtifacts writes verdict.json (the source of truth), summary.md and
// junit.xml into dir.
func writeArtifacts(dir string, v *reports.Verdict) error {
	if err := reports.WriteJSON(filepath.Join(dir, "verdict.json"), v); err != nil {
		return fmt.Errorf("write verdict: %w", err)
	}
	var b bytes.Buffer
	if err := reports.WriteSummary(&b, v); err != nil {
		return fmt.Errorf("render summary: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.md"), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return reports.WriteJUnit(filepath.Join(dir, "junit.xml"), []*reports.Verdict{v})
}
