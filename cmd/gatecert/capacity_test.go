package main

import (
	"testing"
	"time"

	"github.com/gatecert/gatecert/scenarios/spec"
)

func TestCapacityPlanFlags(t *testing.T) {
	s := &spec.Scenario{Capacity: &spec.CapacitySearch{Start: 100, Max: 5000, Step: spec.Duration(3 * time.Second), Factor: 1.5, Precision: 0.1, Repeats: 1, MaxSteps: 8}}
	plan, err := capacityFlags{max: 9000, step: 2 * time.Second, without: "zone:z2"}.plan(s)
	if err != nil {
		t.Fatal(err)
	}
	sr := plan.Search
	if sr.Start != 100 || sr.Max != 9000 || sr.Factor != 1.5 || sr.Precision != 0.1 || sr.Repeats != 1 || sr.MaxSteps != 8 || plan.Step != 2*time.Second || plan.Without != "zone:z2" {
		t.Errorf("plan %+v: flags over the scenario's section", plan)
	}
	plan, err = capacityFlags{}.plan(&spec.Scenario{})
	if err != nil || plan.Search.Start != 500 || plan.Search.Max != 20000 || plan.Step != 5*time.Second {
		t.Errorf("defaults: %+v, %v", plan, err)
	}
	for _, bad := range []capacityFlags{{without: "rack:r1"}, {step: 100 * time.Millisecond}, {start: 900, max: 100}, {precision: 2}} {
		if _, err := bad.plan(&spec.Scenario{}); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
