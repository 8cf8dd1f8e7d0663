package reports

import (
	"bytes"
	"cmp"
	"fmt"

	"github.com/gatecert/gatecert/ledger"
)

// DataPath is where requests entered and whether they crossed to another
// node (stack.lb.path), from the backends' format-2 records: the gateway's
// peer is the entry node after a Cluster hop's SNAT, and otherwise (the
// direct path, Local) the LB, so the request entered the gateway's node.
type DataPath struct {
	// Requests counts the backend records that carry the addresses.
	Requests int64 `json:"requests"`
	// Entered counts requests by the node they entered.
	Entered map[string]int64 `json:"entered"`
	// Crossed counts requests served by a replica on another node than
	// the one they entered; CrossShare is Crossed / Requests.
	Crossed    int64   `json:"crossed"`
	CrossShare float64 `json:"crossShare"`
	// SeenAs counts the client address the gateways saw: "node" (a hop's
	// SNAT) or "lb" (the LB's own address).
	SeenAs map[string]int64 `json:"seenAs"`
}

// pathTally accumulates DataPath from backend records.
type pathTally struct {
	nodes map[string]string // address → node (ledger meta)
	d     DataPath
}

func newPathTally(meta ledger.Meta) *pathTally {
	return &pathTally{nodes: meta.Nodes, d: DataPath{Entered: map[string]int64{}, SeenAs: map[string]int64{}}}
}

// add counts one backend record; a format-1 record (no addresses) is not
// counted.
func (p *pathTally) add(r ledger.BackendRecord) {
	if !r.Peer.IsValid() || !r.Local.IsValid() {
		return
	}
	p.d.Requests++
	served := cmp.Or(p.nodes[r.Local.String()], r.Local.String())
	entry, viaNode := p.nodes[r.Peer.String()]
	if viaNode {
		p.d.SeenAs["node"]++
	} else {
		p.d.SeenAs["lb"]++
		entry = served
	}
	p.d.Entered[entry]++
	if entry != served {
		p.d.Crossed++
	}
}

// result is the tally, or nil when no record carried the addresses (a
// format-1 run, or a provider whose relay ships format 1).
func (p *pathTally) result() *DataPath {
	if p.d.Requests == 0 {
		return nil
	}
	d := p.d
	d.CrossShare = float64(d.Crossed) / float64(d.Requests)
	return &d
}

// writeDataPath is summary.md's section on where requests entered: by
// entry node, and how many crossed to another node. Nothing for a run
// without the evidence (backend ledger format 1).
func writeDataPath(b *bytes.Buffer, d *DataPath) {
	if d == nil {
		return
	}
	b.WriteString("\n## Entered by node\n\n")
	servedTable(b, "entry node", d.Entered, d.Requests)
	fmt.Fprintf(b, "\n%d of %d backend records crossed to a replica on another node (%s); the gateways saw a node's address %d times (a Cluster hop's SNAT) and the LB's %d times.\n",
		d.Crossed, d.Requests, percent(d.CrossShare, 1), d.SeenAs["node"], d.SeenAs["lb"])
}
