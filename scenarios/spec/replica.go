package spec

import (
	"fmt"
	"regexp"
)

// TargetAll selects every gateway replica; so does an empty Fault.Target.
const TargetAll = "all"

// replicaRE is the shape of a replica name: zone and node from 1, gateway
// from 0, one digit each (Validate bounds the topology to match).
var replicaRE = regexp.MustCompile(`^z([1-9])n([1-9])-gw([0-9])$`)

// ReplicaName names gateway gw (from 0) on node (from 1) of zone (from 1),
// e.g. "z1n2-gw0".
func ReplicaName(zone, node, gw int) string {
	return fmt.Sprintf("z%dn%d-gw%d", zone, node, gw)
}

// ParseReplica splits a name made by ReplicaName; ok is false if name does
// not have that shape. It does not say whether the replica exists.
func ParseReplica(name string) (zone, node, gw int, ok bool) {
	m := replicaRE.FindStringSubmatch(name)
	if m == nil {
		return 0, 0, 0, false
	}
	return int(m[1][0] - '0'), int(m[2][0] - '0'), int(m[3][0] - '0'), true
}

// Replicas lists the gateway replicas of the topology, zone-major then node
// then gateway: z1n1-gw0, z1n1-gw1, z1n2-gw0, ..., z2n1-gw0, ...
func (st StackProfile) Replicas() []string {
	var out []string
	for z := 1; z <= st.gatewayZones(); z++ {
		for n := 1; n <= st.NodesPerZone; n++ {
			for g := 0; g < st.GatewaysPerNode; g++ {
				out = append(out, ReplicaName(z, n, g))
			}
		}
	}
	return out
}

// hasReplica reports whether name is a replica of the topology.
func (st StackProfile) hasReplica(name string) bool {
	z, n, g, ok := ParseReplica(name)
	return ok && z <= st.gatewayZones() && n <= st.NodesPerZone && g < st.GatewaysPerNode
}

// gatewayZones is the number of zones hosting gateway replicas.
func (st StackProfile) gatewayZones() int {
	if st.GatewayZones > 0 && st.GatewayZones < st.Zones {
		return st.GatewayZones
	}
	return st.Zones
}

// HostsGateways reports whether zone (1-based) hosts gateway replicas.
func (st StackProfile) HostsGateways(zone int) bool { return zone <= st.gatewayZones() }

// Replicas lists the scenario's gateway replicas in order; see
// StackProfile.Replicas.
func (s *Scenario) Replicas() []string { return s.Stack.Replicas() }
