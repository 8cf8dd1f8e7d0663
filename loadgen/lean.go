package loadgen

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatecert/gatecert/ledger"
)

// The lean client: plain HTTP/1.1 over pooled raw connections, for the
// common case (no TLS). Why it exists and what it keeps of net/http is in
// DESIGN.md, "The load generator's client". In short:
//
//   - The pacer writes each request itself, on an idle pooled connection,
//     the moment it is due: no goroutine hand-off per request, no wake-up
//     of a worker. A new connection is dialled by a goroutine of its own,
//     which then writes the request.
//   - Each connection has one reader goroutine, blocked in Read; it parses
//     the response in the connection's buffer, writes the ledger record
//     and puts the connection back in its target's pool.
//   - A request is written once. A connection that dies under it fails it
//     (eof, reset, timeout, as Classify says); nothing is ever resent, on
//     that connection or another.
//   - Connect, read and write errors are the net package's own, wrapped as
//     net/http would leave them, so Classify files them in the same
//     classes (TestLeanClassify runs the same sockets as
//     TestClassifyRealSockets).
//
// Nothing on the path of a request on a pooled connection allocates
// (BenchmarkLeanRun shows 0 allocs/op).

// leanMaxRequest is the largest request (head and body) the lean client
// sends: the pacer's write must fit an idle connection's empty socket
// buffer so it never blocks. Larger bodies go through net/http.
const leanMaxRequest = 8 << 10

// leanFits reports whether cfg can use the lean client: plain HTTP/1.1
// with a request that fits leanMaxRequest.
func leanFits(cfg Config) bool {
	return cfg.TLS == nil && !cfg.HTTP2 && cfg.BodyBytes+512 <= leanMaxRequest
}

// leanClient sends the requests of one run.
type leanClient struct {
	*route
	cfg                Config
	d                  *dialer
	gateways, backends *names
	heads              [][]byte // per target: request line and headers up to the id's value
	body               []byte
	isHead             bool // HEAD: responses have no body
	pools              []connPool
	done               func(ledger.Record) // counts and writes a finished request

	busy    atomic.Int64   // requests written or being connected, not yet finished
	conns   atomic.Int64   // open or opening connections
	pending sync.WaitGroup // requests handed out and not yet recorded
	readers sync.WaitGroup // connection goroutines

	waiting atomic.Bool   // the pacer waits for a free slot (MaxWorkers)
	freed   chan struct{} // a slot was freed while the pacer waited
}

func newLeanClient(cfg Config, done func(ledger.Record)) *leanClient {
	lc := &leanClient{
		route:    newRoute(cfg),
		cfg:      cfg,
		d:        newDialer(cfg),
		gateways: newNames(),
		backends: newNames(),
		isHead:   cfg.Method == http.MethodHead,
		pools:    make([]connPool, len(cfg.Targets)),
		done:     done,
		freed:    make(chan struct{}, 1),
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
	return lc
}

// send starts request j now: on an idle connection of its target, written
// at once, or on a new connection. With MaxWorkers requests unfinished it
// first waits for one to finish (counted as WorkersExhausted); it returns
// false if ctx ends during that wait, and the request was not sent.
func (lc *leanClient) send(ctx context.Context, j job, exhausted *atomic.Int64) bool {
	if lc.busy.Load() >= int64(lc.cfg.MaxWorkers) {
		exhausted.Add(1)
		if !lc.waitFree(ctx) {
			return false
		}
		if lc.failover {
			j.lb = lc.pick(j.seq) // the sticky address as of now
		}
	}
	lc.busy.Add(1)
	lc.pending.Add(1)
	if !lc.cfg.DisableKeepAlive {
		if c := lc.pools[j.lb].claim(j, lc.cfg.Timeout); c != nil {
			c.write()
			return true
		}
	}
	if lc.conns.Add(1) > int64(lc.cfg.MaxWorkers) {
		lc.evict(j.lb)
	}
	lc.readers.Add(1)
	go lc.open(j, time.Now())
	return true
}

// waitFree waits until fewer than MaxWorkers requests are unfinished.
func (lc *leanClient) waitFree(ctx context.Context) bool {
	lc.waiting.Store(true)
	defer lc.waiting.Store(false)
	for lc.busy.Load() >= int64(lc.cfg.MaxWorkers) {
		select {
		case <-lc.freed:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// finished records a request and frees its slot.
func (lc *leanClient) finished(rec ledger.Record) {
	lc.done(rec)
	lc.busy.Add(-1)
	if lc.waiting.Load() {
		select {
		case lc.freed <- struct{}{}:
		default:
		}
	}
	lc.pending.Done()
}

// evict closes one idle connection of a target other than lb, so that
// open connections stay within MaxWorkers.
func (lc *leanClient) evict(lb int) {
	for i := range lc.pools {
		if i == lb {
			continue
		}
		if c := lc.pools[i].take(); c != nil {
			c.kill()
			return
		}
	}
}

// open dials a connection for request j (sent, as the ledger counts it,
// before the connect), writes it and then serves the connection. With
// policy failover a failed connect moves on to the next address.
func (lc *leanClient) open(j job, sent time.Time) {
	defer lc.readers.Done()
	ctx, cancel := context.WithDeadline(context.Background(), sent.Add(lc.cfg.Timeout))
	lb := j.lb
	var flags uint8
	var nc net.Conn
	var err error
	for tries := 1; ; tries++ {
		nc, err = lc.d.dialTCP(ctx, "tcp", lc.cfg.Targets[lb])
		if err == nil || !lc.failover || tries >= lc.targets || !connectFailed(err) {
			break
		}
		lb = (lb + 1) % lc.targets
		flags |= ledger.FlagFailover
	}
	cancel()
	if err != nil {
		lc.conns.Add(-1)
		lc.finished(ledger.Record{
			Seq: uint32(j.seq), Intended: j.off, SendLag: sent.Sub(j.at), Latency: time.Since(j.at),
			Class: Classify(err, 0), LB: uint8(lb), Gateway: ledger.NoName, Backend: ledger.NoName,
			Flags: flags, Phase: j.phase,
		})
		return
	}
	c := &leanConn{lc: lc, nc: nc, lb: lb, buf: make([]byte, readBufSize)}
	c.mu.Lock()
	c.start(j, sent, flags, lc.cfg.Timeout)
	c.mu.Unlock()
	c.write()
	c.serve()
}

// shutdown closes every pooled connection once every request is recorded,
// and waits for the connection goroutines to end.
func (lc *leanClient) shutdown() {
	lc.pending.Wait()
	for i := range lc.pools {
		for {
			c := lc.pools[i].take()
			if c == nil {
				break
			}
			c.kill()
		}
	}
	lc.readers.Wait()
}

// connPool is a target's idle connections, most recently used on top.
type connPool struct {
	mu   sync.Mutex
	idle []*leanConn
}

// claim takes the most recently used idle connection and starts request j
// on it, or returns nil; connections that died while idle are dropped.
func (p *connPool) claim(j job, timeout time.Duration) *leanConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle[len(p.idle)-1] = nil
		p.idle = p.idle[:len(p.idle)-1]
		c.mu.Lock()
		if c.state == stateIdle {
			c.start(j, time.Now(), ledger.FlagReused, timeout)
			c.mu.Unlock()
			return c
		}
		c.mu.Unlock()
	}
	return nil
}

// take removes an idle connection from the pool for closing (it is
// marked dead at once), or returns nil.
func (p *connPool) take() *leanConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 {
		c := p.idle[len(p.idle)-1]
		p.idle[len(p.idle)-1] = nil
		p.idle = p.idle[:len(p.idle)-1]
		c.mu.Lock()
		idle := c.state == stateIdle
		c.state = stateDead
		c.mu.Unlock()
		if idle {
			return c
		}
	}
	return nil
}

func (p *connPool) put(c *leanConn) {
	p.mu.Lock()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

// remove drops c (dead while idle) from the pool.
func (p *connPool) remove(c *leanConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.idle {
		if x == c {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return
		}
	}
}

// Connection states. Only the reader moves a connection out of busy
// (finished or failed) and out of idle (closed by the server, unasked
// bytes, idle timeout); the pacer moves it from idle to busy and, when its
// write fails, from busy to dead. Every move is under the connection's
// lock, so a request is recorded exactly once.
const (
	stateIdle uint8 = iota
	stateBusy
	stateDead
)

// leanConn is one connection and the request on it.
type leanConn struct {
	lc *leanClient
	nc net.Conn
	lb int

	mu       sync.Mutex
	state    uint8
	j        job       // the request in flight (busy)
	sent     time.Time // its actual send time
	flags    uint8
	deadline time.Time // the read deadline set last
	lastUsed time.Time // end of the last request (idle)

	wbuf   []byte // the request, owned by whoever started it
	buf    []byte // read buffer; bytes r..w are unread
	r, w   int
	gw, be nameCache
}

// start makes c busy with request j, sent at sent (c.mu held), and
// builds the request bytes.
func (c *leanConn) start(j job, sent time.Time, flags uint8, timeout time.Duration) {
	c.state = stateBusy
	c.j, c.sent, c.flags = j, sent, flags
	if timeout > 0 {
		c.setDeadline(sent.Add(timeout))
	}
	lc := c.lc
	c.wbuf = append(c.wbuf[:0], lc.heads[c.lb]...)
	c.wbuf = strconv.AppendUint(c.wbuf, j.seq, 10)
	c.wbuf = append(c.wbuf, "\r\n\r\n"...)
	c.wbuf = append(c.wbuf, lc.body...)
}

// setDeadline sets the read deadline (c.mu held).
func (c *leanConn) setDeadline(t time.Time) {
	c.deadline = t
	_ = c.nc.SetReadDeadline(t) // fails only on a closed connection, which the reader sees
}

// write sends the started request. A failed write fails the request
// unless the reader already did.
func (c *leanConn) write() {
	if _, err := c.nc.Write(c.wbuf); err != nil {
		c.fail(err)
	}
}

// fail ends the request on c with err and closes c.
func (c *leanConn) fail(err error) {
	c.mu.Lock()
	if c.state != stateBusy {
		c.mu.Unlock()
		return
	}
	c.state = stateDead
	j, sent, flags := c.j, c.sent, c.flags
	c.mu.Unlock()
	_ = c.nc.Close() // the request's error is what matters; the reader exits
	c.record(j, sent, flags, response{gateway: ledger.NoName, backend: ledger.NoName}, err)
}

// kill closes a connection taken from its pool.
func (c *leanConn) kill() {
	_ = c.nc.Close() // its reader sees the state dead and exits
}

// serve reads responses until the connection ends.
func (c *leanConn) serve() {
	lc := c.lc
	defer lc.conns.Add(-1)
	defer c.nc.Close() // second close of a failed connection: nothing to report
	for {
		err := c.fill()
		c.mu.Lock()
		switch c.state {
		case stateDead:
			c.mu.Unlock()
			return
		case stateIdle:
			if err != nil && isTimeout(err) {
				now := time.Now()
				if now.Before(c.deadline) {
					c.mu.Unlock()
					continue
				}
				if idle := c.lastUsed.Add(lc.cfg.IdleTimeout); now.Before(idle) {
					c.setDeadline(idle) // the last request's deadline passed: now the idle one
					c.mu.Unlock()
					continue
				}
			}
			// Closed by the server, bytes nobody asked for, or idle
			// too long: the connection is done.
			c.state = stateDead
			c.mu.Unlock()
			lc.pools[c.lb].remove(c)
			return
		}
		if err != nil && isTimeout(err) && time.Now().Before(c.deadline) {
			// The deadline of the idle period fired just as the
			// request was started.
			c.mu.Unlock()
			continue
		}
		c.mu.Unlock()
		var resp response
		if err == nil {
			resp, err = c.readResponse(lc.isHead)
		} else {
			resp = response{gateway: ledger.NoName, backend: ledger.NoName}
		}
		if !c.finish(resp, err) {
			return
		}
	}
}

// finish records the request on c and returns c to its pool if it can
// carry another one; it returns false when c is done.
func (c *leanConn) finish(resp response, err error) bool {
	lc := c.lc
	c.mu.Lock()
	if c.state != stateBusy {
		c.mu.Unlock()
		return false // the write failed and recorded it
	}
	j, sent, flags := c.j, c.sent, c.flags
	reuse := err == nil && resp.keep && c.r == c.w && !lc.cfg.DisableKeepAlive
	if reuse {
		c.state = stateIdle
		c.lastUsed = time.Now()
	} else {
		c.state = stateDead
	}
	c.mu.Unlock()
	if resp.status > 0 && lc.failover {
		lc.current.Store(int32(c.lb)) // sticky: the last address that answered
	}
	if reuse {
		lc.pools[c.lb].put(c) // before the slot is freed: a waiting pacer finds it
	}
	c.record(j, sent, flags, resp, err)
	return reuse
}

// record writes the ledger record of request j on c.
func (c *leanConn) record(j job, sent time.Time, flags uint8, resp response, err error) {
	c.lc.finished(ledger.Record{
		Seq:      uint32(j.seq),
		Intended: j.off,
		SendLag:  sent.Sub(j.at),
		Latency:  time.Since(j.at),
		Status:   uint16(resp.status),
		Class:    Classify(err, resp.status),
		LB:       uint8(c.lb),
		Gateway:  resp.gateway,
		Backend:  resp.backend,
		Flags:    flags,
		Phase:    j.phase,
		Bytes:    uint32(min(resp.bytes, int64(^uint32(0)))),
	})
}
