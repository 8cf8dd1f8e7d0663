package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gatecert/gatecert/ledger"
)

// The lean client: plain HTTP/1.1 over pooled raw connections, driven by
// one event loop that is also the pacer (pace, pacer.go). Why it exists
// and what it keeps of net/http is in DESIGN.md, "The load generator's
// client". In short:
//
//   - One goroutine on its own thread owns every connection: it sends each
//     request the moment it is due (one write(2) on an idle connection of
//     its target), reads what epoll says is readable, parses responses in
//     the connection's buffer and writes the ledger records. No goroutine
//     hand-off, no scheduler wake-up, no lock per request. Only connects
//     run elsewhere: Config.Dial is called by a goroutine per new
//     connection, which hands the socket over.
//   - A request is written once. A connection that dies under it fails it
//     (eof, reset, timeout, as Classify says); nothing is ever resent, on
//     that connection or another.
//   - Connect, read and write errors are shaped as the net package shapes
//     them, so Classify files them in the same classes (TestLeanClassify
//     runs the sockets of TestClassifyRealSockets).
//
// Nothing on the path of a request on a pooled connection allocates
// (BenchmarkLeanRun: 0 allocs/op).

// leanMaxRequest is the largest request (head and body) the lean client
// sends: written into an idle connection's empty socket buffer, it goes
// out in one write. Larger bodies go through net/http.
const leanMaxRequest = 8 << 10

// leanFits reports whether cfg can use the lean client: plain HTTP/1.1
// with a request that fits leanMaxRequest.
func leanFits(cfg Config) bool {
	return cfg.TLS == nil && !cfg.HTTP2 && cfg.BodyBytes+512 <= leanMaxRequest
}

// errNoFD: Config.Dial returned a connection without a file descriptor,
// which the lean client cannot poll.
var errNoFD = errors.New("loadgen: the lean client needs connections with a file descriptor (Config.Dial returned another net.Conn); use Client net/http")

// leanClient is the state of the event loop. Only pace's goroutine touches
// it, except dialed and the wake-up descriptor.
type leanClient struct {
	*route
	cfg                Config
	d                  *dialer
	gateways, backends *names
	heads              [][]byte // per target: request line and headers up to the id's value
	body               []byte
	isHead             bool // HEAD: responses have no body
	done               func(ledger.Record)

	ep, wakefd int
	events     []syscall.EpollEvent
	slots      []*leanConn   // by epoll data; nil when free
	free       []int32       // free slots
	idle       [][]*leanConn // per target, most recently used last (dead ones dropped lazily)
	open       int           // open or connecting connections
	busy       int           // requests sent and not yet recorded
	expiry     expiryQueue
	dialed     chan dialResult
	dialing    sync.WaitGroup
	sweep      time.Time // next idle-timeout sweep
}

// dialResult is a connect done off the loop.
type dialResult struct {
	c     *leanConn
	fd    int
	lb    int
	flags uint8
	err   error
}

func newLeanClient(cfg Config, done func(ledger.Record)) (*leanClient, error) {
	lc := &leanClient{
		route:    newRoute(cfg),
		cfg:      cfg,
		d:        newDialer(cfg),
		gateways: newNames(),
		backends: newNames(),
		isHead:   cfg.Method == http.MethodHead,
		done:     done,
		events:   make([]syscall.EpollEvent, 256),
		idle:     make([][]*leanConn, len(cfg.Targets)),
		dialed:   make(chan dialResult, cfg.MaxWorkers+1),
		ep:       -1,
		wakefd:   -1,
	}
	// The same header fields as the net/http client sends (Go sends a
	// Content-Length for POST, PUT and PATCH even without a body).
	withLength := cfg.BodyBytes > 0
	switch cfg.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		withLength = true
	}
	for _, t := range cfg.Targets {
		h := []byte(cfg.Method + " / HTTP/1.1\r\nHost: " + t + "\r\nUser-Agent: gatecert\r\n")
		if cfg.DisableKeepAlive {
			h = append(h, "Connection: close\r\n"...)
		}
		if withLength {
			h = append(h, "Content-Length: "+strconv.Itoa(cfg.BodyBytes)+"\r\n"...)
		}
		h = append(h, HeaderID+": "...)
		lc.heads = append(lc.heads, h)
	}
	lc.body = make([]byte, cfg.BodyBytes)
	for i := range lc.body {
		lc.body[i] = 'g' // as the net/http client's body
	}
	var err error
	if lc.ep, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		return nil, fmt.Errorf("loadgen: epoll: %w", err)
	}
	fd, _, errno := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		_ = syscall.Close(lc.ep) // set-up failed: nothing to report
		return nil, fmt.Errorf("loadgen: eventfd: %w", errno)
	}
	lc.wakefd = int(fd)
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: -1}
	if err := syscall.EpollCtl(lc.ep, syscall.EPOLL_CTL_ADD, lc.wakefd, &ev); err != nil {
		lc.closeFDs()
		return nil, fmt.Errorf("loadgen: epoll: %w", err)
	}
	return lc, nil
}

// wake interrupts the loop's wait (from any goroutine).
func (lc *leanClient) wake() {
	one := [8]byte{1}
	_, _ = syscall.Write(lc.wakefd, one[:]) // EAGAIN: a wake-up is already pending
}

// send starts request j now: on an idle connection of its target with one
// write, or on a new connection.
func (lc *leanClient) send(j job) {
	lc.busy++
	sent := time.Now()
	if !lc.cfg.DisableKeepAlive {
		if c := lc.popIdle(j.lb); c != nil {
			lc.start(c, j, sent, ledger.FlagReused)
			lc.expiry.push(expiry{at: sent.Add(lc.cfg.Timeout), c: c, gen: c.gen})
			lc.write(c)
			return
		}
	}
	c := lc.newConn(j.lb)
	lc.start(c, j, sent, 0)
	lc.expiry.push(expiry{at: sent.Add(lc.cfg.Timeout), c: c, gen: c.gen})
	lc.open++
	if lc.open > lc.cfg.MaxWorkers {
		lc.evict(j.lb)
	}
	lc.dialing.Add(1)
	go lc.dial(c, j.lb, sent)
}

// dial connects for c (off the loop) and hands the socket to the loop.
// With policy failover a failed connect moves on to the next address.
func (lc *leanClient) dial(c *leanConn, lb int, sent time.Time) {
	defer lc.dialing.Done()
	ctx, cancel := context.WithDeadline(context.Background(), sent.Add(lc.cfg.Timeout))
	defer cancel()
	r := dialResult{c: c, fd: -1}
	for tries := 1; ; tries++ {
		var nc net.Conn
		nc, r.err = lc.d.dialTCP(ctx, "tcp", lc.cfg.Targets[lb])
		if r.err == nil {
			r.fd, r.err = ownFD(nc)
			break
		}
		if !lc.failover || tries >= lc.targets || !connectFailed(r.err) {
			break
		}
		lb = (lb + 1) % lc.targets
		r.flags |= ledger.FlagFailover
	}
	r.lb = lb
	lc.dialed <- r // never blocks: room for MaxWorkers results
	lc.wake()
}

// ownFD takes the socket of nc out of Go's poller: a duplicate descriptor
// (non-blocking, as Go made it) for the loop's epoll, and nc closed.
func ownFD(nc net.Conn) (int, error) {
	sc, ok := nc.(syscall.Conn)
	var rc syscall.RawConn
	var err error
	if ok {
		rc, err = sc.SyscallConn()
	}
	if !ok || err != nil {
		_ = nc.Close() // unusable here
		return -1, errNoFD
	}
	fd := -1
	var dupErr error
	if err := rc.Control(func(s uintptr) {
		r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
		if errno != 0 {
			dupErr = os.NewSyscallError("fcntl", errno)
			return
		}
		fd = int(r)
	}); err != nil {
		dupErr = err
	}
	_ = nc.Close() // the duplicate keeps the socket open
	if dupErr != nil {
		return -1, &net.OpError{Op: "dial", Net: "tcp", Err: dupErr}
	}
	return fd, nil
}

// connected takes a dial result into the loop: the request fails with the
// connect error, or is written on the new connection.
func (lc *leanClient) connected(r dialResult) {
	c := r.c
	if r.lb != c.lb { // failed over: the request goes to another target
		c.lb = r.lb
		lc.start(c, c.j, c.sent, 0)
	}
	c.flags |= r.flags
	if r.err != nil {
		lc.release(c)
		lc.record(c, r.err)
		return
	}
	c.fd = r.fd
	if c.overdue {
		_ = syscall.Close(c.fd) // connected after the request's deadline
		lc.release(c)
		lc.record(c, errRequestTimeout)
		return
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: c.slot}
	if err := syscall.EpollCtl(lc.ep, syscall.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		lc.release(c)
		lc.record(c, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("epoll_ctl", err)})
		return
	}
	c.state = connBusy
	lc.write(c)
}

// write writes what is left of c's request; what the socket does not take
// now goes when epoll says it can.
func (lc *leanClient) write(c *leanConn) {
	for c.wpos < len(c.wbuf) {
		n, err := syscall.Write(c.fd, c.wbuf[c.wpos:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			lc.watch(c, syscall.EPOLLOUT)
			return
		case err != nil:
			lc.fail(c, &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", err)})
			return
		}
		c.wpos += n
	}
	if c.watchOut {
		lc.watch(c, 0)
	}
}

// watch sets what epoll reports for c: always readability, and extra.
func (lc *leanClient) watch(c *leanConn, extra uint32) {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | extra, Fd: c.slot}
	_ = syscall.EpollCtl(lc.ep, syscall.EPOLL_CTL_MOD, c.fd, &ev) // c is registered: cannot fail
	c.watchOut = extra != 0
}

// event handles what epoll reported for c.
func (lc *leanClient) event(c *leanConn, ev uint32) {
	if ev&syscall.EPOLLOUT != 0 && c.state == connBusy && c.wpos < len(c.wbuf) {
		lc.write(c)
	}
	if ev&(syscall.EPOLLIN|syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 && c.state != connDead {
		lc.readable(c)
	}
}

// readable reads once from c (epoll is level-triggered: the rest comes
// with the next wait) and parses what came.
func (lc *leanClient) readable(c *leanConn) {
	if c.w == len(c.buf) {
		if c.r > 0 {
			c.w = copy(c.buf, c.buf[c.r:c.w])
			c.r = 0
		} else {
			c.buf = append(c.buf, make([]byte, len(c.buf))...) // a long head: the parser caps it
		}
	}
	n, err := syscall.Read(c.fd, c.buf[c.w:])
	if err == syscall.EAGAIN || err == syscall.EINTR {
		return
	}
	if c.state == connIdle {
		// Closed by the server, or bytes nobody asked for: the
		// connection is done (it is dropped from its pool lazily).
		lc.closeConn(c)
		return
	}
	switch {
	case err != nil:
		lc.fail(c, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", err)})
	case n == 0:
		if perr := c.p.eof(); perr != nil {
			lc.fail(c, perr)
		} else {
			lc.finish(c, nil)
		}
	default:
		c.w += n
		used, perr := c.p.feed(c.buf[c.r:c.w])
		c.r += used
		if c.r == c.w {
			c.r, c.w = 0, 0
		}
		switch {
		case perr != nil:
			lc.fail(c, perr)
		case c.p.phase == phDone:
			lc.finish(c, nil)
		}
	}
}

// finish records the complete response on c and keeps c for the next
// request if the response allows it.
func (lc *leanClient) finish(c *leanConn, err error) {
	keep := err == nil && c.p.resp.keep && c.r == c.w && !lc.cfg.DisableKeepAlive
	lc.record(c, err)
	if !keep {
		lc.closeConn(c)
		return
	}
	c.state = connIdle
	c.lastUsed = time.Now()
	lc.idle[c.lb] = append(lc.idle[c.lb], c)
}

// fail ends the request on c with err and closes c.
func (lc *leanClient) fail(c *leanConn, err error) {
	lc.record(c, err)
	lc.closeConn(c)
}

// record writes the ledger record of the request on c and frees its slot
// among the MaxWorkers.
func (lc *leanClient) record(c *leanConn, err error) {
	resp := c.p.resp
	if resp.status > 0 && lc.failover {
		lc.current.Store(int32(c.lb)) // sticky: the last address that answered
	}
	c.gen++ // its deadline is void
	lc.busy--
	j := c.j
	lc.done(ledger.Record{
		Seq:      uint32(j.seq),
		Intended: j.off,
		SendLag:  c.sent.Sub(j.at),
		Latency:  time.Since(j.at),
		Status:   uint16(resp.status),
		Class:    Classify(err, resp.status),
		LB:       uint8(c.lb),
		Gateway:  resp.gateway,
		Backend:  resp.backend,
		Flags:    c.flags,
		Phase:    j.phase,
		Bytes:    uint32(min(resp.bytes, int64(^uint32(0)))),
	})
}

// expire fails the requests whose Timeout has passed.
func (lc *leanClient) expire(now time.Time) {
	for {
		e, ok := lc.expiry.front()
		if !ok || e.at.After(now) {
			return
		}
		lc.expiry.pop()
		switch {
		case e.c.gen != e.gen:
		case e.c.state == connBusy:
			lc.fail(e.c, errRequestTimeout)
		case e.c.state == connDialing:
			// Bounded by its dial's own deadline (the same): it
			// fails with the dial's error, or as a timeout if the
			// connect made it just in time.
			e.c.overdue = true
		}
	}
}

// errRequestTimeout is a request's Timeout passing, shaped as a read
// deadline of the net package (class timeout).
var errRequestTimeout = &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}

// popIdle returns the most recently used live idle connection of target
// lb, or nil.
func (lc *leanClient) popIdle(lb int) *leanConn {
	s := lc.idle[lb]
	for len(s) > 0 {
		c := s[len(s)-1]
		s[len(s)-1] = nil
		s = s[:len(s)-1]
		if c.state == connIdle {
			lc.idle[lb] = s
			return c
		}
	}
	lc.idle[lb] = s
	return nil
}

// evict closes one idle connection of a target other than lb, so open
// connections stay within MaxWorkers.
func (lc *leanClient) evict(lb int) {
	for i := range lc.idle {
		if i == lb {
			continue
		}
		if c := lc.popIdle(i); c != nil {
			lc.closeConn(c)
			return
		}
	}
}

// sweepIdle closes connections idle for longer than IdleTimeout and drops
// dead ones from the pools.
func (lc *leanClient) sweepIdle(now time.Time) {
	for i, s := range lc.idle {
		kept := s[:0]
		for _, c := range s {
			switch {
			case c.state != connIdle:
			case now.Sub(c.lastUsed) >= lc.cfg.IdleTimeout:
				lc.closeConn(c)
			default:
				kept = append(kept, c)
			}
		}
		clear(s[len(kept):])
		lc.idle[i] = kept
	}
}

// closeConn closes c and frees its slot.
func (lc *leanClient) closeConn(c *leanConn) {
	if c.state == connDead {
		return
	}
	if c.fd >= 0 {
		_ = syscall.Close(c.fd) // also leaves the epoll set; nothing to report
	}
	lc.release(c)
}

// release frees c's slot (c never connected, or closed).
func (lc *leanClient) release(c *leanConn) {
	c.state = connDead
	c.fd = -1
	lc.slots[c.slot] = nil
	lc.free = append(lc.free, c.slot)
	lc.open--
}

// newConn takes a slot for a connection about to be dialled.
func (lc *leanClient) newConn(lb int) *leanConn {
	var slot int32
	if n := len(lc.free); n > 0 {
		slot = lc.free[n-1]
		lc.free = lc.free[:n-1]
	} else {
		slot = int32(len(lc.slots))
		lc.slots = append(lc.slots, nil)
	}
	c := &leanConn{slot: slot, fd: -1, lb: lb, buf: make([]byte, readBufSize)}
	c.p.names = [2]*names{lc.gateways, lc.backends}
	c.p.gw, c.p.be = &c.gw, &c.be
	lc.slots[slot] = c
	return c
}

// shutdown closes every connection and the loop's descriptors once every
// request is recorded.
func (lc *leanClient) shutdown() {
	lc.dialing.Wait() // every dial has reported (busy reached 0)
	for _, c := range lc.slots {
		if c != nil {
			lc.closeConn(c)
		}
	}
	lc.closeFDs()
}

func (lc *leanClient) closeFDs() {
	for _, fd := range []int{lc.wakefd, lc.ep} {
		if fd >= 0 {
			_ = syscall.Close(fd) // ours, unused from here on
		}
	}
	lc.wakefd, lc.ep = -1, -1
}

// Connection states.
const (
	connDialing = iota // the request waits for its connect
	connBusy           // a request is on the connection
	connIdle           // in its target's pool
	connDead
)

// leanConn is one connection and the request on it.
type leanConn struct {
	slot  int32
	fd    int
	lb    int
	state int
	gen   uint32 // requests started on it, so a stale deadline is known

	j        job       // the request in flight
	sent     time.Time // its actual send time
	flags    uint8
	lastUsed time.Time // end of the last request (idle)

	wbuf     []byte // the request
	wpos     int    // bytes of it written
	watchOut bool   // epoll also reports writability
	overdue  bool   // its request's deadline passed while connecting
	buf      []byte // read buffer; bytes r..w are unparsed
	r, w     int
	p        parser
	gw, be   nameCache
}

// start makes c carry request j, sent at sent, and builds its bytes. A
// pooled connection is busy at once; a new one when it is connected.
func (lc *leanClient) start(c *leanConn, j job, sent time.Time, flags uint8) {
	if c.state == connIdle {
		c.state = connBusy
	}
	c.j, c.sent, c.flags = j, sent, flags
	c.p.reset(lc.isHead)
	c.wbuf = append(c.wbuf[:0], lc.heads[c.lb]...)
	c.wbuf = strconv.AppendUint(c.wbuf, j.seq, 10)
	c.wbuf = append(c.wbuf, "\r\n\r\n"...)
	c.wbuf = append(c.wbuf, lc.body...)
	c.wpos = 0
}

// expiry is the deadline of the request number gen on c.
type expiry struct {
	at  time.Time
	c   *leanConn
	gen uint32
}

// expiryQueue holds the deadlines of requests in send order, which is
// deadline order (every request gets the same Timeout from its send).
// Finished requests leave their entry behind, void by gen, until it comes
// up: a ring of Timeout × rate entries, pushed and popped in O(1).
type expiryQueue struct {
	ring       []expiry
	head, size int
}

func (q *expiryQueue) push(e expiry) {
	if q.size == len(q.ring) {
		grown := make([]expiry, max(2*len(q.ring), 1024))
		for i := range q.size {
			grown[i] = q.ring[(q.head+i)%len(q.ring)]
		}
		q.ring, q.head = grown, 0
	}
	q.ring[(q.head+q.size)%len(q.ring)] = e
	q.size++
}

// front is the earliest deadline; ok is false when none is left.
func (q *expiryQueue) front() (expiry, bool) {
	if q.size == 0 {
		return expiry{}, false
	}
	return q.ring[q.head], true
}

func (q *expiryQueue) pop() {
	q.ring[q.head] = expiry{}
	q.head = (q.head + 1) % len(q.ring)
	q.size--
}
