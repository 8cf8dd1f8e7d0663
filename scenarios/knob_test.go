package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/scenarios/spec"
)

// knobs are the mechanisms a user configures, each by the resolved
// scenario's field paths that set it together (a path covers everything
// below it). A negative control differs from its good profile in exactly
// one of them.
var knobs = map[string][]string{
	"health-check timing":              {"stack.lb.healthCheck.interval", "stack.lb.healthCheck.rise", "stack.lb.healthCheck.fall"},
	"LB session shutdown on mark-down": {"stack.lb.shutdownSessions"},
	"LB connect retry":                 {"stack.lb.retries"},
	"LB removal on scale-in":           {"stack.lb.removal"},
	"LB drain timeout":                 {"stack.lb.drainTimeout"},
	"readiness drain":                  {"stack.gateway.readinessDrain"},
	"preStop wait":                     {"stack.gateway.preStop"},
	"termination grace period":         {"stack.gateway.terminationGracePeriod"},
	"client LB policy":                 {"load.lbPolicy"},
	// Placement: all six replicas in z1 takes both fields (three per node
	// on z1's two nodes keeps the replica count).
	"gateway zone spread":   {"stack.gatewayZones", "stack.gatewaysPerNode"},
	"compared TLS profiles": {"tlsCompare.pairs"},
	"DNS answer TTL":        {"stack.gslb.ttl"},
	// What the LB's health check asks a node: its health-check node port
	// (http) or a connect to its traffic port (tcp).
	"LB health-check type": {"stack.lb.healthCheck.type"},
}

// control is a negative control: its good profile and the one knob it
// turns. The reason it must be flagged for is the scenario's own
// flaggedBy, which gatecert run -certify checks.
type control struct {
	name, good, knob string
}

var controls = []control{
	{"lb-drain-no-drain", "lb-drain", "LB drain timeout"},
	{"lb-kill-no-failover", "lb-kill", "client LB policy"},
	{"node-kill-slow-checks", "node-kill", "health-check timing"},
	{"pod-kill-slow-checks", "pod-kill", "health-check timing"},
	{"rolling-restart-cut-sessions", "rolling-restart", "LB session shutdown on mark-down"},
	{"rolling-restart-no-drain", "rolling-restart", "preStop wait"},
	{"rolling-restart-short-grace", "rolling-restart", "termination grace period"},
	{"scale-in-cut-sessions", "scale-in", "LB removal on scale-in"},
	{"scale-in-local-tcp-check", "scale-in-local", "LB health-check type"},
	{"tls-accel-identical", "tls-accel", "compared TLS profiles"},
	{"zone-outage-no-spread", "zone-outage", "gateway zone spread"},
	{"region-outage-long-ttl", "region-outage", "DNS answer TTL"},
}

// flatten maps every leaf of a YAML value to its field path
// ("stack.lb.healthCheck.fall", "slos[0].kind").
func flatten(prefix string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, e, out)
		}
	case []any:
		for i, e := range x {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), e, out)
		}
	default:
		out[prefix] = fmt.Sprint(x)
	}
}

// resolved flattens s as scenario.resolved.yaml records it.
func resolved(t *testing.T, s *spec.Scenario) map[string]string {
	t.Helper()
	b, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	flatten("", v, out)
	return out
}

// diff lists the field paths where a and b differ, name, description,
// expect and flaggedBy left out.
func diff(a, b map[string]string) []string {
	var out []string
	for _, m := range []map[string]string{a, b} {
		for p := range m {
			if p == "name" || p == "description" || p == "expect" || strings.HasPrefix(p, "flaggedBy.") || slices.Contains(out, p) {
				continue
			}
			av, aok := a[p]
			bv, bok := b[p]
			if aok != bok || av != bv {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// under reports whether path is one of knob's paths or below one.
func under(path string, knob []string) bool {
	for _, k := range knob {
		if path == k || strings.HasPrefix(path, k+".") || strings.HasPrefix(path, k+"[") {
			return true
		}
	}
	return false
}

// Every negative control differs from its good profile in exactly one
// knob, the one declared for it, and every control is declared.
func TestControlsTurnOneKnob(t *testing.T) {
	list, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*spec.Scenario{}
	for _, s := range list {
		byName[s.Name] = s
	}
	declared := map[string]bool{}
	for _, c := range controls {
		declared[c.name] = true
		ctl, good := byName[c.name], byName[c.good]
		switch {
		case ctl == nil || good == nil:
			t.Errorf("%s: control or good profile %s not in the catalogue", c.name, c.good)
			continue
		case ctl.Expect != spec.ExpectFail || good.Expect != spec.ExpectPass:
			t.Errorf("%s (expect %s) / %s (expect %s): want fail / pass", c.name, ctl.Expect, c.good, good.Expect)
		}
		knob, ok := knobs[c.knob]
		if !ok {
			t.Errorf("%s: unknown knob %q", c.name, c.knob)
			continue
		}
		d := diff(resolved(t, good), resolved(t, ctl))
		if len(d) == 0 {
			t.Errorf("%s: identical to %s", c.name, c.good)
		}
		for _, p := range d {
			if !under(p, knob) {
				t.Errorf("%s: differs from %s in %s, outside its knob %q %v", c.name, c.good, p, c.knob, knob)
			}
		}
		if ctl.FlaggedBy == nil {
			t.Errorf("%s: no flaggedBy: a negative control declares the SLO it must fail and the evidence (class or stalled)", c.name)
		} else if cl := ctl.FlaggedBy.Class; cl != "" && cl != spec.FlaggedStalled &&
			!slices.ContainsFunc(ledger.Classes(), func(k ledger.Class) bool { return k.String() == cl }) {
			t.Errorf("%s: flaggedBy.class %q is no ledger class", c.name, cl)
		}
	}
	for _, s := range list {
		if s.Expect == spec.ExpectFail && !declared[s.Name] {
			t.Errorf("negative control %s is not declared in controls (good profile, knob, reason)", s.Name)
		}
	}
}

// The resolved-scenario diff sees one field, and a knob covers what is
// below its paths.
func TestKnobDiff(t *testing.T) {
	a := map[string]string{"name": "a", "stack.lb.healthCheck.fall": "2", "load.rate": "500"}
	b := map[string]string{"name": "b", "stack.lb.healthCheck.fall": "3", "load.rate": "500", "stack.lb.retries": "1"}
	if d := diff(a, b); !slices.Equal(d, []string{"stack.lb.healthCheck.fall", "stack.lb.retries"}) {
		t.Errorf("diff = %v", d)
	}
	if !under("tlsCompare.pairs[0].accelerated.name", knobs["compared TLS profiles"]) || under("stack.lb.retries", knobs["health-check timing"]) {
		t.Error("under")
	}
}
