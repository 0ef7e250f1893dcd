package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/exitcode"
)

// A run's error carries the exit status its failed tasks agree on, and
// ErrRunFailed's or ErrRunCancelled's otherwise.
func TestRunExitCode(t *testing.T) {
	t.Parallel()
	dataInvalid := exitcode.New(exitcode.DataInvalid, "data expectations failed")
	fail := func(err error) runFunc {
		return func(context.Context, *engine.Env) (*engine.Result, error) { return nil, err }
	}
	// failThenPass fails its first attempt with err and succeeds after.
	failThenPass := func(err error) runFunc {
		var n atomic.Int32
		return func(context.Context, *engine.Env) (*engine.Result, error) {
			if n.Add(1) == 1 {
				return nil, err
			}
			return nil, nil
		}
	}
	// lastAttempt fails its later attempts with err, its first with a
	// plain error: the last attempt's error decides.
	lastAttempt := func(err error) runFunc {
		var n atomic.Int32
		return func(context.Context, *engine.Env) (*engine.Result, error) {
			if n.Add(1) == 1 {
				return nil, errors.New("flaky")
			}
			return nil, err
		}
	}
	tests := []struct {
		name string
		defs []tdef
		fns  map[string]runFunc
		want int
	}{
		{"success", []tdef{{id: "a"}}, nil, exitcode.OK},
		{"plain failure", []tdef{{id: "a"}}, map[string]runFunc{"a": fail(errors.New("boom"))}, exitcode.Failed},
		{"one coded failure", []tdef{{id: "check"}, {id: "after", needs: []string{"check"}}},
			map[string]runFunc{"check": fail(fmt.Errorf("check: %w", dataInvalid))}, exitcode.DataInvalid},
		{"two failures with the same code", []tdef{{id: "a"}, {id: "b"}},
			map[string]runFunc{"a": fail(dataInvalid), "b": fail(exitcode.Wrap(exitcode.DataInvalid, errors.New("b")))}, exitcode.DataInvalid},
		{"a coded and a plain failure", []tdef{{id: "a"}, {id: "b"}},
			map[string]runFunc{"a": fail(dataInvalid), "b": fail(errors.New("boom"))}, exitcode.Failed},
		{"two different codes", []tdef{{id: "a"}, {id: "b"}},
			map[string]runFunc{"a": fail(dataInvalid), "b": fail(exitcode.New(exitcode.Invalid, "bad config"))}, exitcode.Failed},
		{"a coded failure that passed on retry", []tdef{{id: "a", retries: 1, delay: time.Millisecond}, {id: "b"}},
			map[string]runFunc{"a": failThenPass(dataInvalid), "b": fail(errors.New("boom"))}, exitcode.Failed},
		{"the last attempt's error decides", []tdef{{id: "a", retries: 1, delay: time.Millisecond}},
			map[string]runFunc{"a": lastAttempt(dataInvalid)}, exitcode.DataInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fn := newFnType()
			for id, f := range tt.fns {
				fn.on(id, f)
			}
			rec, err := compile(t, mkSpec(tt.defs...), fn).Run(context.Background(), opts(t))
			if rec == nil {
				t.Fatalf("no record: %v", err)
			}
			if got := exitcode.Of(err); got != tt.want {
				t.Errorf("exitcode.Of(%v) = %d, want %d", err, got, tt.want)
			}
			if tt.want != exitcode.OK && !errors.Is(err, engine.ErrRunFailed) {
				t.Errorf("error %v does not wrap ErrRunFailed", err)
			}
		})
	}
}

// A cancelled run ends with exitcode.Cancelled even when a task failed with
// a coded error before.
func TestRunExitCodeCancelled(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	fn := newFnType().
		on("check", func(context.Context, *engine.Env) (*engine.Result, error) {
			return nil, exitcode.New(exitcode.DataInvalid, "data expectations failed")
		}).
		on("long", blockUntilCancelled(started))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	// Both results may reach the scheduler before it sees ctx is done; the
	// run is cancelled either way (it was once recorded as succeeded).
	rec, err := compile(t, mkSpec(tdef{id: "check"}, tdef{id: "long"}), fn).Run(ctx, opts(t))
	if got := exitcode.Of(err); got != exitcode.Cancelled {
		t.Errorf("exitcode.Of(%v) = %d, want %d", err, got, exitcode.Cancelled)
	}
	if rec != nil && rec.Status != engine.StatusCancelled {
		t.Errorf("run status = %s, want cancelled", rec.Status)
	}
}
