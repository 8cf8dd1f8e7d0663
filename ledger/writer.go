package ledger

import (
	"bufio"
	"fmt"
	"os"
	"sync"
)

// Writer appends records to a ledger file. It is safe for concurrent use;
// records are buffered and reach the file on Flush and Close, so memory
// stays bounded by the buffer size.
type Writer struct {
	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	n   int64
	buf [RecordSize]byte
}

// Create opens path for writing, truncating it.
func Create(path string) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create ledger: %w", err)
	}
	return &Writer{f: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

// Write appends one record.
func (w *Writer) Write(r Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	r.Marshal(w.buf[:])
	if _, err := w.w.Write(w.buf[:]); err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	w.n++
	return nil
}

// Count is the number of records written so far.
func (w *Writer) Count() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// Flush pushes buffered records to the file.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Flush()
}

// Close flushes and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	ferr := w.w.Flush()
	cerr := w.f.Close()
	if ferr != nil {
		return fmt.Errorf("flush ledger: %w", ferr)
	}
	return cerr
}
