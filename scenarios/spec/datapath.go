package spec

// The data path: how the load balancer reaches a gateway replica
// (DESIGN.md, "The data path vocabulary"). direct, the default, is the LB
// targeting each replica's own address and port (Terway/ENI, AWS "IP"
// targets, GKE NEGs); nodePort is the LB targeting every node's
// address:NodePort, and the node forwarding to a replica as kube-proxy
// does.

// Values of LBProfile.Path.
const (
	PathDirect   = "direct"
	PathNodePort = "nodePort"
)

// Values of LBProfile.ExternalTrafficPolicy (a Service's
// spec.externalTrafficPolicy).
const (
	// TrafficCluster: a node forwards to any ready replica, on any node,
	// with SNAT to itself so the answer comes back through it.
	TrafficCluster = "Cluster"
	// TrafficLocal: a node forwards only to its own ready replicas, with
	// the client's address kept; a node with none drops the connection,
	// and answers 503 on the health-check node port so the LB avoids it.
	TrafficLocal = "Local"
)

// Values of HealthCheck.Type.
const (
	CheckHTTP = "http" // GET /healthz (direct) or the health-check node port (nodePort), 200 expected
	CheckTCP  = "tcp"  // a TCP connect to the traffic port
)

// The fixed node ports of the nodePort path. Kubernetes allocates them
// from 30000–32767; a fixed pair keeps the resolved scenario, the
// provider and the reports in agreement without a lookup.
const (
	// NodePort is the traffic port every node listens on.
	NodePort = 30080
	// HealthCheckNodePort is the Service's healthCheckNodePort: /healthz
	// answers 200 on a node with a ready local replica, 503 elsewhere
	// (Local); 200 while the node's proxy is up (Cluster, kube-proxy's
	// own healthz).
	HealthCheckNodePort = 30254
)

// IsNodePort reports whether the LB reaches the gateways through a
// NodePort hop.
func (lb LBProfile) IsNodePort() bool { return lb.Path == PathNodePort }

// CheckType is the health check's effective type (http when unset).
func (h HealthCheck) CheckType() string {
	if h.Type == "" {
		return CheckHTTP
	}
	return h.Type
}

// defaultDataPath fills the nodePort-only fields when the path is
// nodePort; a direct scenario keeps them unset, so its resolved form and
// every golden stay as they were.
func (lb *LBProfile) defaultDataPath() {
	if !lb.IsNodePort() {
		return
	}
	def(&lb.ExternalTrafficPolicy, TrafficCluster)
	def(&lb.HealthCheck.Type, CheckHTTP)
}

// dataPath checks the data-path fields: the path's vocabulary, and an
// externalTrafficPolicy only where there is a node hop to apply it to;
// the hop is built for one-region stacks only.
func (c *checker) dataPath(st *StackProfile) {
	lb := &st.LB
	if lb.IsNodePort() && st.MultiRegion() {
		c.failf("stack.lb.path", "%s is not built for multi-region stacks yet: use it with one region", PathNodePort)
	}
	switch lb.Path {
	case "", PathDirect, PathNodePort:
	default:
		c.failf("stack.lb.path", "must be %s or %s", PathDirect, PathNodePort)
	}
	switch {
	case lb.ExternalTrafficPolicy == "":
	case !lb.IsNodePort():
		c.failf("stack.lb.externalTrafficPolicy", "only with path %s: the %s path has no node hop to apply it to", PathNodePort, PathDirect)
	case lb.ExternalTrafficPolicy != TrafficCluster && lb.ExternalTrafficPolicy != TrafficLocal:
		c.failf("stack.lb.externalTrafficPolicy", "must be %s or %s", TrafficCluster, TrafficLocal)
	}
	if lb.IsNodePort() && lb.Removal == RemovalCut {
		c.failf("stack.lb.removal", "cut needs path %s: on %s the LB sees nodes, not replicas", PathDirect, PathNodePort)
	}
	if t := lb.HealthCheck.Type; t != "" && t != CheckHTTP && t != CheckTCP {
		c.failf("stack.lb.healthCheck.type", "must be %s or %s", CheckHTTP, CheckTCP)
	}
}
