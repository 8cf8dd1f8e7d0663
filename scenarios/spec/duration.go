package spec

import (
	"errors"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written as "1.5s" / "200ms" in YAML.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML accepts Go duration strings only: a bare number is ambiguous
// (seconds? nanoseconds?) and rejected.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := durationOf(n)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// durationOf parses a scalar node as a Go duration string. Its error does
// not carry the line: Decode reports that separately.
func durationOf(n *yaml.Node) (Duration, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, errors.New(`want a duration such as "5s"`)
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (want e.g. \"500ms\", \"5s\")", n.Value)
	}
	return Duration(v), nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }
