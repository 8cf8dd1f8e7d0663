package reports

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// The artifact writer: every end-of-run artifact is written here, once.
// What must survive a crash streams during the run instead (ledgers,
// events.jsonl: ledger and EventLog), and the resolved scenario is
// written before the run starts, so that a crashed run can be judged.

// WriteResolved writes the scenario as it will run, headed by every
// override applied to it (provider's and --set), into dir. It is written
// once, before the run, and never rewritten.
func WriteResolved(dir string, s *spec.Scenario, provider string, overrides []Override) error {
	b, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode resolved scenario: %w", err)
	}
	if len(overrides) > 0 {
		head := "# Resolved with these overrides (applied in this order):\n"
		for _, o := range overrides {
			head += "#   " + o.Text(provider) + "\n"
		}
		b = append([]byte(head), b...)
	}
	return os.WriteFile(filepath.Join(dir, ResolvedFile), b, 0o644)
}

// WriteArtifacts writes a verdict's artifacts into dir: verdict.json (the
// source of truth) and what is rendered from it.
func WriteArtifacts(dir string, v *Verdict) error {
	if err := WriteJSON(filepath.Join(dir, VerdictFile), v); err != nil {
		return err
	}
	return Render(dir, v)
}

// Render writes what is rendered from a verdict — summary.md, junit.xml
// and report.html — into dir (gatecert report re-renders stored runs).
func Render(dir string, v *Verdict) error {
	var b bytes.Buffer
	if err := WriteSummary(&b, v); err != nil {
		return fmt.Errorf("render summary: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	if err := WriteJUnit(filepath.Join(dir, JUnitFile), []*Verdict{v}); err != nil {
		return err
	}
	b.Reset()
	if err := WriteHTML(&b, v); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ReportFile), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// WriteRunJUnit writes the run-level junit.xml of every verdict of a run
// (interrupted ones included) into the run's folder.
func WriteRunJUnit(runDir string, verdicts []*Verdict) error {
	if len(verdicts) == 0 {
		return nil
	}
	return WriteJUnit(filepath.Join(runDir, JUnitFile), verdicts)
}

// WriteCapacityArtifacts writes capacity.json, capacity.md and
// capacity.html into dir.
func WriteCapacityArtifacts(dir string, rep *CapacityReport) error {
	if err := WriteCapacityJSON(filepath.Join(dir, CapacityJSON), rep); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := WriteCapacityMarkdown(&b, rep); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, CapacityMD), b.Bytes(), 0o644); err != nil {
		return err
	}
	b.Reset()
	if err := WriteCapacityHTML(&b, rep); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, CapacityHTML), b.Bytes(), 0o644)
}
