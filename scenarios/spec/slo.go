package spec

import (
	"slices"
	"time"
)

// windowParams are the fields of an SLO judged over a window.
var windowParams = []string{"window", "fault", "settle"}

// DefaultSteady is how long every request must succeed for maxFailover to
// call success steady again when SLO.Steady is not set.
const DefaultSteady = Duration(time.Second)

// Windows lists the SLO windows in report order.
func Windows() []string { return []string{WindowRun, WindowBefore, WindowDuring, WindowAfter} }

// defaults fills the SLO's defaults: window run for kinds judged over a
// window, steady 1s for maxFailover.
func (o *SLO) defaults() {
	k, ok := sloKindOf(o.Kind)
	if !ok {
		return
	}
	if slices.Contains(k.params, "window") {
		def(&o.Window, WindowRun)
	}
	if o.Kind == SLOMaxFailover {
		def(&o.Steady, DefaultSteady)
	}
	if o.Kind == SLOTLSSpeedup {
		def(&o.Min, DefaultTLSSpeedup)
	}
}

// Targeted reports whether f takes out something specific that can be
// checked for serving traffic afterwards: a zone, a node, a load balancer
// or one replica.
func (f Fault) Targeted() bool {
	return f.Zone != "" || f.Node != "" || f.LB != "" || (f.Target != "" && f.Target != TargetAll) ||
		f.Kind == FaultRegionOutage
}

// sloParams checks the fields of one SLO other than its kind and Min (see
// slos): each is used by the kind (sloKinds) and within range, a named
// fault exists, a fault window has a fault to be relative to.
func (c *checker) sloParams(p string, o SLO, s *Scenario) {
	kind, known := sloKindOf(o.Kind)
	if !known {
		return
	}
	set := []struct {
		name string
		set  bool
	}{
		{"window", o.Window != ""}, {"fault", o.Fault != ""}, {"settle", o.Settle != 0},
		{"max", o.Max != 0}, {"quantile", o.Quantile != 0}, {"steady", o.Steady != 0},
		{"grace", o.Grace != 0}, {"tolerance", o.Tolerance != 0}, {"budget", o.Budget != 0},
		{"allowFailedAfterBackend", o.AllowFailedAfterBackend != 0},
		{"allowDuplicates", o.AllowDuplicates != 0}, {"allowPhantoms", o.AllowPhantoms != 0},
		{"region", o.Region != ""},
	}
	takes := func(name string) bool { return slices.Contains(kind.params, name) }
	for _, f := range set {
		if f.set && !takes(f.name) {
			c.failf(p+"."+f.name, "not used by %s", o.Kind)
		}
	}

	var named *Fault
	if o.Fault != "" && takes("fault") {
		for i := range s.Faults {
			if s.Faults[i].Name == o.Fault {
				named = &s.Faults[i]
			}
		}
		if named == nil {
			c.failf(p+".fault", "no fault named %q in faults", o.Fault)
		}
	}
	perFault := !takes("window") && takes("fault") // maxFailover, servedBy, errorBudget
	if takes("window") {
		switch o.Window {
		case "", WindowRun:
			if o.Fault != "" {
				c.failf(p+".fault", "needs a fault window (window before, during or after)")
			}
			if o.Settle != 0 {
				c.failf(p+".settle", "needs window during or after")
			}
		case WindowBefore, WindowDuring, WindowAfter:
			if len(s.Faults) == 0 {
				c.failf(p+".window", "window %s needs a fault to be relative to", o.Window)
			}
			if o.Window == WindowBefore && o.Settle != 0 {
				c.failf(p+".settle", "needs window during or after")
			}
		default:
			c.failf(p+".window", "must be run, before, during or after")
		}
	}
	if perFault && len(s.Faults) == 0 && !(o.Kind == SLOServedBy && o.Tolerance > 0) {
		c.failf(p+".kind", "%s is judged per fault: the scenario has no faults", o.Kind)
	}
	c.notNegative(p+".settle", o.Settle)

	switch o.Kind {
	case SLOMaxFailover:
		c.positive(p+".max", o.Max)
		c.notNegative(p+".steady", o.Steady)
	case SLOLatency:
		c.positive(p+".max", o.Max)
		if !(o.Quantile > 0 && o.Quantile < 1) { // written so that NaN fails
			c.failf(p+".quantile", "must be in (0, 1), e.g. 0.99 for p99")
		}
	case SLOServedBy:
		c.notNegative(p+".grace", o.Grace)
		if !(o.Tolerance >= 0 && o.Tolerance < 1) {
			c.failf(p+".tolerance", "must be in [0, 1)")
		}
		switch {
		case named != nil && !named.Targeted():
			c.failf(p+".fault", "fault %q takes out no specific zone, node, replica or load balancer", o.Fault)
		case o.Fault == "" && o.Tolerance == 0 && !slices.ContainsFunc(s.Faults, Fault.Targeted) && len(s.Faults) > 0:
			c.failf(p+".kind", "servedBy needs a fault that takes out a zone, node, replica or load balancer, or a tolerance")
		}
	case SLOErrorBudget:
		c.atLeast(p+".budget", o.Budget, 0)
	case SLOReconciliation:
		c.atLeast(p+".allowFailedAfterBackend", o.AllowFailedAfterBackend, 0)
		c.atLeast(p+".allowDuplicates", o.AllowDuplicates, 0)
		c.atLeast(p+".allowPhantoms", o.AllowPhantoms, 0)
	}
}
