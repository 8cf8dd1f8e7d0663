package runner

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gatecert/gatecert/fixtures/topology"
	"github.com/gatecert/gatecert/reports"
)

// cpuTimes are the machine's cumulative CPU times from /proc/stat's
// "cpu" line, in clock ticks.
type cpuTimes struct {
	idle, steal, total uint64
	at                 time.Time
}

// readCPU reads /proc/stat; ok is false where it cannot be read (the run
// then records no machine load rather than a made-up one).
func readCPU() (cpuTimes, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return cpuTimes{}, false
	}
	var v [8]uint64 // user nice system idle iowait irq softirq steal
	for i := range v {
		v[i], err = strconv.ParseUint(f[i+1], 10, 64)
		if err != nil {
			return cpuTimes{}, false
		}
	}
	t := cpuTimes{idle: v[3] + v[4], steal: v[7], at: time.Now()}
	for _, x := range v {
		t.total += x
	}
	return t, true
}

// loadAvg reads the 1-minute load average; 0 where it cannot.
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	la, _ := strconv.ParseFloat(f[0], 64) // 0 on a malformed file: no figure
	return la
}

// machineLoad is the machine's CPU between two readings.
func machineLoad(a, b cpuTimes) *reports.MachineLoad {
	d := b.total - a.total
	if d == 0 {
		return nil
	}
	steal := float64(b.steal-a.steal) / float64(d)
	idle := float64(b.idle-a.idle) / float64(d)
	return &reports.MachineLoad{
		Cores: runtime.NumCPU(), Duration: reports.Duration(b.at.Sub(a.at).Round(time.Millisecond)),
		Busy: 1 - idle - steal, Steal: steal, LoadAvg: loadAvg(),
	}
}

// samples gathers what the run measured of its own conditions: the
// machine over the load (from start) and each LB's connection peak, where
// the provider reports it; written to samples.json beside the ledger.
func (st *state) samples(topo topology.Topology, start cpuTimes, started bool) (*reports.Samples, error) {
	s := &reports.Samples{}
	if end, ok := readCPU(); ok && started {
		s.Machine = machineLoad(start, end)
	}
	if r, ok := topo.(topology.LBLoadReporter); ok {
		for _, l := range r.LBLoads() {
			s.LBs = append(s.LBs, reports.LBLoad{LB: l.LB, Peak: l.Peak, Limit: l.Limit, Samples: l.Samples, AtLimits: l.AtLimits})
		}
	}
	if err := reports.WriteSamples(st.dir, s); err != nil {
		return nil, fmt.Errorf("write samples: %w", err)
	}
	return s, nil
}
