package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine/status"
)

// RunStatus is the state of a run: the project's one status vocabulary
// (package status), so that engine and store statuses need no mapping.
type RunStatus = status.Status

// Run statuses. Crashed is set by MarkCrashed, never by the run itself: the
// process running it died without recording an outcome. RunStatus.Valid
// accepts these six; CanBecome checks a transition between them.
const (
	RunPending   = status.Pending
	RunRunning   = status.Running
	RunSucceeded = status.Succeeded
	RunFailed    = status.Failed
	RunCancelled = status.Cancelled
	RunCrashed   = status.Crashed
)

// Run is one execution of a pipeline.
type Run struct {
	ID       string
	Pipeline string
	SpecPath string
	// SpecHash is the hex SHA-256 of the spec file.
	SpecHash string
	// Deployment is the deployment that started the run; empty for runs
	// started by hand.
	Deployment string
	// ParentID is the run that started this one (a backfill run, for its
	// child runs); empty for runs started on their own.
	ParentID string
	// StartedBy says how the run started (one of the Started* values);
	// empty for runs recorded before it was kept.
	StartedBy string
	// ResumeFrom is the earlier run a queued run resumes (reusing its
	// unchanged successful tasks); empty otherwise.
	ResumeFrom string
	// WorkflowID is the Temporal workflow executing the run; empty for
	// runs of the embedded engine.
	WorkflowID string
	Status     RunStatus
	// Params is a JSON object of the run's parameters; nil when none.
	Params  json.RawMessage
	Error   string
	TraceID string
	// CreatedAt orders runs; it is when the run was queued.
	CreatedAt time.Time
	// StartedAt is when the run last started running (zero while pending);
	// EndedAt when it last finished (zero while not finished).
	StartedAt time.Time
	EndedAt   time.Time
	// PID and Hostname identify the process running the run, so that
	// MarkCrashed can tell whether it is still alive.
	PID         int
	Hostname    string
	HeartbeatAt time.Time
}

// Cursor returns the position just after r in ListRuns order, to pass as
// RunFilter.Before for the next page.
func (r Run) Cursor() RunCursor { return RunCursor{CreatedAt: r.CreatedAt, ID: r.ID} }

// RunCursor is a position in ListRuns order (newest first). Because it
// holds values rather than naming a run, it stays valid when that run is
// pruned.
type RunCursor struct {
	CreatedAt time.Time
	ID        string
}

// IsZero reports whether c is the start of the list.
func (c RunCursor) IsZero() bool { return c.CreatedAt.IsZero() && c.ID == "" }

// RunFilter selects runs for ListRuns. Zero fields match everything.
type RunFilter struct {
	Status     RunStatus
	Deployment string
	Pipeline   string
	// Parent selects the child runs of this run.
	Parent string
	// StartedBy selects the runs started that way (StartedCLI, ...).
	StartedBy string
	// Limit caps the number of runs returned; 0 means no cap.
	Limit int
	// Before returns only runs after this position, that is older than
	// the run the cursor was taken from.
	Before RunCursor
}

// RunUpdate is a status transition for UpdateRun.
type RunUpdate struct {
	Status RunStatus
	// Error replaces the run's error; empty clears it.
	Error string
	// StartedAt and EndedAt override the times UpdateRun would otherwise
	// set: entering running sets StartedAt to now and clears EndedAt;
	// entering a terminal status sets EndedAt to now.
	StartedAt time.Time
	EndedAt   time.Time
	// PID, Hostname and TraceID replace the stored values when set, for
	// a run resumed by another process.
	PID      int
	Hostname string
	TraceID  string
}

// TaskRun is the latest state of one task within a run.
type TaskRun struct {
	RunID  string
	TaskID string
	Type   string
	// Status is the engine's task status (pending, running, succeeded,
	// failed, skipped, cancelled) or retrying; the store does not
	// interpret it.
	Status   status.Status
	Attempts int
	// StartedAt is when the first attempt started, EndedAt when the task
	// reached its final status.
	StartedAt time.Time
	EndedAt   time.Time
	Error     string
	// Output is where the task's output was written, for example a path
	// relative to the run directory.
	Output string
	// DefinitionHash identifies the task's rendered definition, so that a
	// resumed run can tell whether a finished task must run again.
	DefinitionHash string
	RowsIn         int64
	RowsOut        int64
	// Attrs is a JSON object of task-specific attributes; nil when none.
	Attrs json.RawMessage
}

// OverlapPolicy says what a deployment's schedule does when a fire comes
// while an earlier run of the deployment is still running.
type OverlapPolicy string

// Overlap policies.
const (
	// OverlapSkip drops the new fire.
	OverlapSkip OverlapPolicy = "skip"
	// OverlapQueue starts the new run when the running one ends.
	OverlapQueue OverlapPolicy = "queue"
	// OverlapAllow starts the new run at once.
	OverlapAllow OverlapPolicy = "allow"
)

// Valid reports whether p is one of the overlap policies.
func (p OverlapPolicy) Valid() bool {
	switch p {
	case OverlapSkip, OverlapQueue, OverlapAllow:
		return true
	}
	return false
}

// Engine says what fires a deployment's schedule and runs its runs.
type Engine string

// Engines.
const (
	// EngineEmbedded deployments are fired by `hotpass serve`.
	EngineEmbedded Engine = "embedded"
	// EngineTemporal deployments are fired by a Temporal Schedule and run
	// on the cluster's workers; `hotpass serve` leaves them alone.
	EngineTemporal Engine = "temporal"
)

// Valid reports whether e is one of the engines.
func (e Engine) Valid() bool { return e == EngineEmbedded || e == EngineTemporal }

// Deployment is a pipeline registered to run on a schedule.
type Deployment struct {
	Name string
	// Exactly one of SpecPath and Profile is set.
	SpecPath string
	Profile  string
	// Schedule is a cron expression; empty for deployments run only by
	// hand. Timezone is an IANA zone name; empty means UTC.
	Schedule string
	Timezone string
	Tags     []string
	// Params is a JSON object passed to every run; nil when none.
	Params json.RawMessage
	Paused bool
	// Catchup is how far back missed fires are still started after the
	// scheduler was down; 0 starts none.
	Catchup time.Duration
	// Overlap defaults to OverlapSkip when empty.
	Overlap  OverlapPolicy
	SpecHash string
	// Engine defaults to EngineEmbedded when empty.
	Engine Engine
	// CreatedAt and UpdatedAt are set by the store; PutDeployment ignores
	// the values it is given.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Fire is a claimed scheduled fire of a deployment.
type Fire struct {
	Deployment  string
	ScheduledAt time.Time
	RunID       string
	ClaimedAt   time.Time
}

// Lease is a held concurrency slot.
type Lease struct {
	// ID is unique per acquisition, so one holder may hold several slots.
	ID         string
	Key        string
	Holder     string
	AcquiredAt time.Time
	ExpiresAt  time.Time
}

// validateRun checks the fields CreateRun relies on and fills defaults.
// How a run started (Run.StartedBy).
const (
	StartedCLI      = "cli"      // a command in a shell: run, orchestrate, deployment run --wait
	StartedSchedule = "schedule" // a deployment's schedule fired
	StartedAPI      = "api"      // the HTTP API
	StartedUI       = "ui"       // the web UI
	StartedBackfill = "backfill" // a backfill's child run
)

// StartedByValues are the values Run.StartedBy may hold, besides empty.
var StartedByValues = []string{StartedCLI, StartedSchedule, StartedAPI, StartedUI, StartedBackfill}

func validateRun(r *Run, now time.Time) error {
	if r.ID == "" {
		return fmt.Errorf("%w: run id is empty", ErrInvalid)
	}
	if r.Pipeline == "" {
		return fmt.Errorf("%w: run %s: pipeline is empty", ErrInvalid, r.ID)
	}
	if r.Status == "" {
		r.Status = RunPending
	}
	if !r.Status.Valid() {
		return fmt.Errorf("%w: run %s: unknown status %q (want pending, running, succeeded, failed, cancelled or crashed)", ErrInvalid, r.ID, r.Status)
	}
	if err := checkJSON(r.Params, "run "+r.ID, "params"); err != nil {
		return err
	}
	if r.PID < 0 {
		return fmt.Errorf("%w: run %s: pid %d is negative", ErrInvalid, r.ID, r.PID)
	}
	if r.StartedBy != "" && !slices.Contains(StartedByValues, r.StartedBy) {
		return fmt.Errorf("%w: run %s: started by %q (want one of %s)", ErrInvalid, r.ID, r.StartedBy, strings.Join(StartedByValues, ", "))
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	r.Params = normJSON(r.Params)
	normRunTimes(r)
	return nil
}

// applyRunUpdate returns cur after the transition u at time now.
func applyRunUpdate(cur Run, u RunUpdate, now time.Time) (Run, error) {
	if !u.Status.Valid() {
		return cur, fmt.Errorf("%w: run %s: unknown status %q (want pending, running, succeeded, failed, cancelled or crashed)", ErrInvalid, cur.ID, u.Status)
	}
	if u.PID < 0 {
		return cur, fmt.Errorf("%w: run %s: pid %d is negative", ErrInvalid, cur.ID, u.PID)
	}
	if !cur.Status.CanBecome(u.Status) {
		return cur, fmt.Errorf("%w: run %s is %s and cannot become %s", ErrInvalidTransition, cur.ID, cur.Status, u.Status)
	}
	starting := u.Status == RunRunning && cur.Status != RunRunning
	cur.Status = u.Status
	cur.Error = u.Error
	if u.PID != 0 {
		cur.PID = u.PID
	}
	if u.Hostname != "" {
		cur.Hostname = u.Hostname
	}
	if u.TraceID != "" {
		cur.TraceID = u.TraceID
	}
	switch {
	case starting:
		cur.StartedAt = now
		cur.EndedAt = time.Time{}
		cur.HeartbeatAt = now
	case u.Status == RunPending:
		cur.EndedAt = time.Time{}
	case u.Status.Terminal():
		cur.EndedAt = now
	}
	if !u.StartedAt.IsZero() {
		cur.StartedAt = u.StartedAt
	}
	if !u.EndedAt.IsZero() && u.Status.Terminal() {
		cur.EndedAt = u.EndedAt
	}
	normRunTimes(&cur)
	return cur, nil
}

// validateTask checks the fields RecordTask relies on.
func validateTask(t *TaskRun) error {
	if t.RunID == "" {
		return fmt.Errorf("%w: task run %q: run id is empty", ErrInvalid, t.TaskID)
	}
	if t.TaskID == "" {
		return fmt.Errorf("%w: task run in run %s: task id is empty", ErrInvalid, t.RunID)
	}
	if t.Status == "" {
		return fmt.Errorf("%w: task %s of run %s: status is empty", ErrInvalid, t.TaskID, t.RunID)
	}
	if err := checkJSON(t.Attrs, "task "+t.TaskID+" of run "+t.RunID, "attrs"); err != nil {
		return err
	}
	t.Attrs = normJSON(t.Attrs)
	t.StartedAt = normTime(t.StartedAt)
	t.EndedAt = normTime(t.EndedAt)
	return nil
}

// validateDeployment checks the fields PutDeployment relies on and fills
// defaults.
func validateDeployment(d *Deployment) error {
	if d.Name == "" {
		return fmt.Errorf("%w: deployment name is empty", ErrInvalid)
	}
	if (d.SpecPath == "") == (d.Profile == "") {
		return fmt.Errorf("%w: deployment %s: set exactly one of spec path and profile", ErrInvalid, d.Name)
	}
	if d.Overlap == "" {
		d.Overlap = OverlapSkip
	}
	if !d.Overlap.Valid() {
		return fmt.Errorf("%w: deployment %s: unknown overlap policy %q (want skip, queue or allow)", ErrInvalid, d.Name, d.Overlap)
	}
	if d.Engine == "" {
		d.Engine = EngineEmbedded
	}
	if !d.Engine.Valid() {
		return fmt.Errorf("%w: deployment %s: unknown engine %q (want embedded or temporal)", ErrInvalid, d.Name, d.Engine)
	}
	if d.Catchup < 0 {
		return fmt.Errorf("%w: deployment %s: catchup window %s is negative", ErrInvalid, d.Name, d.Catchup)
	}
	if err := checkJSON(d.Params, "deployment "+d.Name, "params"); err != nil {
		return err
	}
	d.Params = normJSON(d.Params)
	if d.Tags == nil {
		d.Tags = []string{}
	}
	return nil
}

// validateSlot checks AcquireSlot's arguments.
func validateSlot(key string, limit int, holder string, ttl time.Duration) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: slot key is empty", ErrInvalid)
	case limit < 1:
		return fmt.Errorf("%w: slot key %s: limit %d is below 1", ErrInvalid, key, limit)
	case holder == "":
		return fmt.Errorf("%w: slot key %s: holder is empty", ErrInvalid, key)
	case ttl <= 0:
		return fmt.Errorf("%w: slot key %s: lease ttl %s is not positive", ErrInvalid, key, ttl)
	}
	return nil
}

// checkJSON rejects a non-empty value that is not JSON, naming its owner.
func checkJSON(v json.RawMessage, owner, field string) error {
	if len(v) == 0 || json.Valid(v) {
		return nil
	}
	return fmt.Errorf("%w: %s: %s is not valid JSON", ErrInvalid, owner, field)
}

// normJSON maps an empty value and JSON null to nil, so that "no params"
// has one representation.
func normJSON(v json.RawMessage) json.RawMessage {
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	return v
}

// normTime reduces t to what both databases store: UTC microseconds.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func normRunTimes(r *Run) {
	r.CreatedAt = normTime(r.CreatedAt)
	r.StartedAt = normTime(r.StartedAt)
	r.EndedAt = normTime(r.EndedAt)
	r.HeartbeatAt = normTime(r.HeartbeatAt)
}
