package ledger

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// File names inside a ledger directory.
const (
	ClientFile  = "client.ledger"
	MetaFile    = "ledger.json"
	BackendGlob = "backend-*.ledger"
)

// Meta describes a client ledger: when it started (records hold offsets
// from it) and the name tables the records index into.
type Meta struct {
	Version  int       `json:"version"`
	Start    time.Time `json:"start"`
	Rate     float64   `json:"rate"`
	Records  int64     `json:"records"`
	LBs      []string  `json:"lbs"`
	Gateways []string  `json:"gateways"`
	Backends []string  `json:"backends"`
	// Zones maps a gateway or backend name to its zone.
	Zones map[string]string `json:"zones,omitempty"`
	// Nodes maps a node's address, as a gateway sees it at either end of
	// a client connection (backend ledger format 2), to the node's name.
	Nodes map[string]string `json:"nodes,omitempty"`
	// Policy is the client's LB address policy ("spread" or "failover");
	// Phases the number of schedule phases (Record.Phase < Phases).
	Policy string `json:"policy,omitempty"`
	Phases int    `json:"phases,omitempty"`
	// SendLagP99 and MaxSendLag say how closely the client kept to its
	// schedule (actual minus intended send time).
	SendLagP99 time.Duration `json:"sendLagP99Ns,omitempty"`
	MaxSendLag time.Duration `json:"maxSendLagNs,omitempty"`
	// ClientSaturated says the load generator could not keep to its
	// schedule, so the offered load was lower than asked: a verdict on
	// such a run judges the client too. SaturationReason says why.
	ClientSaturated  bool   `json:"clientSaturated"`
	SaturationReason string `json:"saturationReason,omitempty"`
	// Groups are the client groups of a merged ledger, each a range of
	// Seq (group.go); absent: one group. Regions maps LB, gateway and
	// backend names to their region; absent: one region.
	Groups  []Group           `json:"groups,omitempty"`
	Regions map[string]string `json:"regions,omitempty"`
}

// Name returns names[i] or "" when out of range.
func Name(names []string, i uint8) string {
	if int(i) < len(names) {
		return names[i]
	}
	return ""
}

// WriteMeta writes meta as dir/ledger.json.
func WriteMeta(dir string, m Meta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode ledger meta: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, MetaFile), append(b, '\n'), 0o644)
}

// ReadMeta reads dir/ledger.json.
func ReadMeta(dir string) (Meta, error) {
	var m Meta
	b, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		return m, fmt.Errorf("read ledger meta: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("decode %s: %w", filepath.Join(dir, MetaFile), err)
	}
	return m, nil
}
