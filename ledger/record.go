// Package ledger is the per-request evidence of a run: one fixed-size record
// per request, streamed to disk so memory stays bounded however long the
// run, plus readers and window queries over it.
package ledger

import (
	"encoding/binary"
	"time"
)

// RecordSize is the on-disk size of one record in bytes.
const RecordSize = 32

// Class is the error class of a request; ClassOK means a 2xx/3xx response.
type Class uint8

// Error classes. The order is part of the on-disk format: append only.
const (
	ClassOK Class = iota
	ClassConnectRefused
	ClassConnectTimeout
	ClassReset
	ClassEOF
	ClassTimeout
	ClassTLS
	ClassHTTP4xx
	ClassHTTP5xx
	ClassOther
	ClassNotSent // the run ended before the request could be sent
	classCount
)

var classNames = [...]string{
	ClassOK:             "ok",
	ClassConnectRefused: "connect-refused",
	ClassConnectTimeout: "connect-timeout",
	ClassReset:          "reset",
	ClassEOF:            "eof",
	ClassTimeout:        "timeout",
	ClassTLS:            "tls",
	ClassHTTP4xx:        "http-4xx",
	ClassHTTP5xx:        "http-5xx",
	ClassOther:          "other",
	ClassNotSent:        "not-sent",
}

// String is the class name used in reports and verdict.json.
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// Classes lists every class in order (for stable report rows).
func Classes() []Class {
	out := make([]Class, 0, classCount)
	for c := ClassOK; c < classCount; c++ {
		out = append(out, c)
	}
	return out
}

// Flag bits of a record.
const (
	// FlagReused: the request went out on a reused (keep-alive) connection.
	// With HTTP/2, which multiplexes requests over one connection, every
	// request but the connection's first stream is reused, concurrent or
	// not; the first one is new (it paid for the connect and handshake).
	FlagReused uint8 = 1 << iota
	// FlagRetried: the HTTP client attempted the request more than once
	// (Go's transparent retry); the ledger keeps it visible.
	FlagRetried
	// FlagFailover: a connect to the first address the request tried
	// failed and the request went on to the next address (policy
	// failover); LB is the address that finally carried it. The request
	// never left the client on the failed connects, so a success with
	// this flag is a delivered request, not a retried one.
	FlagFailover
	// FlagResumed: the request's connection was set up with a resumed
	// TLS session (an abbreviated handshake).
	FlagResumed
)

// NoName marks an unknown LB, gateway or backend index.
const NoName = 0xFF

// Record is one request. Times are offsets from the ledger's start so a
// record stays 32 bytes; names are indexes into the ledger's name tables.
type Record struct {
	Seq      uint32        // request id, unique within a run
	Intended time.Duration // scheduled send time, offset from start
	SendLag  time.Duration // actual send time minus intended (client lag)
	Latency  time.Duration // from the intended send time to the response end
	Status   uint16        // HTTP status, 0 when no response
	Class    Class
	LB       uint8 // index into Names.LBs
	Gateway  uint8 // index into Names.Gateways, NoName if unknown
	Backend  uint8 // index into Names.Backends, NoName if unknown
	Flags    uint8
	Phase    uint8
	Bytes    uint32 // response body bytes
}

// OK reports whether the request succeeded.
func (r Record) OK() bool { return r.Class == ClassOK }

// Sent is the actual send time offset.
func (r Record) Sent() time.Duration { return r.Intended + r.SendLag }

// End is the offset at which the request completed (or failed).
func (r Record) End() time.Duration { return r.Intended + r.Latency }

// Marshal encodes r into b (len >= RecordSize). Durations are stored in
// nanoseconds (intended, 8 bytes) and microseconds (lag and latency, 4 bytes
// each: up to 71 minutes).
func (r Record) Marshal(b []byte) {
	_ = b[RecordSize-1]
	binary.LittleEndian.PutUint32(b[0:], r.Seq)
	binary.LittleEndian.PutUint64(b[4:], uint64(r.Intended))
	binary.LittleEndian.PutUint32(b[12:], micros(r.SendLag))
	binary.LittleEndian.PutUint32(b[16:], micros(r.Latency))
	binary.LittleEndian.PutUint16(b[20:], r.Status)
	b[22] = byte(r.Class)
	b[23] = r.LB
	b[24] = r.Gateway
	b[25] = r.Backend
	b[26] = r.Flags
	b[27] = r.Phase
	binary.LittleEndian.PutUint32(b[28:], r.Bytes)
}

// Unmarshal decodes a record written by Marshal.
func (r *Record) Unmarshal(b []byte) {
	_ = b[RecordSize-1]
	r.Seq = binary.LittleEndian.Uint32(b[0:])
	r.Intended = time.Duration(binary.LittleEndian.Uint64(b[4:]))
	r.SendLag = time.Duration(binary.LittleEndian.Uint32(b[12:])) * time.Microsecond
	r.Latency = time.Duration(binary.LittleEndian.Uint32(b[16:])) * time.Microsecond
	r.Status = binary.LittleEndian.Uint16(b[20:])
	r.Class = Class(b[22])
	r.LB = b[23]
	r.Gateway = b[24]
	r.Backend = b[25]
	r.Flags = b[26]
	r.Phase = b[27]
	r.Bytes = binary.LittleEndian.Uint32(b[28:])
}

// micros converts to whole microseconds, rounding up so a non-zero duration
// never records as zero, and saturating instead of wrapping.
func micros(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	us := (d + time.Microsecond - 1) / time.Microsecond
	if us > 0xFFFFFFFF {
		return 0xFFFFFFFF
	}
	return uint32(us)
}
