package loadgen

import (
	"bytes"
	"errors"
	"io"

	"github.com/gatecert/gatecert/ledger"
)

// The HTTP/1.1 response reader of the lean client: just enough of RFC 9112
// to find where a response ends and what it says about its connection,
// reading through one buffer per connection, allocating nothing.

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

// response is what the reader learnt of one response.
type response struct {
	status  int
	bytes   int64 // body bytes
	keep    bool  // the connection may carry another request
	gateway uint8
	backend uint8
}

// readResponse reads one whole response: head (skipping 1xx interim
// responses) and body. On an error the fields read so far stay set, so a
// status already received still decides the class.
func (c *leanConn) readResponse(head bool) (response, error) {
	resp := response{gateway: ledger.NoName, backend: ledger.NoName}
	var length int64
	var chunked bool
	for {
		var err error
		length, chunked, err = c.readHead(&resp)
		if err != nil {
			return resp, err
		}
		if resp.status >= 200 || resp.status == 101 {
			break
		}
		// 1xx interim response (100 Continue, 103 Early Hints): the
		// final one follows.
		resp.gateway, resp.backend = ledger.NoName, ledger.NoName
	}
	var err error
	switch {
	case resp.status == 101:
		resp.keep = false // a switched protocol: the connection is no longer HTTP/1.1
	case head || resp.status == 204 || resp.status == 304:
	case chunked:
		resp.bytes, err = c.chunked()
	case length >= 0:
		resp.bytes, err = c.discard(length)
	default:
		// No length: the body ends when the server closes.
		resp.keep = false
		resp.bytes, err = c.untilClose()
	}
	return resp, err
}

// readHead reads a status line and header fields into resp; length is -1
// without a Content-Length.
func (c *leanConn) readHead(resp *response) (length int64, chunked bool, err error) {
	line, err := c.line()
	if err != nil {
		return -1, false, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' {
		return -1, false, errMalformed
	}
	minor := line[7]
	status := 0
	for _, b := range line[9:12] {
		if b < '0' || b > '9' {
			return -1, false, errMalformed
		}
		status = status*10 + int(b-'0')
	}
	if len(line) > 12 && line[12] != ' ' {
		return -1, false, errMalformed
	}
	resp.status = status
	resp.keep = minor >= '1'
	length = -1
	for {
		line, err := c.line()
		if err != nil {
			return length, chunked, err
		}
		if len(line) == 0 {
			return length, chunked, nil
		}
		i := bytes.IndexByte(line, ':')
		if i <= 0 {
			return length, chunked, errMalformed
		}
		name, val := line[:i], bytes.TrimSpace(line[i+1:])
		switch {
		case fieldIs(name, "Content-Length"):
			n, ok := parseDec(val)
			if !ok || (length >= 0 && n != length) {
				return length, chunked, errMalformed
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
			resp.gateway = c.gw.intern(c.lc.gateways, val)
		case fieldIs(name, HeaderBackend):
			resp.backend = c.be.intern(c.lc.backends, val)
		}
	}
}

// chunked discards a chunked body and returns its payload size.
func (c *leanConn) chunked() (int64, error) {
	var total int64
	for {
		line, err := c.line()
		if err != nil {
			return total, unexpected(err)
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i] // chunk extensions
		}
		size, ok := parseHex(bytes.TrimSpace(line))
		if !ok {
			return total, errMalformed
		}
		if size == 0 {
			for { // trailer fields, up to the empty line
				line, err := c.line()
				if err != nil {
					return total, unexpected(err)
				}
				if len(line) == 0 {
					return total, nil
				}
			}
		}
		n, err := c.discard(size)
		total += n
		if err != nil {
			return total, err
		}
		if line, err := c.line(); err != nil {
			return total, unexpected(err)
		} else if len(line) != 0 {
			return total, errMalformed
		}
	}
}

// discard consumes n body bytes.
func (c *leanConn) discard(n int64) (int64, error) {
	var got int64
	for got < n {
		if c.r == c.w {
			if err := c.fill(); err != nil {
				return got, unexpected(err)
			}
		}
		k := min(n-got, int64(c.w-c.r))
		c.r += int(k)
		got += k
	}
	return got, nil
}

// untilClose consumes a body that ends with the connection.
func (c *leanConn) untilClose() (int64, error) {
	var got int64
	for {
		got += int64(c.w - c.r)
		c.r = c.w
		if err := c.fill(); err != nil {
			if err == io.EOF {
				return got, nil
			}
			return got, err
		}
	}
}

// line returns the next line without its CRLF (or LF); it stays valid
// until the next read.
func (c *leanConn) line() ([]byte, error) {
	for {
		if i := bytes.IndexByte(c.buf[c.r:c.w], '\n'); i >= 0 {
			line := c.buf[c.r : c.r+i]
			c.r += i + 1
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		}
		if err := c.fill(); err != nil {
			return nil, unexpected(err)
		}
	}
}

// fill reads more bytes into the buffer, making room first; it returns an
// error only when no byte was read.
func (c *leanConn) fill() error {
	if c.r == c.w {
		c.r, c.w = 0, 0
	}
	if c.w == len(c.buf) {
		switch {
		case c.r > 0:
			c.w = copy(c.buf, c.buf[c.r:c.w])
			c.r = 0
		case len(c.buf) < maxHeadSize:
			c.buf = append(c.buf, make([]byte, len(c.buf))...)
		default:
			return errHeadTooLong
		}
	}
	for {
		n, err := c.nc.Read(c.buf[c.w:])
		c.w += n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// unexpected turns the end of the stream inside a response into
// io.ErrUnexpectedEOF (still class eof).
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
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
