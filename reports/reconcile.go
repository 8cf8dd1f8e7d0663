package reports

import (
	"fmt"
	"math/bits"

	"github.com/gatecert/gatecert/ledger"
)

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

// reconciler joins the client ledger with the backend ledgers by Seq.
type reconciler struct {
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

// addClient records one client record; a seq recorded twice means the
// ledger is corrupt and every count derived from it would be wrong.
func (r *reconciler) addClient(rec ledger.Record) error {
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

// addBackend records that a backend received seq.
func (r *reconciler) addBackend(seq uint32) {
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

// result counts the join.
func (r *reconciler) result() *Reconciliation {
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
	return &out
}
