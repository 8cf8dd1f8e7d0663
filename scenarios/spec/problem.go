package spec

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a scenario file, located so that an editor
// can jump to it.
type Problem struct {
	File string
	// Line is 1-based; a field the file lacks is located at its closest
	// parent, a missing top-level field at the scenario's first line. 0
	// when unknown (a scenario built in code rather than decoded).
	Line int
	// Path is the field path such as "faults[0].at"; empty for problems of
	// the file as a whole (syntax errors).
	Path string
	Msg  string
}

// Error formats the problem as "file:line: path: msg", leaving out the parts
// that are unknown.
func (p Problem) Error() string {
	var b strings.Builder
	loc := p.File
	if p.Line > 0 {
		loc += ":" + strconv.Itoa(p.Line)
	}
	if loc != "" {
		b.WriteString(loc)
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found in one scenario, sorted by line then path.
// Decode and Validate return it as their error so that a user fixes a file in
// one pass rather than one complaint at a time.
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// sorted returns ps ordered by line then path, or nil if there are none.
func (ps Problems) sorted() error {
	if len(ps) == 0 {
		return nil
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Path, b.Path))
	})
	return ps
}

var _ error = Problem{}
var _ error = Problems(nil)
