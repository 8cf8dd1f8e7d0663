package ledger

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
)

// Backend ledger formats (DESIGN.md, "The backend ledger's formats"). A
// format-1 file is bare 12-byte records (what the Kubernetes providers'
// relay still ships); a format-2 file opens with an 8-byte header —
// "GCBL", the format and the record size, little-endian uint16s — and
// holds 20-byte records that add the two addresses of the gateway's side
// of the connection. A reader tells them apart by the header, so runs of
// either format are judged alike.
const (
	BackendFormat1 = 1
	BackendFormat2 = 2

	// BackendRecordSize is the size of one format-1 record.
	BackendRecordSize = 12
	// BackendRecordSizeV2 is the size of one format-2 record: format 1,
	// then Peer and Local as IPv4 addresses.
	BackendRecordSizeV2 = 20

	backendHeaderSize = 8
)

// backendMagic opens a format-2 file. A format-1 file starting with it
// would need a first request id of 1279411015: not a run this harness
// makes.
var backendMagic = [4]byte{'G', 'C', 'B', 'L'}

// BackendRecord is what a backend saw: the request id and when it arrived
// (Unix nanoseconds, wall clock of the same machine as the client), and,
// from format 2, who the gateway was talking to: Peer is the client
// address the gateway saw ($remote_addr: the LB, or the entry node after
// a Cluster hop's SNAT) and Local the gateway's own address on that
// connection ($server_addr: its node). Both are invalid in format 1.
type BackendRecord struct {
	Seq         uint32
	At          int64
	Peer, Local netip.Addr
}

// BackendWriter appends backend records with one write(2) each and no user
// space buffer, so a SIGKILLed backend loses none of its evidence.
type BackendWriter struct {
	f      *os.File
	format int
}

// CreateBackend opens path for appending format-1 records.
func CreateBackend(path string) (*BackendWriter, error) {
	return CreateBackendFormat(path, BackendFormat1)
}

// CreateBackendFormat opens path for appending records of format; a new
// format-2 file gets its header first. A restarted backend appends to the
// file it left, in the format that file has.
func CreateBackendFormat(path string, format int) (*BackendWriter, error) {
	if format != BackendFormat1 && format != BackendFormat2 {
		return nil, fmt.Errorf("create backend ledger: unknown format %d", format)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create backend ledger: %w", err)
	}
	w := &BackendWriter{f: f, format: format}
	st, err := f.Stat()
	if err != nil {
		f.Close() // the stat error is the one to report
		return nil, fmt.Errorf("create backend ledger: %w", err)
	}
	if st.Size() > 0 {
		if w.format, err = fileFormat(path); err != nil {
			f.Close() // the format error is the one to report
			return nil, err
		}
		return w, nil
	}
	if format == BackendFormat2 {
		var h [backendHeaderSize]byte
		copy(h[:], backendMagic[:])
		binary.LittleEndian.PutUint16(h[4:], BackendFormat2)
		binary.LittleEndian.PutUint16(h[6:], BackendRecordSizeV2)
		if _, err := f.Write(h[:]); err != nil {
			f.Close() // the write error is the one to report
			return nil, fmt.Errorf("create backend ledger: header: %w", err)
		}
	}
	return w, nil
}

// fileFormat reads the format of an existing backend ledger.
func fileFormat(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("backend ledger format: %w", err)
	}
	defer f.Close() // read-only
	format, _, err := readHeader(bufio.NewReader(f))
	return format, err
}

// Format is the format this writer appends.
func (w *BackendWriter) Format() int { return w.format }

// Write records one received request; O_APPEND makes concurrent writes of
// whole records atomic.
func (w *BackendWriter) Write(r BackendRecord) error {
	var b [BackendRecordSizeV2]byte
	binary.LittleEndian.PutUint32(b[0:], r.Seq)
	binary.LittleEndian.PutUint64(b[4:], uint64(r.At))
	n := BackendRecordSize
	if w.format == BackendFormat2 {
		putIPv4(b[12:16], r.Peer)
		putIPv4(b[16:20], r.Local)
		n = BackendRecordSizeV2
	}
	_, err := w.f.Write(b[:n])
	return err
}

func putIPv4(b []byte, a netip.Addr) {
	if a.Is4() || a.Is4In6() {
		v := a.Unmap().As4()
		copy(b, v[:])
	}
}

func ipv4(b []byte) netip.Addr {
	a := netip.AddrFrom4([4]byte(b))
	if a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}

// Close closes the file.
func (w *BackendWriter) Close() error { return w.f.Close() }

// readHeader reads a format-2 header if there is one and returns the
// format and a reader positioned at the first record.
func readHeader(br *bufio.Reader) (int, io.Reader, error) {
	h, err := br.Peek(backendHeaderSize)
	if err != nil || !bytes.Equal(h[:4], backendMagic[:]) {
		return BackendFormat1, br, nil // shorter than a header, or no magic: format 1
	}
	format, size := int(binary.LittleEndian.Uint16(h[4:])), int(binary.LittleEndian.Uint16(h[6:]))
	if format != BackendFormat2 || size != BackendRecordSizeV2 {
		return 0, nil, fmt.Errorf("backend ledger: format %d with %d-byte records: not one this version reads", format, size)
	}
	_, _ = br.Discard(backendHeaderSize) // peeked above
	return format, br, nil
}

// ScanBackend calls fn for every record of a backend ledger of either
// format.
func ScanBackend(path string, fn func(BackendRecord) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open backend ledger: %w", err)
	}
	defer f.Close() // read-only
	format, r, err := readHeader(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	size := BackendRecordSize
	if format == BackendFormat2 {
		size = BackendRecordSizeV2
	}
	b := make([]byte, size)
	for {
		if _, err := io.ReadFull(r, b); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil // a torn last record comes from a killed backend
			}
			return fmt.Errorf("read backend ledger: %w", err)
		}
		rec := BackendRecord{Seq: binary.LittleEndian.Uint32(b[0:]), At: int64(binary.LittleEndian.Uint64(b[4:]))}
		if format == BackendFormat2 {
			rec.Peer, rec.Local = ipv4(b[12:16]), ipv4(b[16:20])
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}
