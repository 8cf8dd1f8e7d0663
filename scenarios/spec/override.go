package spec

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Overrides are per-provider changes to a scenario, applied by the runner
// only when it runs on that provider: a threshold the provider's stand-in
// for a cloud component cannot meet, stated with the measured reason.
// One field per provider, so a misspelt provider is an unknown field.
//
//	overrides:
//	  kind:
//	    - set: slos[0].max=4s
//	      why: "kube-proxy on the LB node reprograms ~1 s after the target leaves"
type Overrides struct {
	Local   []Override `yaml:"local,omitempty"`
	Kind    []Override `yaml:"kind,omitempty"`
	Cluster []Override `yaml:"cluster,omitempty"`
}

// Override is one --set-style change, key=value by YAML field path, and
// why the provider needs it (shown in the verdict and the summary).
type Override struct {
	Set string `yaml:"set"`
	Why string `yaml:"why"`
}

// For returns the overrides of a provider ("local", "kind", "cluster")
// and the field path of their list, for locating problems.
func (o *Overrides) For(provider string) ([]Override, string) {
	if o == nil {
		return nil, ""
	}
	switch provider {
	case "local":
		return o.Local, "overrides.local"
	case "kind":
		return o.Kind, "overrides.kind"
	case "cluster":
		return o.Cluster, "overrides.cluster"
	}
	return nil, ""
}

// String is what reports show: "slos[0].max=4s (kind: why)".
func (o Override) String(provider string) string {
	return fmt.Sprintf("%s (%s: %s)", o.Set, provider, o.Why)
}

// overrideProviders are the fields of Overrides, in order.
var overrideProviders = []string{"local", "kind", "cluster"}

// ApplyOverrides applies the overrides of provider to s (in file order)
// and validates the result; it returns what it applied. A scenario whose
// overrides passed Validate cannot fail here, except through a provider
// name no scenario knows (nothing is applied then).
func (s *Scenario) ApplyOverrides(provider string) ([]Override, error) {
	list, path := s.Overrides.For(provider)
	if len(list) == 0 {
		return nil, nil
	}
	var errs []error
	for i, o := range list {
		if err := applyOverride(s, o.Set); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s[%d].set %q: %w", s.Source.File, path, i, o.Set, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("scenario %s with its %s overrides:\n%w", s.Name, provider, err)
	}
	return list, nil
}

// overrides checks every entry: set is key=value naming a settable field
// with a value of its type, why says something, and the scenario with the
// provider's overrides applied is still valid. Problems point at the
// entry's line.
func (c *checker) overrides(s *Scenario) {
	for _, prov := range overrideProviders {
		list, path := s.Overrides.For(prov)
		if len(list) == 0 {
			continue
		}
		cp := cloneScenario(s)
		cp.Overrides = nil // validated here, not again inside the copy
		ok := true
		for i, o := range list {
			at := fmt.Sprintf("%s[%d]", path, i)
			if strings.TrimSpace(o.Why) == "" {
				c.failf(at+".why", "required: say why %s cannot meet the original value (what was measured)", prov)
			}
			if err := applyOverride(cp, o.Set); err != nil {
				c.failf(at+".set", "%v", err)
				ok = false
			}
		}
		if !ok {
			continue
		}
		if err := cp.Validate(); err != nil {
			var ps Problems
			if errors.As(err, &ps) {
				for _, p := range ps {
					c.failf(path, "with these overrides applied: %s: %s", p.Path, p.Msg)
				}
				continue
			}
			c.failf(path, "with these overrides applied: %v", err)
		}
	}
}

// applyOverride sets one key=value on s by its YAML field path
// ("slos[1].max=8s", "load.rate=400"), parsing value as the field's type.
func applyOverride(s *Scenario, kv string) error {
	key, value, ok := strings.Cut(kv, "=")
	if !ok || key == "" {
		return fmt.Errorf("want key=value by YAML field path, e.g. slos[0].max=4s")
	}
	if key == "overrides" || strings.HasPrefix(key, "overrides.") || key == "name" {
		return fmt.Errorf("%s cannot be overridden", key)
	}
	return s.Set(key, value) // set.go: the --set path walk
}

// cloneScenario deep-copies s (slices and pointers included), so an
// override tried during validation leaves s alone.
func cloneScenario(s *Scenario) *Scenario {
	return deepCopy(reflect.ValueOf(s)).Interface().(*Scenario)
}

func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(deepCopy(v.Elem()))
		return p
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			if out.Field(i).CanSet() {
				out.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(deepCopy(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for _, k := range v.MapKeys() {
			out.SetMapIndex(k, deepCopy(v.MapIndex(k)))
		}
		return out
	}
	return v
}

// ForProvider returns a copy of s with the overrides of provider applied
// and validated, and the overrides it applied; s itself is unchanged.
func (s *Scenario) ForProvider(provider string) (*Scenario, []Override, error) {
	if list, _ := s.Overrides.For(provider); len(list) == 0 {
		return s, nil, nil
	}
	cp := cloneScenario(s)
	applied, err := cp.ApplyOverrides(provider)
	if err != nil {
		return nil, nil, err
	}
	return cp, applied, nil
}
