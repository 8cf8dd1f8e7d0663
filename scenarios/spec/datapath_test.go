package spec

import (
	"strings"
	"testing"
)

// A direct scenario keeps the data-path fields unset (its resolved form
// is unchanged); nodePort gets Cluster and an http check.
func TestDataPathDefaults(t *testing.T) {
	s := valid()
	s.Defaults()
	if lb := s.Stack.LB; lb.Path != "" || lb.ExternalTrafficPolicy != "" || lb.HealthCheck.Type != "" {
		t.Errorf("direct scenario: path %q policy %q check %q, want all unset", lb.Path, lb.ExternalTrafficPolicy, lb.HealthCheck.Type)
	}
	if s.Stack.LB.IsNodePort() || s.Stack.LB.HealthCheck.CheckType() != CheckHTTP {
		t.Errorf("direct scenario reads as nodePort %v, check %q", s.Stack.LB.IsNodePort(), s.Stack.LB.HealthCheck.CheckType())
	}
	s.Stack.LB.Path = PathNodePort
	s.Defaults()
	if lb := s.Stack.LB; lb.ExternalTrafficPolicy != TrafficCluster || lb.HealthCheck.Type != CheckHTTP {
		t.Errorf("nodePort: policy %q check %q, want Cluster, http", lb.ExternalTrafficPolicy, lb.HealthCheck.Type)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("valid nodePort scenario: %v", err)
	}
}

func TestValidateDataPath(t *testing.T) {
	tests := []struct {
		name string
		lb   func(lb *LBProfile)
		want string // "" : valid
	}{
		{"local", func(lb *LBProfile) { lb.Path, lb.ExternalTrafficPolicy = PathNodePort, TrafficLocal }, ""},
		{"tcp check on direct", func(lb *LBProfile) { lb.HealthCheck.Type = CheckTCP }, ""},
		{"bad path", func(lb *LBProfile) { lb.Path = "hostPort" }, "stack.lb.path: must be direct or nodePort"},
		{"policy with direct", func(lb *LBProfile) { lb.Path, lb.ExternalTrafficPolicy = PathDirect, TrafficLocal },
			"stack.lb.externalTrafficPolicy: only with path nodePort"},
		{"policy without path", func(lb *LBProfile) { lb.ExternalTrafficPolicy = TrafficCluster },
			"stack.lb.externalTrafficPolicy: only with path nodePort"},
		{"bad policy", func(lb *LBProfile) { lb.Path, lb.ExternalTrafficPolicy = PathNodePort, "local" },
			"stack.lb.externalTrafficPolicy: must be Cluster or Local"},
		{"bad check type", func(lb *LBProfile) { lb.HealthCheck.Type = "https" }, "stack.lb.healthCheck.type: must be http or tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			s.Defaults()
			tt.lb(&s.Stack.LB)
			err := s.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("want valid, got %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// The nodePort hop is built for one-region stacks only: a multi-region
// one says so rather than running a path it does not build.
func TestValidateDataPathOneRegion(t *testing.T) {
	s := valid()
	s.Stack.Regions = []Region{{Name: "eu"}, {Name: "us"}}
	s.Stack.LB.Path = PathNodePort
	s.Defaults()
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "stack.lb.path: nodePort is not built for multi-region stacks yet") {
		t.Errorf("got %v, want the one-region refusal", err)
	}
}
