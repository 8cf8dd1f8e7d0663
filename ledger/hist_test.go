package ledger

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestHistogramBucketBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, b := range []int{Coarse, Precise} {
		sub, exact := uint64(1)<<b, uint64(2)<<b
		for range 100000 {
			v := rng.Uint64N(1 << 40)
			i := histBucket(v, b)
			hi := histHigh(i, b)
			if v > hi || (i > 0 && v <= histHigh(i-1, b)) {
				t.Fatalf("bits %d: value %d in bucket %d, whose range ends at %d (previous at %d)", b, v, i, hi, histHigh(i-1, b))
			}
			if v >= exact && float64(hi-v) > float64(v)/float64(sub) {
				t.Fatalf("bits %d: value %d: bucket high %d is more than 1/%d above", b, v, hi, sub)
			}
		}
		for v := range exact {
			if histHigh(histBucket(v, b), b) != v {
				t.Fatalf("bits %d: value %d below %d is not exact", b, v, exact)
			}
		}
	}
}

func TestHistogramQuantile(t *testing.T) {
	for _, h := range []Histogram{{}, NewHistogram(Coarse)} {
		if h.Quantile(0.99) != 0 {
			t.Error("empty histogram has a quantile")
		}
		for i := 1; i <= 100; i++ {
			h.Observe(time.Duration(i) * time.Millisecond)
		}
		tol := time.Duration(1) << h.precision()
		for q, want := range map[float64]time.Duration{
			0.5: 50 * time.Millisecond, 0.9: 90 * time.Millisecond, 0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond,
		} {
			got := h.Quantile(q)
			if got < want || got > want+want/tol {
				t.Errorf("bits %d: Quantile(%v) = %v, want %v (+1/%d)", h.precision(), q, got, want, tol)
			}
		}
		h.Observe(time.Hour)
		if got := h.Quantile(1); got != time.Hour || h.Max() != time.Hour || h.Min() != time.Millisecond || h.Count() != 101 {
			t.Errorf("bits %d: max quantile %v, max %v, min %v, count %d", h.precision(), got, h.Max(), h.Min(), h.Count())
		}
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b Histogram
	a.Observe(time.Millisecond)
	b.Observe(3 * time.Second)
	b.Observe(2 * time.Millisecond)
	a.Merge(&b)
	if a.Count() != 3 || a.Max() != 3*time.Second || a.Min() != time.Millisecond || a.Quantile(0.5) != 2*time.Millisecond {
		t.Errorf("merged: count %d max %v min %v p50 %v", a.Count(), a.Max(), a.Min(), a.Quantile(0.5))
	}
}
