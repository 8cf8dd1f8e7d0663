package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/gatecert/gatecert/scenarios"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// loadScenarios reads every named file, every *.yaml of every named folder,
// or, with no arguments, the embedded catalogue. Every problem of every
// file is collected before returning, so one run shows all of them.
func loadScenarios(args []string) ([]*spec.Scenario, error) {
	if len(args) == 0 {
		return scenarios.Load()
	}
	var files []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", a, err)
		}
		if !st.IsDir() {
			files = append(files, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.yaml"))
		if err != nil {
			return nil, err
		}
		sort.Strings(m)
		files = append(files, m...)
	}
	var out []*spec.Scenario
	var errs []error
	for _, f := range files {
		s, err := spec.LoadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, s)
	}
	return out, errors.Join(errs...)
}

// resolveScenarios is what every command that takes scenarios does first:
// load them (every problem of every file at once), drop skipped labels,
// keep the selected names, and apply the --set overrides. Load problems
// come back as they are (they name file, line and field); the others are
// prefixed with the command.
func resolveScenarios(cmd string, args []string, skip, only string, sets setFlags) ([]*spec.Scenario, error) {
	all, err := loadScenarios(args)
	if err != nil {
		return nil, err
	}
	list, err := selectScenarios(skipLabelled(all, skip), only)
	if err != nil {
		return nil, fmt.Errorf("gatecert %s: %w", cmd, err)
	}
	for _, s := range list {
		if err := applyOverrides(s, sets); err != nil {
			return nil, fmt.Errorf("gatecert %s: %w", cmd, err)
		}
	}
	return list, nil
}

// skipLabelled drops the scenarios carrying any of the comma-separated
// labels in skip.
func skipLabelled(all []*spec.Scenario, skip string) []*spec.Scenario {
	if skip == "" {
		return all
	}
	drop := strings.Split(skip, ",")
	var out []*spec.Scenario
	for _, s := range all {
		if !slices.ContainsFunc(s.Labels, func(l string) bool { return slices.Contains(drop, l) }) {
			out = append(out, s)
		}
	}
	return out
}

// selectScenarios keeps the scenarios whose names are listed in only
// (comma-separated); empty keeps all.
func selectScenarios(all []*spec.Scenario, only string) ([]*spec.Scenario, error) {
	if only == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var out []*spec.Scenario
	for _, s := range all {
		if want[s.Name] {
			out = append(out, s)
			delete(want, s.Name)
		}
	}
	if len(want) > 0 {
		var missing []string
		for n := range want {
			missing = append(missing, n)
		}
		sort.Strings(missing)
		return nil, fmt.Errorf("no such scenario: %s", strings.Join(missing, ", "))
	}
	return out, nil
}
