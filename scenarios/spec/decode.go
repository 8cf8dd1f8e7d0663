package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LoadFile reads, decodes and validates the scenario file at path. Problems
// name the file as path was given. The error is Problems for anything wrong
// with the content, so a caller can list every problem at once. (It is not
// called Load: that is the type of Scenario.Load.)
func LoadFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	s, err := Decode(path, data)
	if err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Decode parses data, a single YAML document, into a Scenario and applies
// Defaults. It is strict: unknown and duplicate fields, values of the wrong
// type, durations that are not Go duration strings and a second document
// are all rejected. Every such problem is reported, as Problems, each with
// the line and field path; file is used only to name the source in them.
//
// Decode does not Validate: a scenario that fails to decode is not also
// validated, since its zero values would only add noise.
func Decode(file string, data []byte) (*Scenario, error) {
	root, err := parse(file, data)
	if err != nil {
		return nil, err
	}
	d := decoder{file: file, lines: map[string]int{}}
	var s Scenario
	d.value(root, reflect.ValueOf(&s).Elem(), "")
	if err := d.probs.sorted(); err != nil {
		return nil, err
	}
	s.Source = Source{File: file, Lines: d.lines, Start: root.Line}
	s.Defaults()
	s.ExpandChaos()
	return &s, nil
}

// parse returns the root node of the one document in data.
func parse(file string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Problems{{File: file, Msg: "empty file: want one scenario document"}}
		}
		return nil, Problems{syntaxProblem(file, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, Problems{syntaxProblem(file, err)}
	default:
		return nil, Problems{{File: file, Line: next.Line, Msg: "second YAML document: want one scenario per file"}}
	}
	if len(doc.Content) == 0 {
		return nil, Problems{{File: file, Msg: "empty file: want one scenario document"}}
	}
	return doc.Content[0], nil
}

// syntaxProblem turns a yaml.v3 parse error ("yaml: line 3: did not find
// expected key") into a located Problem. yaml.v3 (v3.0.1) counts lines from
// 0 internally and prints a line only when that count is not 0; scanner
// errors add 1 to it, parser errors do not. So a parser error is one line
// late in its message, and an error on the first line has no line at all.
func syntaxProblem(file string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		num, text, ok := strings.Cut(rest, ": ")
		if n, err := strconv.Atoi(num); ok && err == nil {
			line, msg = n, text
		}
	}
	switch {
	case yamlParserProblems[msg]:
		line++
	case line == 0 && !strings.HasPrefix(msg, "unknown anchor"):
		line = 1 // a scanner error on the first line
	}
	return Problem{File: file, Line: line, Msg: "syntax error: " + msg}
}

// yamlParserProblems are the messages of yaml.v3's parser (parserc.go), as
// opposed to its scanner, whose line numbers are printed 0-based.
var yamlParserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// decoder walks a node tree into a value by the yaml tags of its fields,
// recording each field's line and collecting problems instead of stopping
// at the first. The Go types it fills are a fixed, non-recursive shape, so
// the walk is bounded by it whatever aliases the document uses.
type decoder struct {
	file  string
	lines map[string]int
	probs Problems
}

func (d *decoder) fail(line int, path, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

var durationType = reflect.TypeFor[Duration]()

// value decodes n into v. A null leaves v zero, for Defaults and Validate to
// deal with.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	line := n.Line // an alias is reported where it is used, not where its anchor is
	n = resolve(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	if v.Type() == durationType {
		dur, err := durationOf(n)
		if err != nil {
			d.fail(line, path, "%v", err)
			return
		}
		v.SetInt(int64(dur))
		return
	}
	switch v.Kind() {
	case reflect.Pointer: // an optional section, e.g. chaos
		p := reflect.New(v.Type().Elem())
		d.value(n, p.Elem(), path)
		v.Set(p)
	case reflect.Struct:
		d.mapping(n, line, v, path)
	case reflect.Slice:
		d.sequence(n, line, v, path)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(line, path, "want a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int:
		var i int
		if !scalarAs(n, &i, "!!int") {
			d.fail(line, path, "want an integer, got %s", describe(n))
			return
		}
		v.SetInt(int64(i))
	case reflect.Float64:
		var f float64
		if !scalarAs(n, &f, "!!float", "!!int") {
			d.fail(line, path, "want a number, got %s", describe(n))
			return
		}
		v.SetFloat(f)
	case reflect.Bool:
		var b bool
		if !scalarAs(n, &b, "!!bool") {
			d.fail(line, path, "want true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	default:
		panic(fmt.Sprintf("spec: field %s has unsupported type %s", path, v.Type()))
	}
}

// scalarAs decodes n into out if n is a scalar with one of tags. yaml.v3 on
// its own would turn 1.5 into the int 1 and "yes" into true; the tag check
// keeps those as errors.
func scalarAs(n *yaml.Node, out any, tags ...string) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	for _, t := range tags {
		if n.ShortTag() == t {
			return n.Decode(out) == nil
		}
	}
	return false
}

func (d *decoder) mapping(n *yaml.Node, line int, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(line, path, "want a mapping of fields, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		keyLine := n.Content[i].Line
		k := resolve(n.Content[i])
		if k.Kind != yaml.ScalarNode {
			d.fail(keyLine, path, "want a field name, got %s", describe(k))
			continue
		}
		p := join(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.fail(keyLine, p, "duplicate field (first at line %d)", first)
			continue
		}
		seen[k.Value] = keyLine
		idx, ok := fields[k.Value]
		switch {
		case !ok && k.Value == "<<" && k.ShortTag() == "!!merge":
			d.fail(keyLine, path, "merge keys (<<) are not supported")
			continue
		case !ok:
			d.fail(keyLine, p, "unknown field")
			continue
		}
		d.lines[p] = keyLine
		d.value(n.Content[i+1], v.Field(idx), p)
	}
}

func (d *decoder) sequence(n *yaml.Node, line int, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(line, path, "want a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, e := range n.Content {
		p := path + "[" + strconv.Itoa(i) + "]"
		d.lines[p] = e.Line
		d.value(e, s.Index(i), p)
	}
	v.Set(s)
}

// fieldsOf maps the yaml names of t's fields to their index; fields tagged
// "-" (Source) are not decoded.
func fieldsOf(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = strings.ToLower(f.Name)
		}
		m[name] = i
	}
	return m
}

// resolve follows aliases to the anchored node.
func resolve(n *yaml.Node) *yaml.Node {
	// The parser never makes an alias of an alias; the bound is a guard.
	for range 8 {
		if n.Kind != yaml.AliasNode || n.Alias == nil {
			return n
		}
		n = n.Alias
	}
	return n
}

// describe names what a node holds, for "want X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		v := n.Value
		if r := []rune(v); len(r) > 40 {
			v = string(r[:40]) + "..."
		}
		return strconv.Quote(v)
	}
	return "nothing usable"
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
