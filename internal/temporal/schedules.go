package temporal

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/hotpass/hotpass/engine/store"
)

// A deployment with `engine: temporal` is fired by a Temporal Schedule
// rather than by `hotpass serve`'s scheduler: the cluster keeps the
// schedule, so it fires with any number of workers and none of them
// elected. The functions here keep one Schedule per deployment in step
// with the deployment record in the store: SyncSchedule after a deployment
// is created or changed, SetSchedulePaused after pause or resume, and
// DeleteSchedule after it is deleted.

// schedulePrefix keeps Hotpass's schedules apart from others in the
// namespace.
const schedulePrefix = "hotpass-deployment-"

// MemoDeployment is the memo key that names the deployment on the
// workflows a schedule starts, so that a run records which deployment
// fired it.
const MemoDeployment = "hotpass.deployment"

// catchupFloor is the shortest catch-up window given to a schedule: the
// same grace the local scheduler allows a fire that comes late
// (scheduler.MisfireGrace). Left unset, Temporal would catch up a year of
// missed fires after an outage, which a deployment with catchup 0 must not.
const catchupFloor = time.Minute

// ScheduleID returns the ID of the Temporal Schedule that fires the
// deployment called name.
func ScheduleID(name string) string { return schedulePrefix + name }

// overlapPolicy maps a deployment's overlap policy to Temporal's: skip a
// fire while a run is going, queue one run behind it (BufferOne, as the
// local queue does), or start every fire at once.
func overlapPolicy(p store.OverlapPolicy) (enumspb.ScheduleOverlapPolicy, error) {
	switch p {
	case store.OverlapSkip, "":
		return enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, nil
	case store.OverlapQueue:
		return enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, nil
	case store.OverlapAllow:
		return enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, nil
	}
	return enumspb.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, fmt.Errorf("unknown overlap policy %q: use skip, queue or allow", p)
}

// catchupWindow is how late a missed fire may still start.
func catchupWindow(d store.Deployment) time.Duration { return max(d.Catchup, catchupFloor) }

// scheduleNote records on the schedule why it is in its state, as
// `temporal schedule describe` shows it.
func scheduleNote(d store.Deployment) string {
	if d.Paused {
		return "paused by hotpass deployment pause " + d.Name
	}
	return "hotpass deployment " + d.Name
}

// schedule is the complete desired Schedule for d.
func schedule(d store.Deployment, taskQueue string, args any) (client.Schedule, error) {
	if taskQueue == "" {
		return client.Schedule{}, errors.New("no task queue: pass the queue the workers poll (--task-queue)")
	}
	overlap, err := overlapPolicy(d.Overlap)
	if err != nil {
		return client.Schedule{}, err
	}
	return client.Schedule{
		Spec: &client.ScheduleSpec{CronExpressions: []string{d.Schedule}, TimeZoneName: d.Timezone},
		Action: &client.ScheduleWorkflowAction{
			// Temporal appends the fire time, so each fire's workflow ID is
			// unique and names its deployment.
			ID:        ScheduleID(d.Name),
			Workflow:  WorkflowName,
			Args:      []any{args},
			TaskQueue: taskQueue,
			Memo:      map[string]any{MemoDeployment: d.Name},
		},
		Policy: &client.SchedulePolicies{Overlap: overlap, CatchupWindow: catchupWindow(d)},
		State:  &client.ScheduleState{Paused: d.Paused, Note: scheduleNote(d)},
	}, nil
}

// SyncSchedule makes the deployment's Temporal Schedule match d: it creates
// the schedule, or replaces its spec, action, policies and paused state,
// so that calling it again changes nothing. The schedule starts
// WorkflowName on taskQueue with args as its one input. A deployment
// without a cron schedule (run only by hand) has no Temporal schedule: one
// left from before is deleted.
func SyncSchedule(ctx context.Context, c client.Client, d store.Deployment, taskQueue string, args any) error {
	if d.Schedule == "" {
		return DeleteSchedule(ctx, c, d)
	}
	want, err := schedule(d, taskQueue, args)
	if err != nil {
		return fmt.Errorf("deployment %s: %w", d.Name, err)
	}
	id := ScheduleID(d.Name)
	_, err = c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:            id,
		Spec:          *want.Spec,
		Action:        want.Action,
		Overlap:       want.Policy.Overlap,
		CatchupWindow: want.Policy.CatchupWindow,
		Paused:        want.State.Paused,
		Note:          want.State.Note,
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		err = c.ScheduleClient().GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
			DoUpdate: func(client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
				return &client.ScheduleUpdate{Schedule: &want}, nil
			},
		})
		if err != nil {
			return scheduleError(d, "update", err)
		}
		return nil
	}
	if err != nil {
		return scheduleError(d, "create", err)
	}
	return nil
}

// SetSchedulePaused pauses or resumes the deployment's schedule to match
// d.Paused.
func SetSchedulePaused(ctx context.Context, c client.Client, d store.Deployment) error {
	h := c.ScheduleClient().GetHandle(ctx, ScheduleID(d.Name))
	var err error
	if d.Paused {
		err = h.Pause(ctx, client.SchedulePauseOptions{Note: scheduleNote(d)})
	} else {
		err = h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: scheduleNote(d)})
	}
	if err != nil {
		verb := "resume"
		if d.Paused {
			verb = "pause"
		}
		return scheduleError(d, verb, err)
	}
	return nil
}

// DeleteSchedule deletes the deployment's schedule; a schedule that does
// not exist is already deleted. Runs it started are left to finish.
func DeleteSchedule(ctx context.Context, c client.Client, d store.Deployment) error {
	err := c.ScheduleClient().GetHandle(ctx, ScheduleID(d.Name)).Delete(ctx)
	var nf *serviceerror.NotFound
	if err != nil && !errors.As(err, &nf) {
		return scheduleError(d, "delete", err)
	}
	return nil
}

// scheduleError names the deployment and its schedule, and says what to
// do for the failures an operator can fix.
func scheduleError(d store.Deployment, verb string, err error) error {
	hint := ""
	var nf *serviceerror.NotFound
	var inv *serviceerror.InvalidArgument
	switch {
	case errors.As(err, &nf):
		hint = ": the schedule does not exist on the cluster; run `hotpass deployment` again to re-create it"
	case errors.As(err, &inv):
		hint = fmt.Sprintf(": Temporal rejected the schedule %q in time zone %q; check the cron expression and the IANA zone name", d.Schedule, d.Timezone)
	}
	return fmt.Errorf("deployment %s: %s Temporal schedule %s: %w%s", d.Name, verb, ScheduleID(d.Name), err, hint)
}
