package ledger

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// Group is one client group's part of a merged client ledger: the records
// with First <= Seq < First+Count. A record names its group by its Seq, so
// the record layout needs no group field (DESIGN.md, "Regions and the DNS
// GSLB").
type Group struct {
	Name     string `json:"name"`
	Region   string `json:"region,omitempty"`
	Resolver string `json:"resolver,omitempty"`
	First    uint32 `json:"first"`
	Count    uint32 `json:"count"`
}

// Has says seq is in g's range.
func (g Group) Has(seq uint32) bool { return seq >= g.First && seq-g.First < g.Count }

// GroupOf returns the group whose range holds seq; false for a ledger
// without groups or a seq outside them.
func (m Meta) GroupOf(seq uint32) (Group, bool) {
	for _, g := range m.Groups {
		if g.Has(seq) {
			return g, true
		}
	}
	return Group{}, false
}

// Part is one group's own ledger directory (client.ledger, ledger.json),
// written by a load generator whose ids start at Group.First.
type Part struct {
	Dir   string
	Group Group
}

// Merge writes dir's client.ledger and ledger.json from the parts, in
// order: every record with its LB, gateway and backend indexes mapped into
// name tables that are the union of the parts' (first seen first), its
// intended time moved onto the earliest part's start (the groups' load
// generators start milliseconds apart), and each group declared in the
// meta. Ranges must not overlap and every record must lie in its
// group's range. The client's schedule figures combine as the worst
// (send lag, saturation) or the sum (rate).
func Merge(dir string, parts []Part) (Meta, error) {
	if len(parts) == 0 {
		return Meta{}, errors.New("merge ledgers: no parts")
	}
	metas := make([]Meta, len(parts))
	for i, p := range parts {
		m, err := ReadMeta(p.Dir)
		if err != nil {
			return Meta{}, fmt.Errorf("merge ledgers: group %s: %w", p.Group.Name, err)
		}
		metas[i] = m
	}
	if err := checkRanges(parts); err != nil {
		return Meta{}, err
	}
	out := mergedMeta(metas, parts)
	w, err := Create(filepath.Join(dir, ClientFile))
	if err != nil {
		return Meta{}, err
	}
	for i, p := range parts {
		if err := copyPart(w, &out, metas[i], p); err != nil {
			_ = w.Close() // the copy error is what matters
			return Meta{}, err
		}
	}
	if err := w.Close(); err != nil {
		return Meta{}, err
	}
	out.Records = w.Count()
	return out, WriteMeta(dir, out)
}

// checkRanges rejects overlapping group ranges.
func checkRanges(parts []Part) error {
	gs := make([]Group, len(parts))
	for i, p := range parts {
		gs[i] = p.Group
	}
	slices.SortFunc(gs, func(a, b Group) int { return cmp.Compare(a.First, b.First) })
	for i := 1; i < len(gs); i++ {
		if uint64(gs[i-1].First)+uint64(gs[i-1].Count) > uint64(gs[i].First) {
			return fmt.Errorf("merge ledgers: groups %s and %s overlap", gs[i-1].Name, gs[i].Name)
		}
	}
	return nil
}

// mergedMeta combines the parts' metadata (name tables filled by copyPart).
func mergedMeta(metas []Meta, parts []Part) Meta {
	out := Meta{Version: metas[0].Version, Start: metas[0].Start, Policy: metas[0].Policy, Zones: map[string]string{}}
	var reasons []string
	for i, m := range metas {
		if m.Start.Before(out.Start) {
			out.Start = m.Start
		}
		out.Rate += m.Rate
		out.Phases = max(out.Phases, m.Phases)
		out.SendLagP99 = max(out.SendLagP99, m.SendLagP99)
		out.MaxSendLag = max(out.MaxSendLag, m.MaxSendLag)
		if m.ClientSaturated {
			out.ClientSaturated = true
			reasons = append(reasons, parts[i].Group.Name+": "+m.SaturationReason)
		}
		maps.Copy(out.Zones, m.Zones)
		out.Groups = append(out.Groups, parts[i].Group)
	}
	out.SaturationReason = strings.Join(reasons, "; ")
	return out
}

// copyPart appends one part's records to w with their names remapped into
// out's tables and their intended times moved onto out.Start.
func copyPart(w *Writer, out *Meta, m Meta, p Part) error {
	lbs, gws, bes := remap(&out.LBs, m.LBs), remap(&out.Gateways, m.Gateways), remap(&out.Backends, m.Backends)
	shift := m.Start.Sub(out.Start)
	return Scan(filepath.Join(p.Dir, ClientFile), func(r Record) error {
		if !p.Group.Has(r.Seq) {
			return fmt.Errorf("merge ledgers: group %s: seq %d outside its range [%d, %d)", p.Group.Name, r.Seq, p.Group.First, uint64(p.Group.First)+uint64(p.Group.Count))
		}
		r.LB, r.Gateway, r.Backend = lbs(r.LB), gws(r.Gateway), bes(r.Backend)
		r.Intended += shift
		return w.Write(r)
	})
}

// remap adds names to the table and returns the map from the part's
// indexes to the table's (NoName and unknown indexes stay NoName).
func remap(table *[]string, names []string) func(uint8) uint8 {
	idx := make([]uint8, len(names))
	for i, n := range names {
		j := slices.Index(*table, n)
		if j < 0 {
			*table = append(*table, n)
			j = len(*table) - 1
		}
		idx[i] = uint8(min(j, NoName))
	}
	return func(i uint8) uint8 {
		if int(i) < len(idx) {
			return idx[i]
		}
		return NoName
	}
}
