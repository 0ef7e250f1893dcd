package temporal_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/scheduler"
	"github.com/hotpass/hotpass/internal/temporal"
	"github.com/hotpass/hotpass/internal/temporaltest"
)

func describe(t *testing.T, c client.Client, name string) *client.ScheduleDescription {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	desc, err := c.ScheduleClient().GetHandle(ctx, temporal.ScheduleID(name)).Describe(ctx)
	if err != nil {
		t.Fatalf("describe schedule of %s: %v", name, err)
	}
	return desc
}

// checkSchedule compares the schedule on the server with deployment d.
func checkSchedule(t *testing.T, c client.Client, d store.Deployment, queue string) {
	t.Helper()
	desc := describe(t, c, d.Name)
	s := desc.Schedule
	wantOverlap := map[store.OverlapPolicy]enumspb.ScheduleOverlapPolicy{
		"":                 enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, // the store's default
		store.OverlapSkip:  enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		store.OverlapQueue: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE,
		store.OverlapAllow: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
	}[d.Overlap]
	if s.Policy.Overlap != wantOverlap {
		t.Errorf("overlap %q: server has %s, want %s", d.Overlap, s.Policy.Overlap, wantOverlap)
	}
	if want := max(d.Catchup, scheduler.MisfireGrace); s.Policy.CatchupWindow != want {
		t.Errorf("catchup %s: server has %s, want %s", d.Catchup, s.Policy.CatchupWindow, want)
	}
	if s.State.Paused != d.Paused {
		t.Errorf("paused = %v, want %v", s.State.Paused, d.Paused)
	}
	if s.Spec.TimeZoneName != d.Timezone {
		t.Errorf("time zone = %q, want %q", s.Spec.TimeZoneName, d.Timezone)
	}
	a, ok := s.Action.(*client.ScheduleWorkflowAction)
	if !ok {
		t.Fatalf("action is %T, want a workflow", s.Action)
	}
	if a.Workflow != temporal.WorkflowName || a.TaskQueue != queue {
		t.Errorf("action starts %v on %q, want %s on %q", a.Workflow, a.TaskQueue, temporal.WorkflowName, queue)
	}
	// The server fires at the times the local scheduler would.
	sched, err := scheduler.ParseSchedule(d.Schedule, d.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	next := desc.Info.NextActionTimes
	if d.Paused || len(next) == 0 {
		return
	}
	want := sched.Next(next[0].Add(-time.Second))
	for i, got := range next {
		if !got.Equal(want) {
			t.Errorf("next fire %d: server %s, local scheduler %s", i, got.UTC(), want.UTC())
			break
		}
		want = sched.Next(want)
	}
}

func TestScheduleLifecycle(t *testing.T) {
	t.Parallel()
	c := temporaltest.Dial(t, temporaltest.Start(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const queue = "hotpass-schedules"
	d := store.Deployment{
		Name: "nightly-crm", SpecPath: "pipelines/crm.yaml", Schedule: "30 2 * * 1-5",
		Timezone: "Africa/Johannesburg", Overlap: store.OverlapQueue, Catchup: 2 * time.Hour,
	}
	args := map[string]string{"deployment": d.Name}

	if err := temporal.SyncSchedule(ctx, c, d, queue, args); err != nil {
		t.Fatal(err)
	}
	checkSchedule(t, c, d, queue)
	if desc := describe(t, c, d.Name); len(desc.Info.NextActionTimes) == 0 {
		t.Fatal("an active schedule has no next fire times")
	}

	// Edits to the deployment replace the schedule's spec and policies;
	// each sync is idempotent.
	edits := []func(*store.Deployment){
		func(d *store.Deployment) { d.Overlap, d.Catchup = store.OverlapAllow, 0 },
		func(d *store.Deployment) { d.Overlap, d.Schedule, d.Timezone = store.OverlapSkip, "@hourly", "" },
		func(d *store.Deployment) { d.Paused, d.Schedule, d.Timezone = true, "*/15 * * * *", "Europe/London" },
		func(d *store.Deployment) { d.Paused, d.Catchup = false, 36*time.Hour },
	}
	for i, edit := range edits {
		edit(&d)
		for range 2 {
			if err := temporal.SyncSchedule(ctx, c, d, queue, args); err != nil {
				t.Fatalf("edit %d: %v", i, err)
			}
		}
		checkSchedule(t, c, d, queue)
	}

	// Pause and resume.
	for _, paused := range []bool{true, false, true} {
		d.Paused = paused
		if err := temporal.SetSchedulePaused(ctx, c, d); err != nil {
			t.Fatal(err)
		}
		checkSchedule(t, c, d, queue)
		if note := describe(t, c, d.Name).Schedule.State.Note; paused != strings.Contains(note, "paused") {
			t.Errorf("paused %v: note %q", paused, note)
		}
	}

	// Delete, twice: the second finds nothing to delete.
	for range 2 {
		if err := temporal.DeleteSchedule(ctx, c, d); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.ScheduleClient().GetHandle(ctx, temporal.ScheduleID(d.Name)).Describe(ctx)
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) {
		t.Fatalf("describe after delete: err = %v, want NotFound", err)
	}
	if err := temporal.SetSchedulePaused(ctx, c, d); err == nil || !strings.Contains(err.Error(), d.Name) {
		t.Fatalf("pausing a deleted schedule: err = %v, want an error naming the deployment", err)
	}

	// A deployment run only by hand has no schedule: syncing it removes one
	// left from before.
	d.Schedule, d.Paused = "@daily", false
	if err := temporal.SyncSchedule(ctx, c, d, queue, args); err != nil {
		t.Fatal(err)
	}
	d.Schedule = ""
	if err := temporal.SyncSchedule(ctx, c, d, queue, args); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ScheduleClient().GetHandle(ctx, temporal.ScheduleID(d.Name)).Describe(ctx); !errors.As(err, &nf) {
		t.Fatalf("a deployment without a schedule kept its Temporal schedule (err %v)", err)
	}

	// A deployment saved paused gets a schedule that is paused from the
	// start.
	paused := store.Deployment{Name: "paused-from-start", Profile: "aviation", Schedule: "*/5 * * * *", Paused: true}
	if err := temporal.SyncSchedule(ctx, c, paused, queue, args); err != nil {
		t.Fatal(err)
	}
	checkSchedule(t, c, paused, queue)
}

func TestScheduleRejected(t *testing.T) {
	t.Parallel()
	c := temporaltest.Dial(t, temporaltest.Start(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tests := []struct {
		name string
		d    store.Deployment
		want string
	}{
		{"bad cron", store.Deployment{Name: "bad-cron", SpecPath: "p.yaml", Schedule: "61 * * * *"}, "check the cron expression"},
		{"bad zone", store.Deployment{Name: "bad-zone", SpecPath: "p.yaml", Schedule: "@daily", Timezone: "Mars/Olympus_Mons"}, "Mars/Olympus_Mons"},
	}
	for _, tt := range tests {
		err := temporal.SyncSchedule(ctx, c, tt.d, "hotpass", nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.d.Name) {
			t.Errorf("%s: err = %v, want it to name the deployment and contain %q", tt.name, err, tt.want)
		}
	}
}

// TestScheduleStartsWorkflow checks that a schedule fires the run workflow
// with the deployment's input and memo, on a worker polling the queue.
func TestScheduleStartsWorkflow(t *testing.T) {
	t.Parallel()
	c := temporaltest.Dial(t, temporaltest.Start(t))
	const queue = "hotpass-scheduled"
	w := worker.New(c, queue, worker.Options{})
	// A stand-in for the run workflow: it echoes its input and the memo.
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context, in map[string]string) (string, error) {
		var name string
		if p, ok := workflow.GetInfo(ctx).Memo.GetFields()[temporal.MemoDeployment]; ok {
			if err := converter.GetDefaultDataConverter().FromPayload(p, &name); err != nil {
				return "", err
			}
		}
		return in["spec"] + " for " + name, nil
	}, workflow.RegisterOptions{Name: temporal.WorkflowName})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := store.Deployment{Name: "every-second", SpecPath: "pipelines/crm.yaml", Schedule: "@every 1s", Overlap: store.OverlapSkip}
	if err := temporal.SyncSchedule(ctx, c, d, queue, map[string]string{"spec": d.SpecPath}); err != nil {
		t.Fatal(err)
	}
	var fired *client.ScheduleWorkflowExecution
	for fired == nil {
		for _, a := range describe(t, c, d.Name).Info.RecentActions {
			if a.StartWorkflowResult != nil {
				fired = a.StartWorkflowResult
				break
			}
		}
		if fired != nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the schedule started no workflow within 2 minutes")
		case <-time.After(200 * time.Millisecond):
		}
	}
	if !strings.HasPrefix(fired.WorkflowID, temporal.ScheduleID(d.Name)) {
		t.Errorf("workflow ID %q does not name the deployment's schedule", fired.WorkflowID)
	}
	run := c.GetWorkflow(ctx, fired.WorkflowID, fired.FirstExecutionRunID)
	var got string
	if err := run.Get(ctx, &got); err != nil {
		t.Fatalf("scheduled workflow %s: %v", fired.WorkflowID, err)
	}
	if want := "pipelines/crm.yaml for every-second"; got != want {
		t.Fatalf("scheduled workflow returned %q, want %q", got, want)
	}
	desc, err := c.DescribeWorkflow(ctx, fired.WorkflowID, fired.FirstExecutionRunID)
	if err != nil {
		t.Fatal(err)
	}
	if typ := desc.RawResponse.GetWorkflowExecutionInfo().GetType().GetName(); typ != temporal.WorkflowName {
		t.Fatalf("scheduled workflow type %q, want %s", typ, temporal.WorkflowName)
	}
	if err := temporal.DeleteSchedule(ctx, c, d); err != nil {
		t.Fatal(err)
	}
}
