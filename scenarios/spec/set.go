package spec

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Set changes one field of s by its YAML path — field names joined by
// dots, list entries by index: "load.rate", "faults[0].at",
// "tlsCompare.capacity.max", "tlsCompare.pairs[1].baseline.sessionCache"
// — to text parsed as the field's type (a Go duration for durations).
//
// Optional sections (pointer fields such as tlsCompare.capacity or
// chaos) that the scenario lacks are created on the way, and a
// pointer-to-value field (a profile's sessionCache) gets a value of its
// own: an override must reach every field a file can hold. On error s is
// unchanged. Set fills no defaults and does not validate; SetAll does the
// first.
func (s *Scenario) Set(path, text string) error {
	var created []func() // links of new sections into their parents, made on success
	v := reflect.ValueOf(s).Elem()
	walked := ""
	for _, part := range strings.Split(path, ".") {
		name, idx, hasIdx, err := splitIndex(part)
		if err != nil {
			return err
		}
		if name == "" {
			return fmt.Errorf("%q: empty field name (want e.g. load.rate)", path)
		}
		v = deref(v, &created)
		if v.Kind() != reflect.Struct {
			return fmt.Errorf("%s is a single value: it has no field %q", walked, name)
		}
		i, ok := fieldsOf(v.Type())[name]
		if !ok {
			return fmt.Errorf("unknown field %q (known: %s)", join(walked, name), knownFields(v.Type()))
		}
		v, walked = v.Field(i), join(walked, name)
		switch {
		case hasIdx && v.Kind() != reflect.Slice:
			return fmt.Errorf("%s is not a list", walked)
		case hasIdx && (idx < 0 || idx >= v.Len()):
			return fmt.Errorf("%s[%d]: the scenario has %d entries", walked, idx, v.Len())
		case hasIdx:
			v, walked = v.Index(idx), fmt.Sprintf("%s[%d]", walked, idx)
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
			return fmt.Errorf("%s is a list: name an entry, e.g. %s[0]", walked, walked)
		}
	}
	v = deref(v, &created)
	if err := setScalar(v, walked, text); err != nil {
		return err
	}
	for _, link := range created {
		link()
	}
	return nil
}

// deref follows a pointer; a nil one gets a new value, linked into its
// field by a function appended to created, so that a failed Set leaves
// the scenario as it was.
func deref(v reflect.Value, created *[]func()) reflect.Value {
	if v.Kind() != reflect.Pointer {
		return v
	}
	if !v.IsNil() {
		return v.Elem()
	}
	p := reflect.New(v.Type().Elem())
	*created = append(*created, func() { v.Set(p) })
	return p.Elem()
}

// SetAll applies key=value overrides in order, as if they were written in
// the file: sections they create get their defaults (Defaults,
// ExpandChaos), and every value given stays as given — the overrides are
// applied again after the defaults, so an explicit 0 is not defaulted
// away. Each error names its key=value; nothing is validated.
func (s *Scenario) SetAll(kvs []string) error {
	var errs []error
	for _, kv := range kvs {
		if err := s.setKV(kv); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", kv, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.Defaults()
	s.ExpandChaos()
	for _, kv := range kvs {
		_ = s.setKV(kv) // succeeded above on the same paths, which now all exist
	}
	return nil
}

func (s *Scenario) setKV(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || k == "" {
		return errors.New("want key=value by YAML field path, e.g. load.rate=500")
	}
	return s.Set(k, v)
}

// setScalar sets a leaf from its text.
func setScalar(v reflect.Value, path, text string) error {
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
	case reflect.Struct:
		return fmt.Errorf("%s is a group of fields, not a single value: set one of them (known: %s)", path, knownFields(v.Type()))
	default:
		return fmt.Errorf("%s is a %s, not a single value: it cannot be set from text", path, v.Kind())
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

// knownFields lists t's YAML field names in declaration order, for
// messages about a path that names none of them.
func knownFields(t reflect.Type) string {
	byIndex := make([]string, t.NumField())
	for name, i := range fieldsOf(t) {
		byIndex[i] = name
	}
	var names []string
	for _, n := range byIndex {
		if n != "" {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}
