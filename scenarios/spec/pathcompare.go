package spec

import (
	"fmt"
	"slices"
	"strings"
)

// PathCompare makes the scenario a data-path comparison: the scenario's
// stack and load run on each path in turn, every run on a fresh stack,
// the paths taking turns for Rounds rounds (direct, nodePort, direct,
// ...), so a shared machine's changing load falls on every path alike.
// Each run must meet the scenario's SLOs; the report puts the paths side
// by side: latency p50/p99 and its overhead over the first path, the
// cross-node share, machine CPU per request.
type PathCompare struct {
	// Paths are compared with the first (the reference); default: direct,
	// then nodePort with Cluster.
	Paths []PathProfile `yaml:"paths,omitempty"`
	// Rounds is how many times each path runs (default 2).
	Rounds int `yaml:"rounds,omitempty"`
}

// PathProfile is one data path: the stack.lb fields it sets.
type PathProfile struct {
	// Name labels the path in reports and part folders (default: the path,
	// and the policy for nodePort, in lower case, e.g. "nodeport-local").
	Name                  string `yaml:"name,omitempty"`
	Path                  string `yaml:"path"`
	ExternalTrafficPolicy string `yaml:"externalTrafficPolicy,omitempty"`
}

// defaultPathCompare fills the paths, their names and the rounds.
func (s *Scenario) defaultPathCompare() {
	c := s.PathCompare
	if c == nil {
		return
	}
	if len(c.Paths) == 0 {
		c.Paths = []PathProfile{{Path: PathDirect}, {Path: PathNodePort}}
	}
	def(&c.Rounds, 2)
	for i := range c.Paths {
		p := &c.Paths[i]
		if p.Path == PathNodePort {
			def(&p.ExternalTrafficPolicy, TrafficCluster)
		}
		name := p.Path
		if p.ExternalTrafficPolicy != "" {
			name += "-" + p.ExternalTrafficPolicy
		}
		def(&p.Name, strings.ToLower(name))
	}
}

// ForPath is the plain scenario of one path of a comparison: the same
// stack and load with the path's stack.lb fields, and no comparison.
func (s *Scenario) ForPath(p PathProfile, name string) *Scenario {
	c := *s
	c.Name, c.PathCompare = name, nil
	c.Stack.LB.Path, c.Stack.LB.ExternalTrafficPolicy = p.Path, p.ExternalTrafficPolicy
	if p.Path == PathDirect {
		c.Stack.LB.Path = "" // direct is the unset default: the part resolves as a plain direct run
	}
	c.Stack.LB.defaultDataPath()
	return &c
}

// pathCompare checks a comparison: at least two paths, each a valid one
// under a unique name, a healthy stack, and the path left to the
// profiles.
func (c *checker) pathCompare(s *Scenario) {
	pc := s.PathCompare
	if pc == nil {
		return
	}
	if len(pc.Paths) < 2 {
		c.failf("pathCompare.paths", "at least two paths to compare")
	}
	c.between("pathCompare.rounds", pc.Rounds, 1, 10)
	if s.Stack.LB.Path != "" || s.Stack.LB.ExternalTrafficPolicy != "" {
		c.failf("stack.lb.path", "leave it unset in a pathCompare scenario: pathCompare.paths set it per run")
	}
	if len(s.Faults) > 0 || s.Chaos != nil || s.TLSCompare != nil || s.Capacity != nil {
		c.failf("pathCompare", "compares healthy stacks on one load: no faults, chaos, tlsCompare or capacity")
	}
	var names []string
	for i, p := range pc.Paths {
		at := fmt.Sprintf("pathCompare.paths[%d]", i)
		if slices.Contains(names, p.Name) {
			c.failf(at+".name", "duplicate path name %q", p.Name)
		}
		names = append(names, p.Name)
		if !slugRE.MatchString(p.Name) {
			c.failf(at+".name", "must be a slug: lower-case letters, digits and '-' (it names the path's runs)")
		}
		switch {
		case p.Path != PathDirect && p.Path != PathNodePort:
			c.failf(at+".path", "must be %s or %s", PathDirect, PathNodePort)
		case p.Path == PathDirect && p.ExternalTrafficPolicy != "":
			c.failf(at+".externalTrafficPolicy", "only with path %s", PathNodePort)
		case p.Path == PathNodePort && p.ExternalTrafficPolicy != TrafficCluster && p.ExternalTrafficPolicy != TrafficLocal:
			c.failf(at+".externalTrafficPolicy", "must be %s or %s", TrafficCluster, TrafficLocal)
		}
	}
}
