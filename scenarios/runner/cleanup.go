package runner

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// cleanupTimeout bounds the whole clean-up; its context is detached from
// the run's, so Ctrl-C cannot cancel the clean-up it triggered.
const cleanupTimeout = 60 * time.Second

// cleanups is the runner's LIFO stack of finalizers, pushed at the moment
// the thing they undo is created.
type cleanups struct {
	steps []cleanupStep
}

type cleanupStep struct {
	what string
	fn   func(context.Context) error
}

func (c *cleanups) push(what string, fn func(context.Context) error) {
	c.steps = append(c.steps, cleanupStep{what, fn})
}

// run executes every finalizer last-in-first-out, even after failures.
func (c *cleanups) run(parent context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), cleanupTimeout)
	defer cancel()
	var errs []error
	for i := len(c.steps) - 1; i >= 0; i-- {
		if err := c.steps[i].fn(ctx); err != nil {
			errs = append(errs, fmt.Errorf("clean up %s: %w", c.steps[i].what, err))
		}
	}
	c.steps = nil
	return errors.Join(errs...)
}
