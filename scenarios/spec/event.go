package spec

import "time"

// Event is one step of the fault timeline as it actually happened: written
// to events.jsonl during the run and read by the verdict, which judges
// windows relative to these exact times.
type Event struct {
	// Time is the wall-clock time of the step.
	Time time.Time `json:"time"`
	// Fault is the name of the timeline entry that caused the step.
	Fault string `json:"fault,omitempty"`
	// Kind is the fault kind (pod-terminate, rolling-restart, ...).
	Kind string `json:"kind,omitempty"`
	// Step names what happened: inject, revert, not-ready, prestop,
	// signal, exited, sigkill, started, ready, ...
	Step string `json:"step"`
	// Target is the replica, node, zone or LB acted on.
	Target string `json:"target,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Steps that delimit a fault's window in the verdict.
const (
	StepInject = "inject" // the fault begins
	StepRevert = "revert" // the fault (and its undo) has ended
	// StepRestore marks the end of the hold: the undo begins, so what the
	// fault took out may legitimately serve again from here on.
	StepRestore = "restore"
)

// Recorder receives events; implementations must be safe for concurrent use.
type Recorder interface {
	Record(Event)
}
