package scenarios

import (
	"testing"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// Every embedded scenario decodes strictly and validates, and every good
// profile has a negative control (and vice versa) in the catalogue.
func TestCatalogueValidates(t *testing.T) {
	list, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatal("empty catalogue")
	}
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s.Name] {
			t.Errorf("duplicate scenario name %s", s.Name)
		}
		seen[s.Name] = true
		if s.Expect != spec.ExpectPass && s.Expect != spec.ExpectFail {
			t.Errorf("%s: expect must say pass or fail, got %q", s.Name, s.Expect)
		}
	}
	pass, fail := 0, 0
	for _, s := range list {
		if s.Expect == spec.ExpectFail {
			fail++
		} else {
			pass++
		}
	}
	if fail == 0 {
		t.Error("the catalogue has no negative control")
	}
}
