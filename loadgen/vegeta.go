package loadgen

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatecert/gatecert/ledger"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// VegetaFile is the Vegeta-compatible results file inside LedgerDir
// (gob-encoded vegeta.Result values: `vegeta report results.bin` and
// `vegeta plot results.bin` work on it).
const VegetaFile = "results.bin"

// attackName is the Attack field of every Vegeta result.
const attackName = "gatecert"

// writeVegetaResults converts the closed client ledger into a Vegeta results
// file, streaming record by record. Timestamps are the intended send times,
// latencies run from them; Error is the ledger class name for failures.
func writeVegetaResults(cfg Config, meta ledger.Meta) (err error) {
	path := filepath.Join(cfg.LedgerDir, VegetaFile)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create vegeta results: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close vegeta results: %w", cerr)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	enc := vegeta.NewEncoder(bw)
	scheme := "http://"
	if cfg.TLS != nil {
		scheme = "https://"
	}
	err = ledger.Scan(filepath.Join(cfg.LedgerDir, ledger.ClientFile), func(r ledger.Record) error {
		res := vegeta.Result{
			Attack:    attackName,
			Seq:       uint64(r.Seq),
			Code:      r.Status,
			Timestamp: meta.Start.Add(r.Intended),
			Latency:   r.Latency,
			BytesIn:   uint64(r.Bytes),
			Method:    cfg.Method,
			URL:       scheme + ledger.Name(meta.LBs, r.LB) + "/",
		}
		if r.Class != ledger.ClassNotSent {
			res.BytesOut = uint64(cfg.BodyBytes)
		}
		if !r.OK() {
			res.Error = r.Class.String()
		}
		return enc(&res)
	})
	if err != nil {
		return fmt.Errorf("write vegeta results: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write vegeta results: %w", err)
	}
	return nil
}
