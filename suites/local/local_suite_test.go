// Package local_test runs the certification catalogue on the local
// provider (network namespaces, nginx, HAProxy). One spec per scenario,
// generated from the catalogue, so a new YAML needs no Go. A negative
// control passes when the harness flags its scenario as failed.
package local_test

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/gatecert/gatecert/fixtures/echo"
)

// TestMain lets the test binary double as the echo backend that the local
// provider starts inside each node namespace.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "echo" {
		os.Exit(echo.Main(os.Args[2:]))
	}
	os.Exit(m.Run())
}

func TestLocal(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "gatecert local provider")
}
