package reports

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/gatecert/gatecert/scenarios/spec"
)

// EventLog writes every event to events.jsonl as it happens (so an
// interrupted or crashed run keeps its timeline) and keeps them for the
// verdict. ReadEvents, below, reads the file back.
type EventLog struct {
	mu     sync.Mutex
	f      *os.File
	events []spec.Event
	err    error
	notify func(spec.Event)
}

var _ spec.Recorder = (*EventLog)(nil)

// CreateEventLog creates dir/events.jsonl; notify, if set, sees each event.
func CreateEventLog(path string, notify func(spec.Event)) (*EventLog, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create events log: %w", err)
	}
	return &EventLog{f: f, notify: notify}, nil
}

// Record appends e; the first write error is kept and reported by Close.
func (l *EventLog) Record(e spec.Event) {
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

// All returns a copy of the events so far.
func (l *EventLog) All() []spec.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]spec.Event(nil), l.events...)
}

// Close closes the file; it returns the first write error, if any.
func (l *EventLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	cerr := l.f.Close()
	if l.err != nil {
		return l.err
	}
	return cerr
}

// ReadEvents reads an events.jsonl; a missing file is no events (a run
// without faults, or one that ended before the first).
func ReadEvents(path string) ([]spec.Event, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []spec.Event
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var e spec.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}
