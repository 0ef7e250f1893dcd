package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Attempt is one attempt of one task run by a scheduler other than
// Plan.Run, such as a Temporal activity: the caller decides when the task
// runs and retries it; RunAttempt does what Plan.Run does for each attempt
// (task log, timeout, panic recovery).
type Attempt struct {
	// RunID and RunDir identify the run, as Env has them.
	RunID, RunDir string
	// TaskID names the task of the plan to run; Attempt counts from 1.
	TaskID  string
	Attempt int
	// Inputs are the results of the task's dependencies, by task id.
	Inputs map[string]*Result
	// Redactor masks secrets in the task log; nil masks nothing.
	Redactor Redactor
}

// AttemptResult is what RunAttempt reports besides the task's error.
type AttemptResult struct {
	// Result is the task's result, nil when it failed.
	Result *Result
	// Log is the task's log path relative to RunDir, empty when the task
	// wrote nothing and succeeded (see taskLog).
	Log string
	// Duration is how long the attempt ran.
	Duration time.Duration
}

// RunAttempt runs one attempt of a task of the plan. An unknown TaskID
// wraps ErrUnknownTask. A task that outlives its timeout fails with a
// *TimeoutError.
func (p *Plan) RunAttempt(ctx context.Context, a Attempt) (AttemptResult, error) {
	i, ok := p.index[a.TaskID]
	if !ok {
		return AttemptResult{}, fmt.Errorf("task %q is not in spec %s: %w", a.TaskID, p.spec.Path, ErrUnknownTask)
	}
	n := p.nodes[i]
	t := n.task
	red := a.Redactor
	if red == nil {
		red = noSecrets{}
	}
	tl := newTaskLog(TaskLogPath(a.RunDir, t.ID), red)
	engineLog := tl.logger(tl.engine).With("attempt", a.Attempt)
	env := &Env{
		RunID:   a.RunID,
		RunDir:  a.RunDir,
		TaskID:  t.ID,
		Attempt: a.Attempt,
		SpecDir: p.spec.Dir,
		Log:     tl.logger(tl.records).With("attempt", a.Attempt),
		Output:  tl.output,
		inputs:  a.Inputs,
	}
	engineLog.Info("attempt started", "task", t.ID, "type", t.Type)
	began := time.Now()
	runCtx := ctx
	if t.Timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, t.Timeout)
		defer cancel()
	}
	res, err := safeRun(runCtx, n.prepared, env, engineLog)
	if err != nil && t.Timeout > 0 && errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		err = &TimeoutError{After: t.Timeout}
	}
	out := AttemptResult{Duration: time.Since(began)}
	if err != nil {
		tl.forceFile()
		engineLog.Error("attempt failed", "error", err.Error(), "duration", out.Duration)
	} else {
		out.Result = res
		var in, rows int64
		if res != nil {
			in, rows = res.RowsIn, res.RowsOut
		}
		engineLog.Info("attempt succeeded", "duration", out.Duration, "rows_in", in, "rows_out", rows)
	}
	// A log that could not be written completely must not fail the task;
	// what was written is still reported.
	logged, _ := tl.close()
	if logged {
		out.Log = logRelPath(t.ID)
	}
	return out, err
}
