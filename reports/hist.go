package reports

import (
	"math"
	"math/bits"
	"time"
)

// histogram counts durations in log-linear buckets so quantiles of any
// number of requests take bounded memory: values below 2048 µs are exact,
// larger ones fall in buckets 1/1024 of their magnitude wide (relative
// error under 0.1%). Ledger durations have microsecond resolution, so that
// is the unit counted.
type histogram struct {
	counts []int64
	n      int64
	max    time.Duration
}

const (
	histSubBits = 10
	histSub     = 1 << histSubBits // buckets per power of two
	histExact   = 2 * histSub      // values below this are their own bucket
)

// bucket returns the bucket index of v (microseconds).
func bucket(v uint64) int {
	if v < histExact {
		return int(v)
	}
	shift := bits.Len64(v) - histSubBits - 1 // leaves v>>shift in [histSub, 2*histSub)
	return histExact + (shift-1)*histSub + int(v>>shift) - histSub
}

// bucketHigh returns the largest value (microseconds) that falls in bucket i.
func bucketHigh(i int) uint64 {
	if i < histExact {
		return uint64(i)
	}
	shift := (i-histExact)/histSub + 1
	low := uint64((i-histExact)%histSub+histSub) << shift
	return low + (1 << shift) - 1
}

func (h *histogram) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	i := bucket(uint64(d / time.Microsecond))
	if i >= len(h.counts) {
		n := max(i+1, 2*len(h.counts), histExact)
		h.counts = append(h.counts, make([]int64, n-len(h.counts))...)
	}
	h.counts[i]++
	h.n++
	h.max = max(h.max, d)
}

// quantile returns the nearest-rank q-quantile (0 < q <= 1): the smallest
// bucket value at or below which at least ceil(q*n) values lie, reported as
// the bucket's upper bound (never above the true maximum), so a quantile is
// never understated. It is 0 for an empty histogram.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var cum int64
	for i, c := range h.counts {
		cum += c
		if cum >= rank {
			return min(time.Duration(bucketHigh(i))*time.Microsecond, h.max)
		}
	}
	return h.max
}

// secHist is a coarse histogram for one second of the timeline: values
// below 32 µs are exact, larger ones fall in buckets 1/16 of their
// magnitude wide (relative error under 4.5%), counted in 32 bits, so a
// second costs at most 2 KB however many requests it holds.
type secHist struct {
	counts []uint32
	n      uint32
}

const secSubBits = 4

func secBucket(v uint64) int {
	const sub, exact = 1 << secSubBits, 2 << secSubBits
	if v < exact {
		return int(v)
	}
	shift := bits.Len64(v) - secSubBits - 1
	return exact + (shift-1)*sub + int(v>>shift) - sub
}

func secBucketHigh(i int) uint64 {
	const sub, exact = 1 << secSubBits, 2 << secSubBits
	if i < exact {
		return uint64(i)
	}
	shift := (i-exact)/sub + 1
	low := uint64((i-exact)%sub+sub) << shift
	return low + (1 << shift) - 1
}

func (h *secHist) add(d time.Duration) {
	i := secBucket(uint64(max(d, 0) / time.Microsecond))
	if i >= len(h.counts) {
		h.counts = append(h.counts, make([]uint32, i+1-len(h.counts))...)
	}
	h.counts[i]++
	h.n++
}

// quantile is the nearest-rank q-quantile as its bucket's upper bound,
// capped at maxv (the true maximum), so never understated; 0 when empty.
func (h *secHist) quantile(q float64, maxv time.Duration) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := min(max(uint32(math.Ceil(q*float64(h.n))), 1), h.n)
	var cum uint32
	for i, c := range h.counts {
		cum += c
		if cum >= rank {
			return min(time.Duration(secBucketHigh(i))*time.Microsecond, maxv)
		}
	}
	return maxv
}
