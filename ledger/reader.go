package ledger

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
)

// Scan calls fn for every record in the file at path, in file order
// (completion order, not sequence order), with bounded memory.
func Scan(path string, fn func(Record) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open ledger: %w", err)
	}
	defer f.Close() // read-only: a close error cannot lose data
	br := bufio.NewReaderSize(f, 1<<16)
	var b [RecordSize]byte
	var r Record
	for {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("ledger %s: truncated record", path)
			}
			return fmt.Errorf("read ledger: %w", err)
		}
		r.Unmarshal(b[:])
		if err := fn(r); err != nil {
			return err
		}
	}
}

// ReadAll loads every record of path; for tests and small ledgers.
func ReadAll(path string) ([]Record, error) {
	var out []Record
	err := Scan(path, func(r Record) error { out = append(out, r); return nil })
	return out, err
}
