package loadgen

import (
	"sync"

	"github.com/gatecert/gatecert/ledger"
)

// maxNames is how many names a table holds; index ledger.NoName (0xFF) is
// reserved for "unknown" and 0xFE stays free.
const maxNames = 254

// names interns gateway or backend names into a ledger name table, in
// first-seen order.
type names struct {
	mu    sync.Mutex
	index map[string]uint8
	list  []string
}

func newNames() *names { return &names{index: make(map[string]uint8)} }

// intern returns the index of name, adding it if there is room; "" and
// names past the table's capacity are ledger.NoName.
func (n *names) intern(name string) uint8 {
	if name == "" {
		return ledger.NoName
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if i, ok := n.index[name]; ok {
		return i
	}
	if len(n.list) >= maxNames {
		return ledger.NoName
	}
	i := uint8(len(n.list))
	n.index[name] = i
	n.list = append(n.list, name)
	return i
}

// table returns a copy of the names in index order.
func (n *names) table() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string{}, n.list...)
}

// internBytes is intern for a header value still in a read buffer: a known
// name costs no allocation.
func (n *names) internBytes(b []byte) uint8 {
	if len(b) == 0 {
		return ledger.NoName
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if i, ok := n.index[string(b)]; ok { // the conversion does not allocate
		return i
	}
	if len(n.list) >= maxNames {
		return ledger.NoName
	}
	name := string(b)
	i := uint8(len(n.list))
	n.index[name] = i
	n.list = append(n.list, name)
	return i
}

// nameCache remembers the last name one connection saw: a connection
// through an L4 load balancer stays with one gateway, so most responses
// skip the table's lock.
type nameCache struct {
	last []byte
	idx  uint8
	ok   bool
}

func (c *nameCache) intern(n *names, v []byte) uint8 {
	if c.ok && string(c.last) == string(v) {
		return c.idx
	}
	c.idx = n.internBytes(v)
	c.last = append(c.last[:0], v...)
	c.ok = true
	return c.idx
}
