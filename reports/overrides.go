package reports

import (
	"fmt"
	"regexp"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// Override is one change made to a scenario for a run, with where it came
// from: the scenario's own overrides for the provider it ran on (measured
// limits of a stand-in, with why), or the user's --set.
type Override struct {
	Set    string `json:"set"`
	Why    string `json:"why,omitempty"`
	Source string `json:"source"`
}

// Sources of an Override.
const (
	SourceProvider = "provider"
	SourceCLI      = "cli"
)

// Text renders o for people: "slos[0].max=4s (kind: why)" for a provider
// override, "--set load.rate=500" for the user's.
func (o Override) Text(provider string) string {
	if o.Source == SourceCLI {
		return "--set " + o.Set
	}
	return fmt.Sprintf("%s (%s: %s)", o.Set, provider, o.Why)
}

// OverridesOf lists a run's overrides: the provider's applied ones first
// (they are applied after --set, on top of it), then the --set list in the
// order given.
func OverridesOf(applied []spec.Override, sets []string) []Override {
	var out []Override
	for _, o := range applied {
		out = append(out, Override{Set: o.Set, Why: o.Why, Source: SourceProvider})
	}
	for _, kv := range sets {
		out = append(out, Override{Set: kv, Source: SourceCLI})
	}
	return out
}

// v1Provider matches a schema-1 provider override: "set (provider: why)".
var v1Provider = regexp.MustCompile(`^(\S+) \(([a-z]+): (.*)\)$`)

// overridesV1 reads schema 1's one list of strings, which mixed both
// kinds: an entry in the provider format for the verdict's provider is a
// provider override, anything else was a --set.
func overridesV1(list []string, provider string) []Override {
	var out []Override
	for _, s := range list {
		if m := v1Provider.FindStringSubmatch(s); m != nil && m[2] == provider {
			out = append(out, Override{Set: m[1], Why: m[3], Source: SourceProvider})
			continue
		}
		out = append(out, Override{Set: s, Source: SourceCLI})
	}
	return out
}
