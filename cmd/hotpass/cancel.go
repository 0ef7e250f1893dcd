package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/exitcode"
	"github.com/spf13/cobra"
)

// cancelPoll is how often `runs cancel --wait` looks at the run's status.
const cancelPoll = 200 * time.Millisecond

type runsCancelOptions struct {
	wait     time.Duration
	format   string
	temporal temporalFlags
}

func newRunsCancelCmd(g *globals) *cobra.Command {
	o := &runsCancelOptions{}
	cmd := &cobra.Command{
		Use:   "cancel RUN_ID",
		Short: "Stop a queued or running run",
		Long: "Cancel a run. A queued run is cancelled at once. A running run — in this shell, another one or\n" +
			"a `hotpass serve` worker, on any machine sharing the run history — is asked to stop: its\n" +
			"process notices within a second or two, kills its tasks' processes and records the run as\n" +
			"cancelled; it can later be resumed with `hotpass run --resume RUN_ID`. A run executing on Temporal\n" +
			"(--engine temporal) is cancelled through the Temporal client (--temporal-address and the other\n" +
			"connection flags `hotpass worker` takes); its worker records it cancelled. The command waits up to\n" +
			"--wait for that to happen.",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRunsCancel(cmd.Context(), cmd.OutOrStdout(), g, o, args[0])
		},
	}
	cmd.Flags().DurationVar(&o.wait, "wait", 10*time.Second, "how long to wait for a running run to stop (0: only ask)")
	addFormatFlag(cmd, &o.format)
	o.temporal.add(cmd)
	return cmd
}

func runRunsCancel(ctx context.Context, w io.Writer, g *globals, o *runsCancelOptions, id string) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	if o.wait < 0 {
		return fmt.Errorf("%w: --wait must not be negative, got %s", errUsage, o.wait)
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := getRun(ctx, st, id)
	if err != nil {
		return err
	}
	if r.WorkflowID != "" && (r.Status == store.RunPending || r.Status == store.RunRunning) {
		r, err = cancelWorkflow(ctx, &o.temporal, r)
	} else {
		r, err = st.RequestCancel(ctx, id)
	}
	switch {
	case errors.Is(err, store.ErrInvalidTransition) && r.Status == store.RunCancelled:
		// Cancelling twice is not a mistake.
	case errors.Is(err, store.ErrInvalidTransition):
		return exitcode.Wrap(exitcode.Invalid, fmt.Errorf("run %s already %s; there is nothing to cancel", id, r.Status))
	case err != nil:
		return err
	}
	if r.Status == store.RunRunning && o.wait > 0 {
		r, err = awaitStop(ctx, st, id, o.wait)
		if err != nil {
			return err
		}
	}
	if o.format == formatJSON {
		return writeJSON(w, newRunJSON(r, time.Now()))
	}
	if r.Status == store.RunRunning {
		_, err = fmt.Fprintf(w, "run %s was asked to stop and is stopping; follow it with `hotpass runs show %s`\n", id, id)
	} else {
		_, err = fmt.Fprintf(w, "run %s %s\n", id, r.Status)
	}
	return err
}

// awaitStop polls run id until it leaves running or wait passes, and
// returns it as last read.
func awaitStop(ctx context.Context, st store.Store, id string, wait time.Duration) (store.Run, error) {
	deadline := time.Now().Add(wait)
	tick := time.NewTicker(cancelPoll)
	defer tick.Stop()
	for {
		r, err := st.GetRun(ctx, id)
		if err != nil || r.Status != store.RunRunning || time.Now().After(deadline) {
			return r, err
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-tick.C:
		}
	}
}

// cancelWorkflow cancels the Temporal workflow executing run r. The
// worker's workflow sees the cancellation, stops its tasks and records the
// run cancelled, so the run history is not written here.
func cancelWorkflow(ctx context.Context, tf *temporalFlags, r store.Run) (store.Run, error) {
	c, err := tf.conn.Dial(ctx, nil)
	if err != nil {
		return r, fmt.Errorf("run %s executes on Temporal (workflow %s): %w", r.ID, r.WorkflowID, err)
	}
	defer c.Close()
	if err := c.CancelWorkflow(ctx, r.WorkflowID, ""); err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return r, exitcode.Wrap(exitcode.Invalid, fmt.Errorf("run %s: Temporal has no running workflow %s; the run history may be stale (`hotpass runs show %s`)",
				r.ID, r.WorkflowID, r.ID))
		}
		return r, fmt.Errorf("run %s: cancel workflow %s: %w", r.ID, r.WorkflowID, err)
	}
	// Pending or running alike, the workflow now stops as a running run does.
	r.Status = store.RunRunning
	return r, nil
}
