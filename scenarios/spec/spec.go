// Package spec is the scenario model: what stack to stand up, what load to
// drive through it, which faults to inject when, and which objectives the
// run must meet. It is pure data plus strict decoding and validation; it
// imports nothing else of gatecert so every layer can depend on it.
package spec

// Scenario is one certification run: a stack profile, a load, a fault
// timeline and the SLOs judged from the ledger afterwards.
type Scenario struct {
	// Name identifies the scenario in artifacts and reports; it must be a
	// file-name-safe slug.
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// Expect documents the intended outcome: "pass" for a good profile,
	// "fail" for a negative control that the harness must flag.
	Expect string `yaml:"expect,omitempty"`
	// FlaggedBy is the reason a negative control must be flagged for:
	// `gatecert run -certify` counts a control that failed for another
	// reason as a miss, not as detected.
	FlaggedBy *FlaggedBy `yaml:"flaggedBy,omitempty"`
	// Labels add to the labels derived from the faults (e.g. slow for a
	// soak); only the fixed vocabulary of Vocabulary is accepted.
	Labels []string     `yaml:"labels,omitempty"`
	Stack  StackProfile `yaml:"stack"`
	Load   Load         `yaml:"load"`
	Faults []Fault      `yaml:"faults,omitempty"`
	// Chaos, when set, adds seeded random faults to the timeline (soak
	// runs); the expansion is deterministic and lands in Faults, so the
	// resolved scenario records exactly what was injected.
	Chaos *Chaos `yaml:"chaos,omitempty"`
	// TLSCompare makes the scenario a TLS-acceleration comparison of two
	// gateway profiles per pair (tls.go), judged by tlsSpeedup.
	TLSCompare *TLSCompare `yaml:"tlsCompare,omitempty"`
	// Capacity makes the scenario a capacity search (`gatecert capacity`):
	// its SLOs judge each step; `gatecert run` skips it with the reason.
	Capacity *CapacitySearch `yaml:"capacity,omitempty"`
	// PathCompare makes the scenario a data-path comparison
	// (pathcompare.go): the same load on each path, side by side.
	PathCompare *PathCompare `yaml:"pathCompare,omitempty"`
	SLOs        []SLO        `yaml:"slos"`
	// Overrides change the scenario on one provider only, each with the
	// measured reason (override.go); the runner applies the ones of the
	// provider it runs on and the verdict lists them.
	Overrides *Overrides `yaml:"overrides,omitempty"`

	// Source records where the scenario came from, for error messages.
	Source Source `yaml:"-"`
}

// FlaggedBy names the SLO that must fail and the evidence that must show
// in the ledger: a failure class ("eof", "connect-refused", ...) or
// "stalled" (requests answered later than the stall bound).
type FlaggedBy struct {
	SLO   string `yaml:"slo"`
	Class string `yaml:"class,omitempty"`
}

// FlaggedStalled is FlaggedBy.Class for stalls, which are a judgement,
// not a ledger class.
const FlaggedStalled = "stalled"

// Values of Scenario.Expect ("" says nothing).
const (
	ExpectPass = "pass"
	ExpectFail = "fail"
)

// StackProfile is the shape and configuration of the system under test.
type StackProfile struct {
	Zones           int `yaml:"zones"`
	NodesPerZone    int `yaml:"nodesPerZone"`
	GatewaysPerNode int `yaml:"gatewaysPerNode"`
	LoadBalancers   int `yaml:"loadBalancers"`
	// GatewayZones is how many zones (the first ones) host gateway
	// replicas; 0 means every zone. Less than Zones is a deployment without
	// zone spread: backends are everywhere, the gateway is not.
	GatewayZones int            `yaml:"gatewayZones,omitempty"`
	Gateway      GatewayProfile `yaml:"gateway"`
	LB           LBProfile      `yaml:"lb"`
	// Regions, when set, make the stack multi-region; the flat counts
	// above are each region's defaults (region.go, DESIGN.md).
	Regions []Region `yaml:"regions,omitempty"`
	// GSLB is the DNS server choosing a region per client (region.go).
	GSLB *GSLB `yaml:"gslb,omitempty"`
}

// GatewayProfile holds the gateway replica's graceful-shutdown and
// keep-alive settings: the knobs that decide whether a drain loses requests.
type GatewayProfile struct {
	// ReadinessDrain fails the replica's readiness endpoint before it is
	// stopped, so load balancers stop sending it new connections.
	ReadinessDrain bool `yaml:"readinessDrain"`
	// PreStop is how long the pod waits after being marked not-ready and
	// before the stop signal (a Kubernetes preStop sleep).
	PreStop Duration `yaml:"preStop"`
	// StopSignal is SIGQUIT (nginx graceful shutdown) or SIGTERM (nginx
	// fast shutdown: what a default Kubernetes pod sends).
	StopSignal string `yaml:"stopSignal"`
	// TerminationGracePeriod bounds the whole termination, as the kubelet
	// counts it: from its start (not-ready), preStop included. A preStop
	// still running when it expires is cut; the stop signal then gets
	// what is left, at least 2s, before SIGKILL.
	TerminationGracePeriod Duration `yaml:"terminationGracePeriod"`
	// KeepaliveRequests is nginx keepalive_requests: after that many
	// requests a connection is closed with "Connection: close".
	KeepaliveRequests int `yaml:"keepaliveRequests"`
	// KeepaliveTime is nginx keepalive_time: the longest a connection may
	// serve requests before it is closed after a response (0 = nginx default).
	KeepaliveTime Duration `yaml:"keepaliveTime,omitempty"`
	// KeepaliveTimeout is nginx keepalive_timeout: idle connections close
	// after it.
	KeepaliveTimeout Duration `yaml:"keepaliveTimeout"`
	// WorkerProcesses is nginx worker_processes per replica.
	WorkerProcesses int `yaml:"workerProcesses,omitempty"`
	// RestartDelay is how long the controller waits before starting a
	// replacement replica after one exited.
	RestartDelay Duration `yaml:"restartDelay,omitempty"`
	// CPULimit caps each replica's CPU in cores (a pod's CPU limit; cgroup
	// v1 cpu controller in the local provider); 0 means unlimited.
	CPULimit float64 `yaml:"cpuLimit,omitempty"`
	// RetryNonIdempotent lets the gateway retry a POST on another backend
	// after the request was sent to one that failed (nginx
	// proxy_next_upstream non_idempotent). Off by default, as in nginx and
	// Envoy: a connect failure is retried, a request cut mid-flight is not.
	RetryNonIdempotent bool `yaml:"retryNonIdempotent,omitempty"`
	// UpstreamTimeout bounds how long the gateway waits for a backend's
	// response (nginx proxy_read_timeout; Envoy's route timeout).
	UpstreamTimeout Duration `yaml:"upstreamTimeout,omitempty"`
	// TLS makes the replica terminate TLS (see GatewayTLS).
	TLS GatewayTLS `yaml:"tls,omitempty"`
	// Server is the gateway program: nginx (from PATH, the default when
	// unset) or asynch-nginx (Intel's asynch_mode_nginx from make
	// tls-multibuffer; needed for tls.accelerator multibuffer).
	Server string `yaml:"server,omitempty"`
}

// Values of LBProfile.Removal.
const (
	RemovalDrain = "drain"
	RemovalCut   = "cut"
)

// Values of GatewayProfile.StopSignal.
const (
	StopSignalQuit = "SIGQUIT"
	StopSignalTerm = "SIGTERM"
)

// LBProfile configures the load balancers (HAProxy in the local provider,
// the stand-in for a cloud load balancer).
type LBProfile struct {
	HealthCheck HealthCheck `yaml:"healthCheck"`
	// ShutdownSessions cuts established sessions the moment a replica is
	// marked down (HAProxy on-marked-down shutdown-sessions).
	ShutdownSessions bool `yaml:"shutdownSessions"`
	// ConnectTimeout is the LB's timeout for connecting to a replica.
	ConnectTimeout Duration `yaml:"connectTimeout,omitempty"`
	// Retries is how often the LB retries a failed connect, each retry on
	// another replica (HAProxy retries + option redispatch). 0, the default,
	// is a cloud LB's L4 (TCP) listener: a failed connect fails the
	// client's connection. A profile that models an L7 listener's retry
	// sets it and says so.
	Retries int `yaml:"retries,omitempty"`
	// Removal is how the LB takes a replica out of service on scale-in:
	// drain (default: no new connections, established ones finish, like a
	// cloud LB's connection draining) or cut (sessions are shut down at
	// once, connection draining disabled).
	Removal string `yaml:"removal,omitempty"`
	// DrainTimeout is how long a leaving LB (lb-drain) keeps established
	// connections before cutting them (a cloud LB's deregistration delay).
	DrainTimeout Duration `yaml:"drainTimeout,omitempty"`
	// Path is how the LB reaches a replica: direct (unset: the replica's
	// own address) or nodePort (every node's NodePort, then the node's
	// kube-proxy hop); see datapath.go.
	Path string `yaml:"path,omitempty"`
	// ExternalTrafficPolicy is the nodePort Service's policy: Cluster
	// (default with nodePort) or Local; rejected with direct.
	ExternalTrafficPolicy string `yaml:"externalTrafficPolicy,omitempty"`
}

// HealthCheck is the LB's active HTTP health check of each replica's
// readiness endpoint.
type HealthCheck struct {
	Interval Duration `yaml:"interval"`
	Rise     int      `yaml:"rise"`
	Fall     int      `yaml:"fall"`
	// Type is http (unset: GET /healthz, or the health-check node port on
	// the nodePort path) or tcp (a connect to the traffic port).
	Type string `yaml:"type,omitempty"`
}

// Load is the open-model traffic driven through the load balancers.
type Load struct {
	// Rate is requests per second, constant over Duration.
	Rate     int      `yaml:"rate"`
	Duration Duration `yaml:"duration"`
	// Method is POST by default: Go's client never silently retries it.
	Method string `yaml:"method,omitempty"`
	// BodyBytes is the request body size.
	BodyBytes int `yaml:"bodyBytes,omitempty"`
	// BackendDelay is how long the echo backend holds each request; it keeps
	// requests in flight so a cut connection is seen.
	BackendDelay Duration `yaml:"backendDelay,omitempty"`
	// Timeout is the whole-request client timeout.
	Timeout Duration `yaml:"timeout,omitempty"`
	// ConnectTimeout bounds each TCP connect attempt.
	ConnectTimeout Duration `yaml:"connectTimeout,omitempty"`
	// IdleTimeout is how long the client keeps an idle connection; it must
	// be shorter than the gateway's keepalive timeout, as in any well-behaved
	// client, or the server's idle close races the client's reuse.
	IdleTimeout Duration `yaml:"idleTimeout,omitempty"`
	// StallAfter is the stall bound: a request the stack answered later
	// than this after it was sent (latency less the client's send lag)
	// counts as unavailable for
	// availability and maxFailover, and reports show it as stalled. 0 (the
	// default) derives it from the run's healthy phase before the first
	// fault (reports: 5 × its p99, at least 200ms); a run without a fault
	// judges no stalls unless it is set.
	StallAfter Duration `yaml:"stallAfter,omitempty"`
	// MaxWorkers caps concurrent requests in flight; reaching it means the
	// client is saturated, which the ledger reports as send lag.
	MaxWorkers int `yaml:"maxWorkers,omitempty"`
	// Shape is how the rate changes over Duration: constant (default: Rate
	// throughout), ramp (linearly from From to Rate) or steps (Steps equal
	// steps starting at Rate, each Step higher). Phases, when set, replace
	// the single shape by a sequence (see LoadPhase).
	Shape  string      `yaml:"shape,omitempty"`
	From   int         `yaml:"from,omitempty"`
	Step   int         `yaml:"step,omitempty"`
	Steps  int         `yaml:"steps,omitempty"`
	Phases []LoadPhase `yaml:"phases,omitempty"`
	// LBPolicy is how the client uses the LB addresses: spread
	// (round-robin, default) or failover (ordered, sticky to the last
	// address that worked, the next one tried on a failed connect).
	LBPolicy string `yaml:"lbPolicy,omitempty"`
	// Connection is keep-alive (default) or close (a new connection, and
	// with TLS a handshake, per request).
	Connection string  `yaml:"connection,omitempty"`
	TLS        LoadTLS `yaml:"tls,omitempty"`
	// Clients splits the load into one group per client region, each
	// resolving the gateway's name through stack.gslb (region.go).
	Clients []ClientGroup `yaml:"clients,omitempty"`
}

// Fault kinds known to the model. A provider may lack the capability for
// some; such a scenario is skipped with the reason. A new kind is a constant
// here plus a row in faultKinds (validate.go).
const (
	FaultPodTerminate   = "pod-terminate"
	FaultRollingRestart = "rolling-restart"
	FaultPodKill        = "pod-kill"
	FaultScale          = "scale"
	FaultNodeKill       = "node-kill"
	FaultNodeDrain      = "node-drain"
	FaultZoneOutage     = "zone-outage"
	FaultLBKill         = "lb-kill"
	FaultLBDrain        = "lb-drain"
	FaultPartition      = "partition"
)

// Values of Fault.Mode, per kind: zone-outage kill|isolate, lb-kill
// refused|blackhole.
const (
	ModeKill      = "kill"      // zone-outage: every node killed (link down, then SIGKILL)
	ModeIsolate   = "isolate"   // zone-outage: links down only, processes keep running
	ModeRefused   = "refused"   // lb-kill: the LB process is gone; connects are refused
	ModeBlackhole = "blackhole" // lb-kill: the LB's link is down; packets vanish
)

// Fault is one entry of the timeline.
type Fault struct {
	// Name labels the fault in events and reports; defaults to Kind.
	Name string `yaml:"name,omitempty"`
	Kind string `yaml:"kind"`
	// At is the offset from the start of load.
	At Duration `yaml:"at"`
	// Target selects replicas: "" or "all" for every replica, or a replica
	// name such as "z1n1-gw0".
	Target string `yaml:"target,omitempty"`
	// MaxUnavailable is how many replicas a rolling restart takes down at
	// once.
	MaxUnavailable int `yaml:"maxUnavailable,omitempty"`
	// Duration is how long the fault stays before it is reverted (the pod
	// replaced, the node restarted, the link up again); 0 reverts as soon
	// as the injection has completed.
	Duration Duration `yaml:"duration,omitempty"`
	// Zone selects the zone of zone-outage and partition, e.g. "z1".
	Zone string `yaml:"zone,omitempty"`
	// Node selects the node of node-kill and node-drain, e.g. "z1n2".
	Node string `yaml:"node,omitempty"`
	// LB selects the load balancer of lb-kill and lb-drain, e.g. "lb1".
	LB string `yaml:"lb,omitempty"`
	// Mode chooses how zone-outage (kill, isolate) and lb-kill (refused,
	// blackhole) break things.
	Mode string `yaml:"mode,omitempty"`
	// Region selects the region of region-outage and, with stack.regions,
	// the region of a zone, node, LB or replica named by the fields above.
	Region string `yaml:"region,omitempty"`
	// Replicas is the number of gateway replicas a scale fault leaves
	// running (at most the provisioned zones × nodesPerZone ×
	// gatewaysPerNode); the revert restores the full set.
	Replicas int `yaml:"replicas,omitempty"`
}

// SLO kinds; a new kind is a constant here plus a row in sloKinds
// (validate.go).
const (
	SLOZeroLoss       = "zeroLoss"
	SLOAvailability   = "availability"
	SLOMaxFailover    = "maxFailover"
	SLOLatency        = "latency"
	SLOThroughput     = "throughput"
	SLOServedBy       = "servedBy"
	SLOErrorBudget    = "errorBudget"
	SLOReconciliation = "reconciliation"
	// SLOTLSSpeedup: accelerated/baseline gateway handshakes per
	// CPU-second (and capacity when searched), per tlsCompare pair.
	SLOTLSSpeedup = "tlsSpeedup"
)

// SLO windows, relative to a fault's inject and revert events: the whole
// run; before the inject; from the inject to the revert plus Settle; after
// the revert plus Settle to the end of the run.
const (
	WindowRun    = "run"
	WindowBefore = "before"
	WindowDuring = "during"
	WindowAfter  = "after"
)

// SLO is one objective evaluated on the ledger. Which fields a kind takes is
// in sloKinds (validate.go); the others must be left out.
type SLO struct {
	Kind string `yaml:"kind"`
	// Min is the lower bound for ratio SLOs: availability (ok/total) and
	// throughput (worst second's successes / offered rate); for
	// tlsSpeedup the lowest accepted speed-up factor (default 1.8).
	Min float64 `yaml:"min,omitempty"`
	// Window is run (default), before, during or after; a window other
	// than run is judged once per fault, or for Fault only.
	Window string `yaml:"window,omitempty"`
	// Fault restricts a per-fault SLO or a fault window to the fault of
	// that name.
	Fault string `yaml:"fault,omitempty"`
	// Settle extends the during window past the revert (and so starts the
	// after window later) by this long.
	Settle Duration `yaml:"settle,omitempty"`
	// Max is the upper bound of maxFailover (time to steady success) and
	// latency (the quantile).
	Max Duration `yaml:"max,omitempty"`
	// Quantile is the latency quantile judged, in (0, 1): 0.99 for p99.
	Quantile float64 `yaml:"quantile,omitempty"`
	// Steady is how long every request must succeed for maxFailover to call
	// success steady again (default 1s).
	Steady Duration `yaml:"steady,omitempty"`
	// Grace is how long after the inject servedBy still lets the lost
	// target serve (requests already on their way).
	Grace Duration `yaml:"grace,omitempty"`
	// Tolerance is how far each surviving zone's share of the load may be
	// from an equal share (servedBy), as a ratio: 0.1 is ±10 points; 0
	// does not check the spread.
	Tolerance float64 `yaml:"tolerance,omitempty"`
	// Budget overrides the plan's loss budget per fault (errorBudget);
	// 0 uses the plan's.
	Budget int `yaml:"budget,omitempty"`
	// Allowed reconciliation counts (reconciliation); 0 by default.
	AllowFailedAfterBackend int `yaml:"allowFailedAfterBackend,omitempty"`
	AllowDuplicates         int `yaml:"allowDuplicates,omitempty"`
	AllowPhantoms           int `yaml:"allowPhantoms,omitempty"`
	// Region restricts availability and maxFailover to the requests of
	// that client region's group (load.clients).
	Region string `yaml:"region,omitempty"`
}

// Source locates a scenario and its fields in the file it came from.
type Source struct {
	File string
	// Lines maps a field path such as "faults[0].at" to its line.
	Lines map[string]int
	// Start is the line of the scenario's first field: a problem with a
	// field the file lacks, whose parents it lacks too (a missing
	// top-level section), is located there. 0 when not decoded.
	Start int
}

// Line returns the line of path, falling back to its closest parent, then
// to Start, or 0.
func (s Source) Line(path string) int {
	for p := path; p != ""; p = parent(p) {
		if l, ok := s.Lines[p]; ok {
			return l
		}
	}
	return s.Start
}

// Has says the file set the field at path. A scenario built in code has
// no source, so Has is false for every path.
func (s Source) Has(path string) bool {
	_, ok := s.Lines[path]
	return ok
}

// decoded says the scenario came from a file, so that Has tells a field
// the file left out from one it set.
func (s Source) decoded() bool { return s.Lines != nil }

// parent strips the last element of a field path: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a".
func parent(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		switch p[i] {
		case '.':
			return p[:i]
		case '[':
			return p[:i]
		}
	}
	return ""
}

// Vocabulary is the fixed set of labels scenarios and suites use to select
// what runs; never regexes on prose.
var Vocabulary = []string{"smoke", "drain", "failover", "zone", "lb", "tls", "capacity", "disruptive", "slow"}
