package spec

import "time"

// Defaults fills every zero-valued field that has a default; a value set in
// the file, even an odd one, is left for Validate to judge. Decode calls it;
// call it yourself on a Scenario built in code.
//
//	load:    method POST, bodyBytes 64, timeout 10s, connectTimeout 1s,
//	         idleTimeout 1s, maxWorkers 10000
//	stack:   gatewaysPerNode 1, loadBalancers 2
//	gateway: stopSignal SIGQUIT, terminationGracePeriod 30s,
//	         keepaliveRequests 100, keepaliveTimeout 5s, workerProcesses 1,
//	         restartDelay 0, upstreamTimeout 15s (Envoy's route timeout)
//	lb:      healthCheck {interval 500ms, rise 2, fall 2},
//	         connectTimeout 1s, retries 0 (an L4 listener: no connect
//	         retry, no redispatch), drainTimeout 10s; path unset
//	         (direct); with path nodePort: externalTrafficPolicy
//	         Cluster, healthCheck.type http
//	faults:  name = kind; maxUnavailable 1 where the kind takes it;
//	         mode kill (zone-outage), refused (lb-kill)
//	slos:    window run where the kind takes one; maxFailover steady 1s;
//	         tlsSpeedup min 1.8
//	tls:     gateway key ecdsa, load.tls.key = gateway key (tls.go)
//
// Fields where 0 is meaningful (bodyBytes, lb.drainTimeout)
// take their default only when absent from the file; a scenario built in
// code has no source lines, so there 0 still reads as unset.
func (s *Scenario) Defaults() {
	l := &s.Load
	def(&l.Method, "POST")
	defUnset(s, "load.bodyBytes", &l.BodyBytes, 64)
	def(&l.Timeout, Duration(10*time.Second))
	def(&l.ConnectTimeout, Duration(time.Second))
	def(&l.IdleTimeout, Duration(time.Second))
	def(&l.MaxWorkers, 10000)
	s.defaultTLS() // before the load's: load.tls.key follows the gateway's
	l.defaultLoadShape()

	st := &s.Stack
	def(&st.GatewaysPerNode, 1)
	def(&st.LoadBalancers, 2)
	s.defaultRegions()

	g := &st.Gateway
	def(&g.StopSignal, StopSignalQuit)
	def(&g.TerminationGracePeriod, Duration(30*time.Second))
	def(&g.KeepaliveRequests, 100)
	def(&g.KeepaliveTimeout, Duration(5*time.Second))
	def(&g.WorkerProcesses, 1)
	def(&g.UpstreamTimeout, Duration(15*time.Second))
	// RestartDelay defaults to 0: the replacement starts at once.

	lb := &st.LB
	def(&lb.HealthCheck.Interval, Duration(500*time.Millisecond))
	def(&lb.HealthCheck.Rise, 2)
	def(&lb.HealthCheck.Fall, 2)
	def(&lb.Removal, RemovalDrain)
	def(&lb.ConnectTimeout, Duration(time.Second))
	// Retries defaults to 0: the stand-in models a cloud LB's TCP listener,
	// which forwards the connection to the backend it picked and never
	// tries another one when that connect fails (DESIGN.md, "What the
	// local stand-ins must model"). An L7 listener's retry is explicit.
	defUnset(s, "stack.lb.drainTimeout", &lb.DrainTimeout, Duration(10*time.Second))
	lb.defaultDataPath()
	s.defaultPathCompare()

	for i := range s.SLOs {
		s.SLOs[i].defaults()
	}
	for i := range s.Faults {
		f := &s.Faults[i]
		def(&f.Name, f.Kind)
		if k, ok := faultKindOf(f.Kind); ok && k.maxUnavailable {
			def(&f.MaxUnavailable, 1)
		}
		if k, ok := faultKindOf(f.Kind); ok && len(k.modes) > 0 {
			def(&f.Mode, k.modes[0])
		}
	}
}

// def sets *p to v if *p is the zero value.
func def[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// defUnset is def for fields whose zero is a real setting: it defaults only
// when the file did not mention the field.
func defUnset[T comparable](s *Scenario, path string, p *T, v T) {
	if _, set := s.Source.Lines[path]; set {
		return
	}
	def(p, v)
}
