// Command benchload drives gatecert's load generator for scripts/bench.sh
// and prints one JSON object per run: what was offered, what was achieved,
// how closely the schedule was kept, and what it cost (CPU, peak memory,
// ledger bytes). With -records it skips the network and pushes that many
// records through the real ledger Writer from concurrent goroutines, to
// measure memory over a very long run.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gatecert/gatecert/ledger"
	"github.com/gatecert/gatecert/loadgen"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// result is what one run prints.
type result struct {
	Mode        string  `json:"mode"`
	Client      string  `json:"client,omitempty"` // the loadgen HTTP client that ran
	Rate        float64 `json:"rate,omitempty"`
	Requests    int64   `json:"requests"`
	OK          int64   `json:"ok"`
	Failed      int64   `json:"failed"`
	NotSent     int64   `json:"notSent"`
	SendSeconds float64 `json:"sendSeconds"` // first to last actual send
	Achieved    float64 `json:"achieved"`    // requests / SendSeconds
	LagP50us    float64 `json:"lagP50us"`
	LagP99us    float64 `json:"lagP99us"`
	LagMaxUs    float64 `json:"lagMaxUs"`
	Saturated   bool    `json:"saturated"`
	Reason      string  `json:"reason,omitempty"`
	Sustained   bool    `json:"sustained"`
	// Achieving is vegeta's criterion: no errors, achieved >= 99% of
	// offered, whatever the send lag.
	Achieving    bool    `json:"achieving"`
	CPUSeconds   float64 `json:"cpuSeconds"`
	CPUPerReqUs  float64 `json:"cpuPerReqUs"`
	LedgerBytes  int64   `json:"ledgerBytes"`
	BytesPerReq  float64 `json:"bytesPerReq"`
	PeakRSSBytes int64   `json:"peakRSSBytes"` // VmHWM
	// RSSMiB samples VmRSS every 5 s during an attack: flat over a long
	// run means bounded memory.
	RSSMiB []float64 `json:"rssMiB,omitempty"`
}

func main() {
	target := flag.String("target", "127.0.0.1:8080", "host:port")
	rate := flag.Float64("rate", 1000, "requests per second")
	method := flag.String("method", "POST", "HTTP method (bodies are empty)")
	dur := flag.Duration("duration", 5*time.Second, "run length")
	maxLag := flag.Duration("max-lag", 5*time.Millisecond, "send-lag p99 above which the run is not sustained")
	client := flag.String("client", "", "loadgen HTTP client: lean, net/http or empty (the default choice)")
	records := flag.Int64("records", 0, "write this many records through the ledger Writer instead of sending requests")
	vegetaFile := flag.String("vegeta", "", "judge this vegeta results file (attack at -rate) by the same criteria instead of sending requests")
	dir := flag.String("dir", "", "ledger directory (default: a temporary one, removed)")
	prof := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.Parse()
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchload:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "benchload:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if *vegetaFile != "" {
		r, err := judgeVegeta(*vegetaFile, *rate, *maxLag)
		if err == nil {
			err = json.NewEncoder(os.Stdout).Encode(r)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchload:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*target, *method, *client, *rate, *dur, *maxLag, *records, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "benchload:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(target, method, client string, rate float64, dur, maxLag time.Duration, records int64, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "benchload-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d) // scratch ledger
		dir = d
	}
	var r result
	var err error
	if records > 0 {
		r, err = writeRecords(dir, records)
	} else {
		r, err = attack(dir, target, method, client, rate, dur, maxLag)
	}
	if err != nil {
		return err
	}
	if r.Mode == "records" {
		r.CPUSeconds = cpuSeconds()
	}
	if r.Requests > 0 {
		r.CPUPerReqUs = r.CPUSeconds / float64(r.Requests) * 1e6
	}
	if fi, err := os.Stat(filepath.Join(dir, ledger.ClientFile)); err == nil {
		r.LedgerBytes = fi.Size()
		if r.Requests > 0 {
			r.BytesPerReq = float64(fi.Size()) / float64(r.Requests)
		}
	}
	r.PeakRSSBytes = vmHWM()
	return json.NewEncoder(os.Stdout).Encode(r)
}

func attack(dir, target, method, client string, rate float64, dur, maxLag time.Duration) (result, error) {
	var rss []float64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				rss = append(rss, float64(procStatus("VmRSS:")*10/1048576)/10)
			}
		}
	}()
	// CPU of the attack alone: not the process start, not the ledger
	// scan below.
	cpu0 := cpuSeconds()
	st, err := loadgen.Run(context.Background(), loadgen.Config{
		Targets: []string{target}, Rate: rate, Duration: dur, Method: method,
		Timeout: 5 * time.Second, LedgerDir: dir, SaturationLag: maxLag, Client: client,
	})
	cpu := cpuSeconds() - cpu0
	close(stop)
	<-sampled
	if err != nil {
		return result{}, err
	}
	r := result{Mode: "attack", Client: st.Client, Rate: rate, RSSMiB: rss, CPUSeconds: cpu, Requests: st.Scheduled, OK: st.OK, Failed: st.Failed, NotSent: st.NotSent,
		Saturated: st.Saturated, Reason: st.SaturationReason}
	// Schedule accuracy and achieved rate from the ledger itself.
	var lag ledger.Histogram
	first, last := time.Duration(1<<62), time.Duration(0)
	err = ledger.Scan(filepath.Join(dir, ledger.ClientFile), func(rec ledger.Record) error {
		if rec.Class == ledger.ClassNotSent {
			return nil
		}
		lag.Observe(rec.SendLag)
		first, last = min(first, rec.Sent()), max(last, rec.Sent())
		return nil
	})
	if err != nil {
		return r, err
	}
	r.LagP50us = us(lag.Quantile(0.5))
	r.LagP99us = us(lag.Quantile(0.99))
	r.LagMaxUs = us(lag.Max())
	// The schedule spans (n-1)/rate; the sends span first..last.
	if n := st.Sent; n > 1 && last > first {
		r.SendSeconds = (last - first).Seconds()
		r.Achieved = float64(n-1) / r.SendSeconds
	}
	r.Achieving = r.Failed == 0 && r.NotSent == 0 && r.Achieved >= 0.99*rate
	r.Sustained = r.Achieving && !r.Saturated
	return r, nil
}

// writeRecords pushes n records through the Writer from 8 goroutines, as
// the workers of a run do.
func writeRecords(dir string, n int64) (result, error) {
	w, err := ledger.Create(filepath.Join(dir, ledger.ClientFile))
	if err != nil {
		return result{}, err
	}
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	start := time.Now()
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int64(g); i < n; i += writers {
				rec := ledger.Record{Seq: uint32(i), Intended: time.Duration(i) * 25 * time.Microsecond,
					SendLag: 30 * time.Microsecond, Latency: time.Millisecond, Status: 200, Gateway: 1, Backend: 2,
					Flags: ledger.FlagReused, Bytes: 2}
				if err := w.Write(rec); err != nil {
					errs[g] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return result{}, err
		}
	}
	if err := w.Close(); err != nil {
		return result{}, err
	}
	el := time.Since(start).Seconds()
	return result{Mode: "records", Requests: n, OK: n, SendSeconds: el, Achieved: float64(n) / el}, nil
}

// judgeVegeta applies the sustained criteria to a vegeta attack: request
// i was due at t0 + i/rate, t0 being the first timestamp; vegeta stamps a
// result when a worker picks the hit up, which is its send time.
func judgeVegeta(path string, rate float64, maxLag time.Duration) (result, error) {
	f, err := os.Open(path)
	if err != nil {
		return result{}, err
	}
	defer f.Close() // read-only
	dec := vegeta.NewDecoder(bufio.NewReader(f))
	var all []vegeta.Result
	for {
		var res vegeta.Result
		if err := dec.Decode(&res); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return result{}, fmt.Errorf("decode %s: %w", path, err)
		}
		res.Headers, res.Body = nil, nil
		all = append(all, res)
	}
	r := result{Mode: "vegeta", Rate: rate, Requests: int64(len(all))}
	if len(all) < 2 {
		return r, nil
	}
	t0, last := all[0].Timestamp, all[0].Timestamp
	for _, res := range all {
		if res.Timestamp.Before(t0) {
			t0 = res.Timestamp
		}
		if res.Timestamp.After(last) {
			last = res.Timestamp
		}
	}
	var lag ledger.Histogram
	for _, res := range all {
		if res.Error != "" || res.Code < 200 || res.Code >= 400 {
			r.Failed++
		} else {
			r.OK++
		}
		due := t0.Add(time.Duration(float64(res.Seq) / rate * 1e9))
		lag.Observe(res.Timestamp.Sub(due))
	}
	r.LagP50us, r.LagP99us, r.LagMaxUs = us(lag.Quantile(0.5)), us(lag.Quantile(0.99)), us(lag.Max())
	r.SendSeconds = last.Sub(t0).Seconds()
	r.Achieved = float64(len(all)-1) / r.SendSeconds
	r.Achieving = r.Failed == 0 && r.Achieved >= 0.99*rate
	r.Saturated = lag.Quantile(0.99) > maxLag
	r.Sustained = r.Achieving && !r.Saturated
	return r, nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// vmHWM is the process's peak resident set size.
func vmHWM() int64 { return procStatus("VmHWM:") }

// procStatus reads a size field (kB) of /proc/self/status, in bytes.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseInt(f[1], 10, 64) // malformed: 0
			return kb * 1024
		}
	}
	return 0
}
