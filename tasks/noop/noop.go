// Package noop provides the `noop` task type: a task that does nothing,
// optionally after a pause or by failing on purpose. Specs use it as a
// placeholder or join point; tests and benchmarks use it to exercise the
// scheduler without doing work.
package noop

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks"
)

func init() { tasks.Register(Type{}) }

// Type is the noop task type.
type Type struct{}

// Name returns "noop".
func (Type) Name() string { return "noop" }

// Options returns the declaration of the `with:` block, for tests that
// walk every type's options.
func (Type) Options() any { return &options{} }

// Schema returns the JSON Schema of the `with:` block.
func (Type) Schema() json.RawMessage {
	return tasks.Schema("noop", "Does nothing, optionally after a pause or by failing on purpose. A placeholder or join point, and a tool for testing retries and failure handling.", &options{})
}

type options struct {
	Sleep     tasks.Duration `yaml:"sleep" doc:"How long to wait before finishing, as a duration such as 500ms or 2s. Cancellation and timeouts interrupt the wait." examples:"100ms|2s"`
	Fail      bool           `yaml:"fail" doc:"Fail every attempt (after the sleep), to test failure handling."`
	FailTimes int            `yaml:"fail_times" min:"0" doc:"Fail the first N attempts and succeed afterwards, to test retries."`
}

// Prepare checks the options.
func (Type) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	var o options
	opts, err := tasks.Decode(spec, task, &o)
	if err != nil {
		return nil, err
	}
	var diags specs.Diagnostics
	if o.Fail && opts.Has("fail_times") {
		diags = append(diags, opts.Errorf("fail_times", "cannot be combined with fail: true").
			WithHint("fail: true fails every attempt; remove one of the two"))
	}
	if len(diags) > 0 {
		return nil, diags
	}
	return &runner{sleep: time.Duration(o.Sleep), fail: o.Fail, failTimes: o.FailTimes}, nil
}

type runner struct {
	sleep     time.Duration
	fail      bool
	failTimes int
}

// Run waits for the configured pause, then succeeds or fails as configured.
func (t *runner) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	if t.sleep > 0 {
		timer := time.NewTimer(t.sleep)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
	switch {
	case t.fail:
		return nil, fmt.Errorf("failed on purpose (fail: true)")
	case env.Attempt <= t.failTimes:
		return nil, fmt.Errorf("failed on purpose (attempt %d of the first %d)", env.Attempt, t.failTimes)
	}
	return nil, nil // nothing to hand downstream
}
