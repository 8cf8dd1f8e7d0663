package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

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
// ("load.rate", "stack.gateway.preStop", "faults[0].at", "slos[1].max"),
// parsing the value as the field's type, then validates the result. Errors
// name the override and the field.
func applyOverrides(s *spec.Scenario, sets []string) error {
	var errs []error
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if err := setPath(reflect.ValueOf(s).Elem(), k, v); err != nil {
			errs = append(errs, fmt.Errorf("--set %s: %w", kv, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("scenario %s with --set %s:\n%w", s.Name, strings.Join(sets, " --set "), err)
	}
	return nil
}

var durationType = reflect.TypeFor[spec.Duration]()

// setPath walks path through struct fields (by yaml tag) and slice indexes
// and sets the leaf from its text.
func setPath(v reflect.Value, path, text string) error {
	var walked string
	for _, part := range strings.Split(path, ".") {
		name, idx, hasIdx, err := splitIndex(part)
		if err != nil {
			return err
		}
		if v.Kind() != reflect.Struct {
			return fmt.Errorf("%s is not a group of fields", walked)
		}
		f, ok := fieldByYAML(v, name)
		if !ok {
			return fmt.Errorf("unknown field %q%s", join(walked, name), known(v))
		}
		v = f
		walked = join(walked, name)
		if hasIdx {
			if v.Kind() != reflect.Slice {
				return fmt.Errorf("%s is not a list", walked)
			}
			if idx < 0 || idx >= v.Len() {
				return fmt.Errorf("%s[%d]: the scenario has %d entries", walked, idx, v.Len())
			}
			v = v.Index(idx)
			walked = fmt.Sprintf("%s[%d]", walked, idx)
		}
	}
	return setLeaf(v, walked, text)
}

func setLeaf(v reflect.Value, path, text string) error {
	if v.Type() == durationType {
		d, err := time.ParseDuration(text)
		if err != nil {
			return fmt.Errorf("%s: want a duration such as 2s or 500ms, got %q", path, text)
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Int:
		n, err := strconv.Atoi(text)
		if err != nil {
			return fmt.Errorf("%s: want an integer, got %q", path, text)
		}
		v.SetInt(int64(n))
	case reflect.Float64:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return fmt.Errorf("%s: want a number, got %q", path, text)
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("%s: want true or false, got %q", path, text)
		}
		v.SetBool(b)
	default:
		return fmt.Errorf("%s is a %s, not a single value: set one of its fields", path, v.Kind())
	}
	return nil
}

// splitIndex splits "faults[2]" into "faults", 2.
func splitIndex(part string) (name string, idx int, ok bool, err error) {
	name, rest, ok := strings.Cut(part, "[")
	if !ok {
		return part, 0, false, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	if err != nil || !strings.HasSuffix(rest, "]") {
		return "", 0, false, fmt.Errorf("bad index in %q (want e.g. faults[0])", part)
	}
	return name, n, true, nil
}

func fieldByYAML(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == name && tag != "-" && t.Field(i).IsExported() {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// known lists the yaml names of v's fields for an error message.
func known(v reflect.Value) string {
	var names []string
	t := v.Type()
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	return " (known: " + strings.Join(names, ", ") + ")"
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
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
