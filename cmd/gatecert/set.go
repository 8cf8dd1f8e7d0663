package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gatecert/gatecert/reports"
	"github.com/gatecert/gatecert/scenarios/runner"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// setFlags collects repeated --set key=value overrides in order.
type setFlags []string

func (s *setFlags) String() string { return strings.Join(*s, ",") }

func (s *setFlags) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("want key=value, e.g. load.rate=500")
	}
	*s = append(*s, v)
	return nil
}

// applyOverrides sets each key=value on s by its YAML field path
// ("load.rate", "stack.gateway.preStop", "faults[0].at", "slos[1].max",
// "tlsCompare.capacity.max": spec.Scenario.SetAll, which creates missing
// optional sections with their defaults), parsing the value as the
// field's type, then validates the result. Errors name the override and
// the field.
func applyOverrides(s *spec.Scenario, sets []string) error {
	if err := s.SetAll(sets); err != nil {
		var errs []error
		for _, e := range joined(err) {
			errs = append(errs, fmt.Errorf("--set %w", e))
		}
		return errors.Join(errs...)
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("scenario %s with --set %s:\n%w", s.Name, strings.Join(sets, " --set "), err)
	}
	return nil
}

// joined splits an errors.Join error into its parts.
func joined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// recordOverrides echoes the overrides into a finished scenario's
// artifacts: verdict.json (and what is rendered from it) and a comment
// heading scenario.resolved.yaml, whose values already carry them.
func recordOverrides(dir string, v *reports.Verdict, sets []string) error {
	if len(sets) == 0 {
		return nil
	}
	v.Overrides = slices.Clone(sets)
	if err := runner.WriteArtifacts(dir, v); err != nil {
		return err
	}
	p := filepath.Join(dir, "scenario.resolved.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("read resolved scenario: %w", err)
	}
	head := "# Resolved with overrides:\n"
	for _, kv := range sets {
		head += "#   --set " + kv + "\n"
	}
	return os.WriteFile(p, append([]byte(head), b...), 0o644)
}
