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
