package loadgen

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/gatecert/gatecert/ledger"
	"golang.org/x/net/http2"
)

// Classify maps the outcome of one request to its ledger error class: the
// error returned by the HTTP client or by reading the body (nil if none)
// and the response status (0 if no response). First match wins:
//
//	status 4xx / 5xx                               http-4xx / http-5xx
//	no error, status 1xx-3xx                       ok
//	ECONNREFUSED                                   connect-refused
//	dial timed out                                 connect-timeout
//	TLS record, alert, certificate errors          tls
//	ECONNRESET, EPIPE, ECONNABORTED                reset
//	HTTP/2 RST_STREAM from the server              reset
//	HTTP/2 GOAWAY, connection lost                 eof
//	io.EOF, io.ErrUnexpectedEOF, "server closed"   eof
//	deadline exceeded, other timeouts              timeout
//	anything else                                  other
//
// An error status wins over an error reading its body: the server had
// refused the request already, and a server that answers early and closes
// often resets the connection under the rest of the exchange.
func Classify(err error, status int) ledger.Class {
	switch {
	case status >= 500:
		return ledger.ClassHTTP5xx
	case status >= 400:
		return ledger.ClassHTTP4xx
	}
	if err == nil {
		switch {
		case status >= 100:
			return ledger.ClassOK
		default:
			return ledger.ClassOther // no error and no response
		}
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return ledger.ClassConnectRefused
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" && isTimeout(op) {
		return ledger.ClassConnectTimeout
	}
	if isTLS(err) {
		return ledger.ClassTLS
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED) {
		return ledger.ClassReset
	}
	var stream http2.StreamError
	var goAway http2.GoAwayError
	switch {
	case errors.As(err, &stream):
		// The server reset this stream: HTTP/2's per-request reset.
		return ledger.ClassReset
	case errors.As(err, &goAway), strings.Contains(err.Error(), "http2: client connection lost"):
		// The connection went away under the request: HTTP/2's EOF.
		return ledger.ClassEOF
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "server closed") {
		// "http: server closed idle connection": EOF on a reused
		// connection, the keep-alive race.
		return ledger.ClassEOF
	}
	if isTimeout(err) {
		return ledger.ClassTimeout
	}
	if strings.Contains(err.Error(), "tls: ") {
		// crypto/tls reports many local handshake failures as plain
		// errors.New("tls: ...") values.
		return ledger.ClassTLS
	}
	return ledger.ClassOther
}

// isTimeout reports deadline and timeout errors: context deadlines, socket
// deadlines, net.Error timeouts (including the HTTP client's) and
// ETIMEDOUT from the kernel.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isTLS reports the typed errors of crypto/tls and crypto/x509.
func isTLS(err error) bool {
	var (
		rec     tls.RecordHeaderError
		alert   tls.AlertError
		verify  *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		op      *net.OpError
	)
	switch {
	case errors.As(err, &rec), errors.As(err, &alert), errors.As(err, &verify),
		errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid):
		return true
	case errors.As(err, &op) && op.Op == "remote error":
		// An alert received from the peer during or after the handshake.
		return true
	}
	return false
}
