package ledger

import (
	"fmt"
	"path/filepath"
)

// Reconciliation joins a client ledger with the backend ledgers by request
// id. Every client record lands in exactly one of Delivered, Unconfirmed,
// FailedBeforeBackend, FailedAfterBackend or NotSent; Duplicates and
// Phantoms count backend-side ids.
type Reconciliation struct {
	ClientRecords  int64 `json:"clientRecords"`
	BackendRecords int64 `json:"backendRecords"`
	// Delivered: the client saw success and a backend received it.
	Delivered int64 `json:"delivered"`
	// Unconfirmed: the client saw success but no backend ledger has the
	// id (a lost backend ledger, or an answer from something other than a
	// backend, such as a gateway error page with a 2xx status).
	Unconfirmed int64 `json:"unconfirmed"`
	// FailedBeforeBackend: the client saw a failure and no backend
	// received the request: it can be retried safely.
	FailedBeforeBackend int64 `json:"failedBeforeBackend"`
	// FailedAfterBackend: the client saw a failure but a backend processed
	// the request (the dangerous case: a retry would do it twice).
	FailedAfterBackend int64 `json:"failedAfterBackend"`
	// NotSent: scheduled, never sent (the run was stopped).
	NotSent int64 `json:"notSent"`
	// Duplicates: ids received by backends more than once (retries by a
	// load balancer or gateway), counted once per id.
	Duplicates int64 `json:"duplicates"`
	// Phantoms: ids backends received that the client never sent (no
	// client record, or a not-sent one), counted once per id.
	Phantoms int64 `json:"phantoms"`
}

// Per-id state bits of a Reconciler.
const (
	recClient  = 1 << iota // the client recorded the id
	recOK                  // ... as a success
	recNotSent             // ... as never sent
	recSeen1               // a backend received it once
	recSeen2               // ... or more than once
)

// maxReconcileSeq bounds the per-id table (1 byte per id, 1 GiB at most;
// a real run uses one byte per request). Larger ids come from a corrupt
// ledger and are reported, not allocated for.
const maxReconcileSeq = 1 << 30

// Reconciler accumulates client and backend records in any order, with
// one byte of memory per request id.
type Reconciler struct {
	state          []uint8
	client, server int64
	badBackend     int64 // backend ids beyond maxReconcileSeq
}

func (rc *Reconciler) at(seq uint32) *uint8 {
	i := int(seq)
	if i >= len(rc.state) {
		n := max(i+1, 2*len(rc.state), 1024)
		rc.state = append(rc.state, make([]uint8, n-len(rc.state))...)
	}
	return &rc.state[i]
}

// AddClient takes one client record; an id recorded twice is an error
// (the ledger is corrupt and every count would be wrong).
func (rc *Reconciler) AddClient(r Record) error {
	if r.Seq >= maxReconcileSeq {
		return fmt.Errorf("reconcile: client seq %d out of range", r.Seq)
	}
	s := rc.at(r.Seq)
	if *s&recClient != 0 {
		return fmt.Errorf("reconcile: client seq %d recorded twice", r.Seq)
	}
	*s |= recClient
	switch {
	case r.OK():
		*s |= recOK
	case r.Class == ClassNotSent:
		*s |= recNotSent
	}
	rc.client++
	return nil
}

// AddBackend takes one id a backend received.
func (rc *Reconciler) AddBackend(seq uint32) {
	rc.server++
	if seq >= maxReconcileSeq {
		rc.badBackend++
		return
	}
	s := rc.at(seq)
	if *s&recSeen1 != 0 {
		*s |= recSeen2
	}
	*s |= recSeen1
}

// Result computes the counts.
func (rc *Reconciler) Result() Reconciliation {
	out := Reconciliation{ClientRecords: rc.client, BackendRecords: rc.server, Phantoms: rc.badBackend}
	for _, s := range rc.state {
		seen := s&recSeen1 != 0
		if s&recSeen2 != 0 {
			out.Duplicates++
		}
		switch {
		case s&recClient == 0 || s&recNotSent != 0:
			if s&recClient != 0 {
				out.NotSent++
			}
			if seen {
				out.Phantoms++
			}
		case s&recOK != 0 && seen:
			out.Delivered++
		case s&recOK != 0:
			out.Unconfirmed++
		case seen:
			out.FailedAfterBackend++
		default:
			out.FailedBeforeBackend++
		}
	}
	return out
}

// Reconcile streams the client ledger at clientPath and every backend
// ledger in backendPaths.
func Reconcile(clientPath string, backendPaths []string) (Reconciliation, error) {
	var rc Reconciler
	if err := Scan(clientPath, rc.AddClient); err != nil {
		return Reconciliation{}, err
	}
	for _, p := range backendPaths {
		err := ScanBackend(p, func(r BackendRecord) error { rc.AddBackend(r.Seq); return nil })
		if err != nil {
			return Reconciliation{}, fmt.Errorf("%s: %w", p, err)
		}
	}
	return rc.Result(), nil
}

// ReconcileDir reconciles dir/client.ledger with dir/backend-*.ledger.
func ReconcileDir(dir string) (Reconciliation, error) {
	backends, err := filepath.Glob(filepath.Join(dir, BackendGlob))
	if err != nil {
		return Reconciliation{}, fmt.Errorf("reconcile: %w", err)
	}
	return Reconcile(filepath.Join(dir, ClientFile), backends)
}
