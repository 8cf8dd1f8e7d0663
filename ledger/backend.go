package ledger

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// BackendRecordSize is the size of one backend ledger record.
const BackendRecordSize = 12

// BackendRecord is what a backend saw: the request id and when it arrived
// (Unix nanoseconds, wall clock of the same machine as the client).
type BackendRecord struct {
	Seq uint32
	At  int64
}

// BackendWriter appends backend records with one write(2) each and no user
// space buffer, so a SIGKILLed backend loses none of its evidence.
type BackendWriter struct{ f *os.File }

// CreateBackend opens path for appending.
func CreateBackend(path string) (*BackendWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create backend ledger: %w", err)
	}
	return &BackendWriter{f: f}, nil
}

// Write records one received request; O_APPEND makes concurrent writes of
// whole records atomic.
func (w *BackendWriter) Write(r BackendRecord) error {
	var b [BackendRecordSize]byte
	binary.LittleEndian.PutUint32(b[0:], r.Seq)
	binary.LittleEndian.PutUint64(b[4:], uint64(r.At))
	_, err := w.f.Write(b[:])
	return err
}

// Close closes the file.
func (w *BackendWriter) Close() error { return w.f.Close() }

// ScanBackend calls fn for every record of a backend ledger.
func ScanBackend(path string, fn func(BackendRecord) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open backend ledger: %w", err)
	}
	defer f.Close() // read-only
	br := bufio.NewReader(f)
	var b [BackendRecordSize]byte
	for {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil // a torn last record comes from a killed backend
			}
			return fmt.Errorf("read backend ledger: %w", err)
		}
		if err := fn(BackendRecord{Seq: binary.LittleEndian.Uint32(b[0:]), At: int64(binary.LittleEndian.Uint64(b[4:]))}); err != nil {
			return err
		}
	}
}
