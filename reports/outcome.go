package reports

import "github.com/gatecert/gatecert/scenarios/spec"

// Outcome is what became of a run: the one table the CLI's exit codes,
// junit.xml, summary.md, report.html, scripts/fidelity.sh and the suites
// all read.
//
//	outcome      exit  meaning
//	passed       0     at least one SLO, and every SLO passed
//	failed       1     the stack broke an SLO
//	bad-input    2     the scenario or flags were wrong; nothing ran
//	environment  3     cannot be judged: bring-up or fault injection failed
//	invalid      3     cannot be judged: the run could not do what it set
//	                   out to do (client behind schedule, LB at its
//	                   connection limit, machine saturated, evidence missing)
//	interrupted  130   the user stopped it; a partial verdict is kept
//	skipped      0     the provider lacks a capability; nothing judged
type Outcome string

// Outcomes.
const (
	OutcomePassed      Outcome = "passed"
	OutcomeFailed      Outcome = "failed"
	OutcomeBadInput    Outcome = "bad-input"
	OutcomeEnvironment Outcome = "environment"
	OutcomeInvalid     Outcome = "invalid"
	OutcomeInterrupted Outcome = "interrupted"
	OutcomeSkipped     Outcome = "skipped"
)

// Exit codes of the outcome table.
const (
	ExitPassed      = 0
	ExitFailed      = 1
	ExitBadInput    = 2
	ExitUnjudged    = 3
	ExitInterrupted = 130
)

var outcomeTable = map[Outcome]struct {
	exit int
	word string // the first word of a terminal line
}{
	OutcomePassed:      {ExitPassed, "PASS"},
	OutcomeFailed:      {ExitFailed, "FAIL"},
	OutcomeBadInput:    {ExitBadInput, "BAD-INPUT"},
	OutcomeEnvironment: {ExitUnjudged, "ERROR"},
	OutcomeInvalid:     {ExitUnjudged, "INVALID"},
	OutcomeInterrupted: {ExitInterrupted, "INTERRUPTED"},
	OutcomeSkipped:     {ExitPassed, "SKIP"},
}

// ExitCode is the outcome's exit code (3 for an unknown outcome: it cannot
// be judged).
func (o Outcome) ExitCode() int {
	if e, ok := outcomeTable[o]; ok {
		return e.exit
	}
	return ExitUnjudged
}

// Word is the outcome's first word on a terminal line: PASS, FAIL, ERROR,
// INVALID, INTERRUPTED, SKIP.
func (o Outcome) Word() string {
	if e, ok := outcomeTable[o]; ok {
		return e.word
	}
	return "ERROR"
}

// Judged reports whether the stack was judged: passed or failed.
func (o Outcome) Judged() bool { return o == OutcomePassed || o == OutcomeFailed }

// CertifyExit is a scenario's exit code when it is judged against its
// declared expectation (run -certify, make run, the suites): a good
// profile must pass and a negative control must fail (be flagged); a
// run that was not judged keeps its own code, never a false pass or fail.
func (o Outcome) CertifyExit(expect string) int {
	if !o.Judged() {
		return o.ExitCode()
	}
	if (o == OutcomePassed) == (expect != spec.ExpectFail) {
		return ExitPassed
	}
	return ExitFailed
}

// WorstExit combines the exit codes of several outcomes: an interrupt
// wins, then cannot-be-judged, bad input, failed, passed.
func WorstExit(codes ...int) int {
	worst := ExitPassed
	for _, c := range codes {
		worst = max(worst, c)
	}
	return worst
}
