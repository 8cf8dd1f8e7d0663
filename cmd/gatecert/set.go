package main

import (
	"errors"
	"fmt"
	"strings"

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
