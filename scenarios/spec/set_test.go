package spec

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// setScenario is a valid TLS comparison without a capacity search, whose
// profiles leave sessionCache unset (nil).
func setScenario(t *testing.T) *Scenario {
	t.Helper()
	s, err := Decode("set.yaml", []byte(`
name: set
stack: {zones: 1, nodesPerZone: 1, loadBalancers: 1, gateway: {cpuLimit: 0.5, tls: {enabled: true}}}
load: {rate: 10, duration: 5s, connection: close, tls: {enabled: true}}
tlsCompare:
  pairs:
    - {key: rsa, baseline: {name: a}, accelerated: {name: b, key: ecdsa}}
slos: [{kind: tlsSpeedup}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// An override reaches an optional section the file left out: it is
// created, gets its defaults, and the scenario validates.
func TestSetCreatesSection(t *testing.T) {
	s := setScenario(t)
	if err := s.SetAll([]string{"tlsCompare.capacity.start=50", "tlsCompare.capacity.max=800", "tlsCompare.capacity.step=2s"}); err != nil {
		t.Fatal(err)
	}
	want := &CapacitySearch{Start: 50, Max: 800, Step: Duration(2 * time.Second), Factor: 2, Precision: 0.05, Repeats: 2, MaxSteps: 20}
	if !reflect.DeepEqual(s.TLSCompare.Capacity, want) {
		t.Errorf("capacity %+v, want %+v", s.TLSCompare.Capacity, want)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("scenario with a created capacity section: %v", err)
	}
	// A section that exists is descended into, not replaced.
	if err := s.Set("tlsCompare.capacity.max", "900"); err != nil {
		t.Fatal(err)
	}
	if c := s.TLSCompare.Capacity; c.Max != 900 || c.Start != 50 || c.Factor != 2 {
		t.Errorf("existing section replaced: %+v", c)
	}
}

// A pointer-to-value field gets a value of its own; false is a value, not
// "unset".
func TestSetPointerToScalar(t *testing.T) {
	s := setScenario(t)
	if s.TLSCompare.Pairs[0].Baseline.SessionCache != nil {
		t.Fatal("fixture: sessionCache should be unset")
	}
	if err := s.Set("tlsCompare.pairs[0].baseline.sessionCache", "false"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("tlsCompare.pairs[0].accelerated.sessionCache", "true"); err != nil {
		t.Fatal(err)
	}
	b, a := s.TLSCompare.Pairs[0].Baseline.SessionCache, s.TLSCompare.Pairs[0].Accelerated.SessionCache
	if b == nil || *b || a == nil || !*a {
		t.Errorf("sessionCache baseline %v, accelerated %v; want false and true, both set", b, a)
	}
	if err := s.Set("tlsCompare.pairs[0].accelerated.sessionCache", "false"); err != nil || *a {
		t.Errorf("set again: %v, value %v", err, *a)
	}
}

// A failed Set leaves the scenario as it was, sections it would have
// created included, and says which path is wrong and what it offers.
func TestSetErrors(t *testing.T) {
	for _, tt := range []struct{ path, text, want string }{
		{"tlsCompare.capacity.strat", "5", `unknown field "tlsCompare.capacity.strat" (known: start, max, step, factor, precision, repeats, maxSteps)`},
		{"tlsCompare.capacity.start", "many", `tlsCompare.capacity.start: want an integer, got "many"`},
		{"tlsCompare.capacity.step", "4", `tlsCompare.capacity.step: want a duration such as 2s or 500ms, got "4"`},
		{"tlsCompare.capacity", "5", "tlsCompare.capacity is a group of fields, not a single value: set one of them (known: start, max"},
		{"chaos.sed", "1", `unknown field "chaos.sed" (known: seed, start, every, hold, kinds)`},
		{"tlsCompare.pairs.key", "rsa", "tlsCompare.pairs is a list: name an entry, e.g. tlsCompare.pairs[0]"},
		{"tlsCompare.pairs[3].key", "rsa", "tlsCompare.pairs[3]: the scenario has 1 entries"},
		{"tlsCompare.pairs[x].key", "rsa", `bad index in "pairs[x]"`},
		{"load[0].rate", "1", "load is not a list"},
		{"load.rate.max", "1", `load.rate is a single value: it has no field "max"`},
		{"labels", "tls", "labels is a slice, not a single value"},
		{"load..rate", "1", "empty field name"},
		{"tlsCompare.pairs[0].baseline.sessionCache", "maybe", `want true or false, got "maybe"`},
		{"source.file", "x", `unknown field "source"`},
	} {
		s := setScenario(t)
		before := *s.TLSCompare
		err := s.Set(tt.path, tt.text)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Set(%s, %s) = %v, want %q", tt.path, tt.text, err, tt.want)
		}
		if s.TLSCompare.Capacity != nil || s.Chaos != nil || !reflect.DeepEqual(*s.TLSCompare, before) {
			t.Errorf("Set(%s, %s) failed but changed the scenario", tt.path, tt.text)
		}
	}
}

// SetAll applies in order, names every bad override, and keeps an
// explicit zero that Defaults would otherwise replace.
func TestSetAll(t *testing.T) {
	s := setScenario(t)
	err := s.SetAll([]string{"load.rate=x", "load.rate=20", "norate", "stack.lb.retries=many"})
	for _, want := range []string{`load.rate=x: load.rate: want an integer, got "x"`, "norate: want key=value", `stack.lb.retries=many: stack.lb.retries: want an integer`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("SetAll error %v lacks %q", err, want)
		}
	}
	s = setScenario(t)
	if s.Load.BodyBytes != 64 || s.Stack.LB.Retries != 0 {
		t.Fatalf("fixture defaults: bodyBytes %d, retries %d", s.Load.BodyBytes, s.Stack.LB.Retries)
	}
	if err := s.SetAll([]string{"load.bodyBytes=0", "stack.lb.retries=2", "load.rate=30", "load.rate=40"}); err != nil {
		t.Fatal(err)
	}
	if s.Load.BodyBytes != 0 || s.Stack.LB.Retries != 2 || s.Load.Rate != 40 {
		t.Errorf("bodyBytes %d, retries %d, rate %d: want 0, 2 and the last rate 40", s.Load.BodyBytes, s.Stack.LB.Retries, s.Load.Rate)
	}
}
