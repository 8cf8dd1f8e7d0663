package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// gatecertBin is the gatecert binary built once for the end-to-end tests.
var gatecertBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gatecert-bin-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	gatecertBin = filepath.Join(dir, "gatecert")
	if out, err := exec.Command("go", "build", "-o", gatecertBin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic("build gatecert: " + err.Error())
	}
	return m.Run()
}

// needRoot skips end-to-end tests that build namespaces.
func needRoot(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: needs root and network namespaces; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("end-to-end: needs root for network namespaces")
	}
}
