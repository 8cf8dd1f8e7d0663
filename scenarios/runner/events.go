package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// eventLog writes every event to events.jsonl as it happens (so an
// interrupted run keeps its timeline) and keeps them for the verdict.
type eventLog struct {
	mu     sync.Mutex
	f      *os.File
	events []spec.Event
	err    error
	notify func(spec.Event)
}

var _ spec.Recorder = (*eventLog)(nil)

func newEventLog(path string, notify func(spec.Event)) (*eventLog, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create events log: %w", err)
	}
	return &eventLog{f: f, notify: notify}, nil
}

// Record appends e; the first write error is kept and reported by close.
func (l *eventLog) Record(e spec.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	b, err := json.Marshal(e)
	if err == nil {
		_, err = l.f.Write(append(b, '\n'))
	}
	if err != nil && l.err == nil {
		l.err = err
	}
	if l.notify != nil {
		l.notify(e)
	}
}

// all returns a copy of the events so far.
func (l *eventLog) all() []spec.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]spec.Event(nil), l.events...)
}

func (l *eventLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	cerr := l.f.Close()
	if l.err != nil {
		return l.err
	}
	return cerr
}
