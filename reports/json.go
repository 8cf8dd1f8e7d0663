package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Duration is a time.Duration that reads and writes JSON as a string such as
// "1.5s".
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"1.5s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// WriteJSON writes v as indented JSON to path.
func WriteJSON(path string, v *Verdict) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep ">= 99.9%" readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode verdict: %w", err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write verdict: %w", err)
	}
	return nil
}

// ReadJSON reads a verdict written by WriteJSON, of this schema version or
// of version 1 (overrides upgraded, outcome derived from passed); any
// other version is an error rather than a silent misreading.
func ReadJSON(path string) (*Verdict, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read verdict: %w", err)
	}
	var v Verdict
	var head struct {
		SchemaVersion int `json:"schemaVersion"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("decode verdict %s: %w", path, err)
	}
	switch head.SchemaVersion {
	case SchemaVersion:
		err = json.Unmarshal(b, &v)
	case 1:
		err = readV1(b, &v)
	default:
		return nil, fmt.Errorf("verdict %s: schema version %d, want %d (or 1)", path, head.SchemaVersion, SchemaVersion)
	}
	if err != nil {
		return nil, fmt.Errorf("decode verdict %s: %w", path, err)
	}
	return &v, nil
}

// readV1 reads a schema-1 verdict into the current shape.
func readV1(b []byte, v *Verdict) error {
	var old struct {
		*Verdict
		Overrides []string `json:"overrides,omitempty"` // shadows Verdict.Overrides
	}
	old.Verdict = v
	if err := json.Unmarshal(b, &old); err != nil {
		return err
	}
	v.Overrides = overridesV1(old.Overrides, v.Provider)
	v.Outcome = OutcomeFailed
	if v.Passed {
		v.Outcome = OutcomePassed
	}
	v.SchemaVersion = SchemaVersion
	return nil
}
