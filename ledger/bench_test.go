package ledger

import (
	"path/filepath"
	"testing"
	"time"
)

func benchRecord(i int) Record {
	return Record{Seq: uint32(i), Intended: time.Duration(i) * 25 * time.Microsecond, SendLag: 40 * time.Microsecond,
		Latency: 900 * time.Microsecond, Status: 200, LB: 1, Gateway: 2, Backend: 3, Flags: FlagReused, Bytes: 120}
}

func BenchmarkRecordMarshal(b *testing.B) {
	var buf [RecordSize]byte
	r := benchRecord(1)
	b.SetBytes(RecordSize)
	for i := 0; i < b.N; i++ {
		r.Seq = uint32(i)
		r.Marshal(buf[:])
	}
}

func BenchmarkRecordUnmarshal(b *testing.B) {
	var buf [RecordSize]byte
	benchRecord(1).Marshal(buf[:])
	var r Record
	b.SetBytes(RecordSize)
	for i := 0; i < b.N; i++ {
		r.Unmarshal(buf[:])
	}
}

// BenchmarkWriter: the real file path, records from many goroutines.
func BenchmarkWriter(b *testing.B) {
	w, err := Create(filepath.Join(b.TempDir(), ClientFile))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(RecordSize)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := w.Write(benchRecord(i)); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkScan: reading a ledger back, as every verdict does.
func BenchmarkScan(b *testing.B) {
	p := filepath.Join(b.TempDir(), ClientFile)
	w, err := Create(p)
	if err != nil {
		b.Fatal(err)
	}
	const n = 200000
	for i := 0; i < n; i++ {
		if err := w.Write(benchRecord(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var h Histogram
		if err := Scan(p, func(r Record) error { h.Observe(r.Latency); return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}
