package spec

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sec(f float64) Duration { return Duration(f * float64(time.Second)) }

func decodeFile(t *testing.T, path string) *Scenario {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Decode(filepath.Base(path), data)
	if err != nil {
		t.Fatalf("Decode %s:\n%v", path, err)
	}
	return s
}

func TestDecodeFull(t *testing.T) {
	got := decodeFile(t, "testdata/full.yaml")
	want := Scenario{
		Name:        "rolling-restart-graceful",
		Description: "Rolling restart of every replica with a readiness drain.",
		Expect:      ExpectPass,
		Stack: StackProfile{
			Zones:           2,
			NodesPerZone:    3,
			GatewaysPerNode: 2,
			LoadBalancers:   1,
			Gateway: GatewayProfile{
				ReadinessDrain:         true,
				PreStop:                sec(5),
				StopSignal:             StopSignalTerm,
				TerminationGracePeriod: sec(45),
				KeepaliveRequests:      1000,
				KeepaliveTime:          sec(3600),
				KeepaliveTimeout:       sec(75),
				WorkerProcesses:        2,
				RestartDelay:           sec(0.25),
				UpstreamTimeout:        sec(15),
			},
			LB: LBProfile{
				HealthCheck:      HealthCheck{Interval: sec(0.2), Rise: 3, Fall: 1},
				ShutdownSessions: true,
				ConnectTimeout:   sec(2),
				Retries:          1,
				Removal:          RemovalDrain,
				DrainTimeout:     sec(10),
			},
		},
		Load: Load{
			Rate:           500,
			Duration:       sec(120),
			Method:         "PUT",
			BodyBytes:      1024,
			BackendDelay:   sec(0.05),
			Timeout:        sec(5),
			ConnectTimeout: sec(0.5),
			IdleTimeout:    sec(4),
			MaxWorkers:     2000,
		},
		Faults: []Fault{
			{Name: "first-pod", Kind: FaultPodTerminate, At: sec(10), Target: "z2n3-gw1"},
			{Name: FaultRollingRestart, Kind: FaultRollingRestart, At: sec(30), Target: TargetAll, MaxUnavailable: 2},
		},
		SLOs: []SLO{{Kind: SLOZeroLoss, Window: WindowRun}, {Kind: SLOAvailability, Min: 0.999, Window: WindowRun}},
	}
	gotNoSource := *got
	gotNoSource.Source = Source{}
	if !reflect.DeepEqual(gotNoSource, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", gotNoSource, want)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate:\n%v", err)
	}

	if got.Source.File != "full.yaml" {
		t.Errorf("Source.File = %q, want full.yaml", got.Source.File)
	}
	for path, line := range map[string]int{
		"name":                          2,
		"stack":                         5,
		"stack.gateway":                 10,
		"stack.gateway.preStop":         12,
		"stack.lb.healthCheck.interval": 22,
		"stack.lb.retries":              27,
		"load.duration":                 30,
		"faults":                        38,
		"faults[0]":                     39,
		"faults[0].at":                  41,
		"faults[1]":                     43,
		"faults[1].maxUnavailable":      46,
		"slos[1]":                       49,
		"slos[1].min":                   50,
	} {
		if got := got.Source.Lines[path]; got != line {
			t.Errorf("Source.Lines[%q] = %d, want %d", path, got, line)
		}
	}
	// Line falls back to the closest parent that is in the file.
	if l := got.Source.Line("faults[1].name"); l != 43 {
		t.Errorf(`Source.Line("faults[1].name") = %d, want 43`, l)
	}
}

func TestDecodeDefaults(t *testing.T) {
	s := decodeFile(t, "testdata/minimal.yaml")
	checks := []struct {
		path     string
		got, def any
	}{
		{"load.method", s.Load.Method, "POST"},
		{"load.bodyBytes", s.Load.BodyBytes, 64},
		{"load.timeout", s.Load.Timeout, sec(10)},
		{"load.connectTimeout", s.Load.ConnectTimeout, sec(1)},
		{"load.idleTimeout", s.Load.IdleTimeout, sec(1)},
		{"load.maxWorkers", s.Load.MaxWorkers, 10000},
		{"load.backendDelay", s.Load.BackendDelay, sec(0)},
		{"stack.gatewaysPerNode", s.Stack.GatewaysPerNode, 1},
		{"stack.loadBalancers", s.Stack.LoadBalancers, 2},
		{"stack.gateway.stopSignal", s.Stack.Gateway.StopSignal, StopSignalQuit},
		{"stack.gateway.terminationGracePeriod", s.Stack.Gateway.TerminationGracePeriod, sec(30)},
		{"stack.gateway.keepaliveRequests", s.Stack.Gateway.KeepaliveRequests, 100},
		{"stack.gateway.keepaliveTimeout", s.Stack.Gateway.KeepaliveTimeout, sec(5)},
		{"stack.gateway.workerProcesses", s.Stack.Gateway.WorkerProcesses, 1},
		{"stack.gateway.restartDelay", s.Stack.Gateway.RestartDelay, sec(0)},
		{"stack.lb.healthCheck", s.Stack.LB.HealthCheck, HealthCheck{Interval: sec(0.5), Rise: 2, Fall: 2}},
		{"stack.lb.connectTimeout", s.Stack.LB.ConnectTimeout, sec(1)},
		{"stack.lb.retries", s.Stack.LB.Retries, 0},
		{"stack.lb.drainTimeout", s.Stack.LB.DrainTimeout, sec(10)},
		{"stack.gateway.upstreamTimeout", s.Stack.Gateway.UpstreamTimeout, sec(15)},
		{"faults[0].name", s.Faults[0].Name, FaultRollingRestart},
		{"faults[0].maxUnavailable", s.Faults[0].MaxUnavailable, 1},
		{"faults[1].name", s.Faults[1].Name, FaultPodTerminate},
		{"faults[1].maxUnavailable", s.Faults[1].MaxUnavailable, 0}, // pod-terminate takes none
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.def) {
			t.Errorf("%s = %v, want default %v", c.path, c.got, c.def)
		}
	}
	if err := s.Validate(); err != nil {
		t.Errorf("Validate:\n%v", err)
	}

	// Defaults only fills zeros: applying it again changes nothing.
	again := *s
	again.Faults = append([]Fault(nil), s.Faults...)
	again.Defaults()
	if !reflect.DeepEqual(&again, s) {
		t.Errorf("second Defaults changed the scenario:\n%+v\n%+v", again, *s)
	}
}

func TestLoadFile(t *testing.T) {
	s, err := LoadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Source.File != "testdata/full.yaml" {
		t.Errorf("Source.File = %q, want the path as given", s.Source.File)
	}

	// LoadFile validates, and names the file as given.
	_, err = LoadFile("testdata/bad/negative-fault-at.yaml")
	if want := "testdata/bad/negative-fault-at.yaml:12: faults[1].at: must be >= 0"; err == nil || err.Error() != want {
		t.Errorf("LoadFile bad: got %v, want %s", err, want)
	}

	_, err = LoadFile("testdata/no-such.yaml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadFile missing file: got %v, want fs.ErrNotExist", err)
	}
}

func TestDecodeAliases(t *testing.T) {
	// Aliases are followed; a problem in an aliased value is reported where
	// the alias is used.
	in := strings.Join([]string{
		"name: aliases",
		"stack: {zones: 1, nodesPerZone: 1}",
		"load: {rate: &r 100, duration: 10s, maxWorkers: *r}",
		"faults:",
		"  - &f {kind: pod-terminate, at: 1s}",
		"  - *f",
		"slos: [{kind: zeroLoss, min: &bad oops}]",
		"description: *bad",
		"",
	}, "\n")
	s, err := Decode("a.yaml", []byte(in))
	want := `a.yaml:7: slos[0].min: want a number, got "oops"`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	in = strings.Replace(in, "min: &bad oops", "min: &bad 0.5", 1)
	in = strings.Replace(in, "zeroLoss", "availability", 1)
	if s, err = Decode("a.yaml", []byte(in)); err != nil {
		t.Fatal(err)
	}
	if s.Load.MaxWorkers != 100 || len(s.Faults) != 2 || s.Faults[1].At != sec(1) || s.Description != "0.5" {
		t.Errorf("aliases not followed: %+v", s)
	}
}

// FuzzDecode checks that no input makes Decode, Validate or Replicas panic,
// and that every failure is reported as Problems. Run it on purpose:
//
//	go test -run '^$' -fuzz FuzzDecode -fuzztime 20s ./scenarios/spec/
func FuzzDecode(f *testing.F) {
	for _, glob := range []string{"testdata/*.yaml", "testdata/bad/*.yaml"} {
		files, err := filepath.Glob(glob)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode("fuzz.yaml", data)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Decode error is not Problems: %#v", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Validate error is not Problems: %#v", err)
			}
			return
		}
		if n := len(s.Replicas()); n < 1 || n > 9*9*4 {
			t.Fatalf("valid scenario has %d replicas", n)
		}
	})
}
