package reports

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := rng.Uint64N(1 << 40)
		i := bucket(v)
		hi := bucketHigh(i)
		if v > hi || (i > 0 && v <= bucketHigh(i-1)) {
			t.Fatalf("value %d in bucket %d, whose range ends at %d (previous at %d)", v, i, hi, bucketHigh(i-1))
		}
		if v >= histExact && float64(hi-v) > float64(v)/histSub {
			t.Fatalf("value %d: bucket high %d is more than 1/%d above", v, hi, histSub)
		}
	}
	for v := range uint64(histExact) {
		if bucketHigh(bucket(v)) != v {
			t.Fatalf("value %d below %d is not exact", v, histExact)
		}
	}
}

func TestQuantile(t *testing.T) {
	var h histogram
	if h.quantile(0.99) != 0 {
		t.Error("empty histogram has a quantile")
	}
	for i := 1; i <= 100; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{
		0.5: 50 * time.Millisecond, 0.9: 90 * time.Millisecond, 0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond,
	} {
		got := h.quantile(q)
		if got < want || got > want+want/histSub {
			t.Errorf("quantile(%v) = %v, want %v (+0.1%%)", q, got, want)
		}
	}
	h.add(time.Hour)
	if got := h.quantile(1); got != time.Hour {
		t.Errorf("max quantile = %v, want the exact maximum", got)
	}
}
