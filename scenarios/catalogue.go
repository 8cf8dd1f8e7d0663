// Package scenarios embeds the certification catalogue: every YAML file in
// this folder is a scenario, shipped inside the gatecert binary.
package scenarios

import (
	"embed"
	"errors"
	"io/fs"
	"path"
	"sort"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// Catalogue holds the embedded scenario files (*.yaml at its root).
//
//go:embed *.yaml
var Catalogue embed.FS

// Load decodes and validates every embedded scenario, in file-name order,
// reporting the problems of all files at once.
func Load() ([]*spec.Scenario, error) {
	names, err := fs.Glob(Catalogue, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*spec.Scenario
	var errs []error
	for _, n := range names {
		s, err := decode(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, s)
	}
	return out, errors.Join(errs...)
}

func decode(name string) (*spec.Scenario, error) {
	b, err := Catalogue.ReadFile(name)
	if err != nil {
		return nil, err
	}
	s, err := spec.Decode(path.Join("scenarios", name), b)
	if err != nil {
		return nil, err
	}
	return s, s.Validate()
}
