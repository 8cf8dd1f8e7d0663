package loadgen

import (
	"bytes"
	"errors"
	"io"

	"github.com/gatecert/gatecert/ledger"
)

// The HTTP/1.1 response parser of the lean client: just enough of RFC 9112
// to find where a response ends and what it says about its connection. It
// is incremental (the event loop feeds it whatever bytes a read brought)
// and works in the connection's own buffer, allocating nothing.

// Sizes of a connection's read buffer: it starts at readBufSize and grows
// (once, allocating) for a response head that does not fit, up to
// maxHeadSize.
const (
	readBufSize = 4 << 10
	maxHeadSize = 64 << 10
)

// Errors of a response that cannot be read. Classify files them as other,
// as it does net/http's "malformed HTTP response".
var (
	errMalformed   = errors.New("loadgen: malformed HTTP response")
	errHeadTooLong = errors.New("loadgen: HTTP response head too long")
)

// response is what the parser learnt of one response.
type response struct {
	status  int
	bytes   int64 // body bytes
	keep    bool  // the connection may carry another request
	gateway uint8
	backend uint8
}

// Parser phases.
const (
	phHead       = iota // status line and header fields
	phLength            // body of known length: left bytes to go
	phChunkSize         // chunked body: next chunk-size line
	phChunkData         // chunked body: left bytes of the chunk
	phChunkCRLF         // chunked body: the CRLF after a chunk
	phTrailer           // chunked body: trailer fields up to the empty line
	phUntilClose        // body ended by the connection's close
	phDone
)

// parser is the state of the response being read on one connection.
type parser struct {
	phase int
	left  int64
	got   bool // some byte of this response arrived
	resp  response
	head  bool // the request was HEAD: no body
	gw    *nameCache
	be    *nameCache
	names [2]*names // gateways, backends
}

// reset prepares p for the response to the next request.
func (p *parser) reset(head bool) {
	p.phase, p.left, p.got, p.head = phHead, 0, false, head
	p.resp = response{gateway: ledger.NoName, backend: ledger.NoName}
}

// feed parses what it can of buf and returns how many bytes it consumed.
// The response is complete when p.phase is phDone; with phUntilClose it
// completes at the end of the stream (eof).
func (p *parser) feed(buf []byte) (int, error) {
	used := 0
	if len(buf) > 0 {
		p.got = true
	}
	for used < len(buf) || p.phase == phDone {
		rest := buf[used:]
		switch p.phase {
		case phDone:
			return used, nil
		case phHead:
			end := headEnd(rest)
			if end < 0 {
				if len(rest) >= maxHeadSize {
					return used, errHeadTooLong
				}
				return used, nil
			}
			if err := p.parseHead(rest[:end]); err != nil {
				return used, err
			}
			used += end
		case phLength, phChunkData:
			k := min(p.left, int64(len(rest)))
			p.left -= k
			p.resp.bytes += k
			used += int(k)
			if p.left == 0 {
				if p.phase == phLength {
					p.phase = phDone
				} else {
					p.phase = phChunkCRLF
				}
			}
		case phChunkSize, phChunkCRLF, phTrailer:
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				if len(rest) > 1024 {
					return used, errMalformed
				}
				return used, nil
			}
			line := bytes.TrimSuffix(rest[:i], []byte{'\r'})
			used += i + 1
			if err := p.chunkLine(line); err != nil {
				return used, err
			}
		case phUntilClose:
			p.resp.bytes += int64(len(rest))
			used = len(buf)
		}
	}
	return used, nil
}

// eof ends the stream: it completes a body that ends with the connection
// and otherwise says what the lost rest of the response was.
func (p *parser) eof() error {
	switch {
	case p.phase == phUntilClose:
		p.phase = phDone
		return nil
	case !p.got:
		return io.EOF
	}
	return io.ErrUnexpectedEOF
}

// chunkLine handles one line of a chunked body.
func (p *parser) chunkLine(line []byte) error {
	switch p.phase {
	case phChunkSize:
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i] // chunk extensions
		}
		size, ok := parseHex(bytes.TrimSpace(line))
		switch {
		case !ok:
			return errMalformed
		case size == 0:
			p.phase = phTrailer
		default:
			p.phase, p.left = phChunkData, size
		}
	case phChunkCRLF:
		if len(line) != 0 {
			return errMalformed
		}
		p.phase = phChunkSize
	case phTrailer:
		if len(line) == 0 {
			p.phase = phDone
		}
	}
	return nil
}

// headEnd is the length of the head at the start of b, up to and
// including its empty line, or -1 if it is not complete.
func headEnd(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		if i < len(b) && b[i] == '\n' {
			return i + 1
		}
		if i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n' {
			return i + 2
		}
		if i+1 >= len(b) {
			return -1
		}
	}
}

// parseHead reads a complete head: status line and header fields. A 1xx
// interim response (100 Continue, 103 Early Hints) leaves the parser
// waiting for the final one.
func (p *parser) parseHead(h []byte) error {
	line, h := nextLine(h)
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return errMalformed
	}
	minor := line[7]
	status := 0
	for _, b := range line[9:12] {
		if b < '0' || b > '9' {
			return errMalformed
		}
		status = status*10 + int(b-'0')
	}
	resp := response{status: status, keep: minor >= '1', gateway: ledger.NoName, backend: ledger.NoName}
	length, chunked := int64(-1), false
	for len(h) > 0 {
		line, h = nextLine(h)
		if len(line) == 0 {
			break
		}
		i := bytes.IndexByte(line, ':')
		if i <= 0 {
			return errMalformed
		}
		name, val := line[:i], bytes.TrimSpace(line[i+1:])
		switch {
		case fieldIs(name, "Content-Length"):
			n, ok := parseDec(val)
			if !ok || (length >= 0 && n != length) {
				return errMalformed
			}
			length = n
		case fieldIs(name, "Transfer-Encoding"):
			chunked = hasToken(val, "chunked")
		case fieldIs(name, "Connection"):
			switch {
			case hasToken(val, "close"):
				resp.keep = false
			case hasToken(val, "keep-alive") && minor == '0':
				resp.keep = true
			}
		case fieldIs(name, HeaderGateway):
			resp.gateway = p.gw.intern(p.names[0], val)
		case fieldIs(name, HeaderBackend):
			resp.backend = p.be.intern(p.names[1], val)
		}
	}
	if status < 200 && status != 101 {
		return nil // interim: the final response follows
	}
	resp.bytes = 0
	p.resp = resp
	switch {
	case status == 101:
		p.resp.keep = false // a switched protocol: no longer HTTP/1.1
		p.phase = phDone
	case p.head || status == 204 || status == 304:
		p.phase = phDone
	case chunked:
		p.phase = phChunkSize
	case length >= 0:
		p.phase, p.left = phLength, length
		if length == 0 {
			p.phase = phDone
		}
	default:
		p.resp.keep = false // no length: the body ends when the server closes
		p.phase = phUntilClose
	}
	return nil
}

// nextLine splits the first line (without CRLF or LF) off h.
func nextLine(h []byte) (line, rest []byte) {
	i := bytes.IndexByte(h, '\n')
	if i < 0 {
		return h, nil
	}
	line, rest = h[:i], h[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// fieldIs compares a header field name case-insensitively (ASCII).
func fieldIs(name []byte, want string) bool {
	if len(name) != len(want) {
		return false
	}
	for i := range len(name) {
		if lower(name[i]) != lower(want[i]) {
			return false
		}
	}
	return true
}

// hasToken reports whether a comma-separated field value holds token
// (case-insensitive).
func hasToken(val []byte, token string) bool {
	for len(val) > 0 {
		var part []byte
		if i := bytes.IndexByte(val, ','); i >= 0 {
			part, val = val[:i], val[i+1:]
		} else {
			part, val = val, nil
		}
		if fieldIs(bytes.TrimSpace(part), token) {
			return true
		}
	}
	return false
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// parseDec parses a non-negative decimal without allocating.
func parseDec(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	return n, true
}

// parseHex parses a chunk size without allocating.
func parseHex(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		switch {
		case '0' <= d && d <= '9':
			d -= '0'
		case 'a' <= lower(d) && lower(d) <= 'f':
			d = lower(d) - 'a' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(d)
	}
	return n, true
}
