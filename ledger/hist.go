package ledger

import (
	"math"
	"math/bits"
	"time"
)

// Histogram counts durations in log-linear buckets, so quantiles of any
// number of requests take bounded memory. Ledger durations have microsecond
// resolution, so microseconds are what it counts. Values below 2·2^b µs are
// exact; larger ones fall in buckets 1/2^b of their magnitude wide, where b
// is the precision in bits: Precise (10: under 0.1% relative error, the
// zero value) for a run's quantiles, Coarse (4: under 6.25%, a few hundred
// bytes) for one second of a timeline. This is the one histogram of the
// project: the verdict's quantiles, the timeline's and the bench tool's.
type Histogram struct {
	bits     uint8 // 0 means Precise
	counts   []uint32
	n        int64
	min, max time.Duration
}

// Precisions of a Histogram, in bits of sub-bucket per power of two.
const (
	Precise = 10
	Coarse  = 4
)

// NewHistogram returns an empty histogram of the given precision (bits).
func NewHistogram(precision int) Histogram { return Histogram{bits: uint8(precision)} }

func (h *Histogram) precision() int {
	if h.bits == 0 {
		return Precise
	}
	return int(h.bits)
}

// histBucket is v's bucket (v in µs) at b bits of precision.
func histBucket(v uint64, b int) int {
	sub, exact := 1<<b, 2<<b
	if v < uint64(exact) {
		return int(v)
	}
	shift := bits.Len64(v) - b - 1 // leaves v>>shift in [sub, 2*sub)
	return exact + (shift-1)*sub + int(v>>shift) - sub
}

// histHigh is the largest value (µs) of bucket i at b bits.
func histHigh(i, b int) uint64 {
	sub, exact := 1<<b, 2<<b
	if i < exact {
		return uint64(i)
	}
	shift := (i-exact)/sub + 1
	low := uint64((i-exact)%sub+sub) << shift
	return low + (1 << shift) - 1
}

// Observe adds one duration (negative counts as 0).
func (h *Histogram) Observe(d time.Duration) {
	d = max(d, 0)
	i := histBucket(uint64(d/time.Microsecond), h.precision())
	if i >= len(h.counts) {
		n := max(i+1, 2*len(h.counts))
		h.counts = append(h.counts, make([]uint32, n-len(h.counts))...)
	}
	h.counts[i]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	h.max = max(h.max, d)
	h.n++
}

// Merge adds o's counts to h; both must have the same precision.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	if len(o.counts) > len(h.counts) {
		h.counts = append(h.counts, make([]uint32, len(o.counts)-len(h.counts))...)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
}

// Count is the number of observations.
func (h *Histogram) Count() int64 { return h.n }

// Max and Min are the exact extremes (0 when empty).
func (h *Histogram) Max() time.Duration { return h.max }
func (h *Histogram) Min() time.Duration { return h.min }

// Quantile returns the nearest-rank q-quantile (0 < q ≤ 1): the upper bound
// of the bucket holding the ceil(q·n)-th value, capped at the exact
// maximum, so a quantile is never understated. 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var cum int64
	for i, c := range h.counts {
		cum += int64(c)
		if cum >= rank {
			return min(time.Duration(histHigh(i, h.precision()))*time.Microsecond, h.max)
		}
	}
	return h.max
}
