// Package scripts_test checks what `make test` prints and runs, with fake
// go and gotestsum commands that record their arguments, and the progress
// filter the Makefile pipes its long stages through.
package scripts_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fakeGo records each call in $FAKE_LOG; `list` prints four packages,
// `build` prints one compiled package on stderr (as go build -v does) and
// fails when $FAKE_FAIL is set.
const fakeGo = `#!/usr/bin/env bash
echo "go $*" >>"$FAKE_LOG"
case $1 in
list) printf '%s\n' example.com/m/cmd/gatecert example.com/m/fixtures/netns example.com/m/ledger example.com/m/suites/local ;;
build)
	echo example.com/m/ledger >&2
	if [[ -n ${FAKE_FAIL:-} ]]; then echo "ledger/ledger.go:1:1: syntax error" >&2; exit 1; fi ;;
esac
`

const fakeGotestsum = `#!/usr/bin/env bash
echo "gotestsum $*" >>"$FAKE_LOG"
echo "PASS  ledger (0.1s)"
`

type fakes struct {
	dir, log string
}

func newFakes(t *testing.T) fakes {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"go": fakeGo, "gotestsum": fakeGotestsum} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return fakes{dir: dir, log: filepath.Join(dir, "calls.log")}
}

// make runs the repository's Makefile on target with the fakes, through
// wrap (e.g. script(1) for a terminal), and returns its output and the
// recorded calls.
func (f fakes) make(t *testing.T, target string, env []string, wrap ...string) (string, []string, error) {
	t.Helper()
	args := []string{"make", "--no-print-directory", "-C", "..", target,
		"GO=" + filepath.Join(f.dir, "go"), "GOTESTSUM=" + filepath.Join(f.dir, "gotestsum"),
		"ARTIFACTS=" + t.TempDir()}
	if len(wrap) > 0 { // wrap runs one shell command: script -qec CMD /dev/null
		args = append(append(wrap[:len(wrap):len(wrap)], strings.Join(args, " ")), "/dev/null")
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(cleanEnv(), "FAKE_LOG="+f.log)
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	calls, _ := os.ReadFile(f.log) // absent when nothing was called
	return string(out), strings.Split(strings.TrimSpace(string(calls)), "\n"), err
}

// cleanEnv is the environment without what an outer make (make test runs
// these tests) passes down.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES":
		default:
			env = append(env, kv)
		}
	}
	return env
}

func needMake(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
}

// The unit stage announces itself before each step, compiles with -race
// first, then tests every package but the timed ones and the suites,
// then the timed ones one at a time.
func TestMakeUnit(t *testing.T) {
	needMake(t)
	f := newFakes(t)
	out, calls, err := f.make(t, "unit", nil)
	if err != nil {
		t.Fatalf("make unit: %v\n%s", err, out)
	}
	want := []string{
		"go build -race -v ./...",
		"go list ./...",
		"gotestsum --format pkgname --format-icons text -- -race -count=1 example.com/m/ledger",
		"gotestsum --format testname --format-icons text -- -race -count=1 -p 1 ./fixtures/netns ./cmd/gatecert",
	}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}
	// Each heading comes before what it announces.
	order := []string{"== unit: compiling the packages again with -race", "race-build: 1 packages compiled",
		"== unit: tests with -race", "PASS  ledger", "== unit: timed tests", "PASS  ledger"}
	rest := out
	for _, w := range order {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("output lacks %q after the earlier lines:\n%s", w, out)
		}
		rest = rest[i+len(w):]
	}
}

// A failed compile fails the stage, its error shown: the pipe through
// progress.sh keeps go's exit status.
func TestMakeFailedCompile(t *testing.T) {
	needMake(t)
	f := newFakes(t)
	out, calls, err := f.make(t, "unit", []string{"FAKE_FAIL=1"})
	if err == nil {
		t.Fatalf("make unit passed on a failed compile:\n%s", out)
	}
	if !strings.Contains(out, "ledger/ledger.go:1:1: syntax error") {
		t.Errorf("the compile error is not shown:\n%s", out)
	}
	for _, c := range calls {
		if strings.HasPrefix(c, "gotestsum") {
			t.Errorf("tests ran after the failed compile: %s", c)
		}
	}
}

// Ginkgo colours only on a terminal: suite-smoke adds -ginkgo.no-color
// when make's stdout is a pipe, and not under a pseudo-terminal.
func TestMakeSuiteSmokeColor(t *testing.T) {
	needMake(t)
	f := newFakes(t)
	out, calls, err := f.make(t, "suite-smoke", nil)
	if err != nil {
		t.Fatalf("make suite-smoke: %v\n%s", err, out)
	}
	if len(calls) != 1 || !strings.Contains(calls[0], "go test -v") || !strings.Contains(calls[0], " -ginkgo.no-color ") {
		t.Errorf("stdout a pipe: want go test with -ginkgo.no-color, calls %q", calls)
	}

	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) not installed (util-linux): the terminal case is not checked")
	}
	f = newFakes(t)
	out, calls, err = f.make(t, "suite-smoke", nil, script, "-qec") // /dev/null: no typescript file
	if err != nil {
		t.Fatalf("make suite-smoke on a terminal: %v\n%s", err, out)
	}
	if len(calls) != 1 || !strings.Contains(calls[0], "go test -v") || strings.Contains(calls[0], "no-color") {
		t.Errorf("stdout a terminal: want go test without -ginkgo.no-color, calls %q", calls)
	}
}

// progress.sh condenses go build -v into counts, passes other lines, and
// says a stage is still at work when nothing came for PROGRESS_IDLE s.
func TestProgress(t *testing.T) {
	run := func(mode, input string) string {
		t.Helper()
		// The input pauses 2 s (sleep: the silence under test) after its
		// first line; PROGRESS_IDLE=1 makes that a heartbeat.
		first, rest, _ := strings.Cut(input, "\n")
		cmd := exec.Command("bash", "-c", `{ printf '%s\n' "$1"; sleep 2; printf '%s' "$2"; } | ./progress.sh "$3" what`,
			"-", first, rest, mode)
		cmd.Env = append(os.Environ(), "PROGRESS_IDLE=1", "PROGRESS_EVERY=100")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("progress.sh %s: %v\n%s", mode, err, out.String())
		}
		return out.String()
	}

	got := run("build", "k8s.io/api/core/v1\n# example.com/m/ledger\nledger/ledger.go:1:1: syntax error\nexample.com/m/ledger\n")
	for _, want := range []string{
		"what: still compiling k8s.io/api/core/v1 (1 packages so far)",
		"# example.com/m/ledger\nledger/ledger.go:1:1: syntax error\n",
		"what: 2 packages compiled (",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("build mode: output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\nexample.com/m/ledger\n") || strings.HasPrefix(got, "k8s.io") {
		t.Errorf("build mode printed a package line instead of counting it:\n%s", got)
	}

	// One heartbeat or two, as the machine's load has it.
	got = run("pass", "PASS  ledger (0.1s)\nFAIL\nno newline")
	want := regexp.MustCompile(`^PASS  ledger \(0\.1s\)\n(    what: still running, nothing printed for 1s \(\d+s\)\n)+FAIL\nno newline\n$`)
	if !want.MatchString(got) {
		t.Errorf("pass mode:\n%q\nwant\n%s", got, want)
	}
}
