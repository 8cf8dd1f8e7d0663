package ledger

import (
	"fmt"
	"math/bits"
)

// Reconciliation joins the client ledger with the backend ledgers by
// sequence id. Every count is of distinct sequence ids. It is the verdict's
// reconciliation section as is (verdict.json field names).
type Reconciliation struct {
	// Delivered: the client succeeded and a backend received the request.
	Delivered int64 `json:"delivered"`
	// FailedBeforeBackend: the client failed and no backend received it.
	FailedBeforeBackend int64 `json:"failedBeforeBackend"`
	// FailedAfterBackend: the client failed but a backend received it (the
	// dangerous case: the work may have been done).
	FailedAfterBackend int64 `json:"failedAfterBackend"`
	// Duplicates: requests backends received more than once.
	Duplicates int64 `json:"duplicates"`
	// Phantoms: requests backends received that the client never recorded.
	Phantoms int64 `json:"phantoms"`
	// OKUnconfirmed: the client succeeded but no backend ledger has the
	// request (missing or torn backend evidence).
	OKUnconfirmed int64 `json:"okUnconfirmed"`
}

// bitset is a growable set of sequence ids. Seqs are dense (0..N), so a run
// of 10M requests costs 1.25 MB per set.
type bitset []uint64

func (b *bitset) set(i uint32) {
	w := int(i / 64)
	if w >= len(*b) {
		n := max(w+1, 2*len(*b))
		*b = append(*b, make([]uint64, n-len(*b))...)
	}
	(*b)[w] |= 1 << (i % 64)
}

func (b bitset) has(i uint32) bool {
	w := int(i / 64)
	return w < len(b) && b[w]&(1<<(i%64)) != 0
}

// word returns the w-th word, 0 beyond the end.
func (b bitset) word(w int) uint64 {
	if w < len(b) {
		return b[w]
	}
	return 0
}

// Reconciler joins client and backend records by Seq, taken in any order,
// with four bits of memory per request. It is the one reconciliation of
// the project: the verdict's (reports) and any tool's.
type Reconciler struct {
	client bitset // seqs the client recorded
	ok     bitset // seqs the client recorded as successful
	seen   bitset // seqs some backend received, below maxBitsetSeq
	dup    bitset // seqs backends received more than once, below maxBitsetSeq
	// extra counts backend seqs from maxBitsetSeq up, which no real run
	// reaches: kept apart so one corrupt seq cannot allocate a huge bitset.
	extra map[uint32]int
}

// maxBitsetSeq bounds the bitsets (128 MB each at most; a run uses one bit
// per request it sent). The backend sets do not depend on the client's
// range, so a lost client ledger still reconciles in bounded memory.
const maxBitsetSeq = 1 << 30

// AddClient records one client record; a seq recorded twice means the
// ledger is corrupt and every count derived from it would be wrong. A
// record that is not OK (not-sent included) counts as failed.
func (r *Reconciler) AddClient(rec Record) error {
	if rec.Seq >= maxBitsetSeq {
		return fmt.Errorf("client ledger: seq %d out of range", rec.Seq)
	}
	if r.client.has(rec.Seq) {
		return fmt.Errorf("client ledger: seq %d recorded twice", rec.Seq)
	}
	r.client.set(rec.Seq)
	if rec.OK() {
		r.ok.set(rec.Seq)
	}
	return nil
}

// AddBackend records that a backend received seq.
func (r *Reconciler) AddBackend(seq uint32) {
	if seq >= maxBitsetSeq {
		if r.extra == nil {
			r.extra = map[uint32]int{}
		}
		r.extra[seq]++
		return
	}
	if r.seen.has(seq) {
		r.dup.set(seq)
		return
	}
	r.seen.set(seq)
}

// Result counts the join.
func (r *Reconciler) Result() Reconciliation {
	var out Reconciliation
	n := max(len(r.client), len(r.seen), len(r.dup))
	for w := range n {
		c, ok, seen := r.client.word(w), r.ok.word(w), r.seen.word(w)
		failed := c &^ ok
		out.Delivered += int64(bits.OnesCount64(ok & seen))
		out.OKUnconfirmed += int64(bits.OnesCount64(ok &^ seen))
		out.FailedBeforeBackend += int64(bits.OnesCount64(failed &^ seen))
		out.FailedAfterBackend += int64(bits.OnesCount64(failed & seen))
		out.Duplicates += int64(bits.OnesCount64(r.dup.word(w)))
		out.Phantoms += int64(bits.OnesCount64(seen &^ c))
	}
	for _, k := range r.extra {
		out.Phantoms++
		if k > 1 {
			out.Duplicates++
		}
	}
	return out
}

// SeqRange is the lowest and highest sequence id of one kind of
// reconciliation problem, to find them in the ledgers.
type SeqRange struct {
	Name        string // "failed after backend", "duplicates", "phantoms"
	First, Last int64
}

// Ranges returns the seq range of each problem kind that occurred.
func (r *Reconciler) Ranges() []SeqRange {
	n := max(len(r.client), len(r.seen), len(r.dup))
	sets := []struct {
		name string
		f    func(w int) uint64
	}{
		{"failed after backend", func(w int) uint64 { return r.client.word(w) &^ r.ok.word(w) & r.seen.word(w) }},
		{"duplicates", func(w int) uint64 { return r.dup.word(w) }},
		{"phantoms", func(w int) uint64 { return r.seen.word(w) &^ r.client.word(w) }},
	}
	var out []SeqRange
	for _, s := range sets {
		if first, last, ok := bitRange(n, s.f); ok {
			out = append(out, SeqRange{s.name, first, last})
		}
	}
	return out
}

// bitRange returns the lowest and highest set bit of the words f yields
// for w in [0, n).
func bitRange(n int, f func(w int) uint64) (first, last int64, ok bool) {
	for w := range n {
		if x := f(w); x != 0 {
			b := int64(w*64 + bits.TrailingZeros64(x))
			if !ok {
				first = b
			}
			last = int64(w*64 + 63 - bits.LeadingZeros64(x))
			ok = true
		}
	}
	return first, last, ok
}
