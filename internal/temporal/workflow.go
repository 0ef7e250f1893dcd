// Package temporal runs Hotpass specs on a Temporal cluster: one generic
// workflow ("hotpass.run") schedules the tasks of a spec, and activities run
// one task each with the same task registry and per-task execution as the
// embedded engine.
package temporal

import (
	"time"

	"github.com/hotpass/hotpass/engine"
)

// WorkflowName is the registered name of the workflow that runs one spec.
// Schedules and the CLI start it by this name.
const WorkflowName = "hotpass.run"

// RunInput is the input of WorkflowName. It carries the spec as submitted
// (unrendered YAML) rather than the rendered plan: rendering resolves
// env_var templates, and a rendered plan in the input would put secrets into
// workflow history in clear. Every worker re-renders the pinned bytes from its
// own environment instead.
type RunInput struct {
	// RunID names the run in the run history and in the artifact store.
	RunID string `json:"run_id"`
	// SpecPath is the path the spec was submitted from, for messages and
	// the run record; the spec is never re-read from it.
	SpecPath string `json:"spec_path"`
	// SpecDir is the directory relative paths in the spec resolve against.
	SpecDir string `json:"spec_dir"`
	// Source is the spec file's bytes as submitted.
	Source []byte `json:"source"`
	// SourceHash is the hex sha256 of Source; a worker refuses Source that
	// does not match it.
	SourceHash string `json:"source_hash"`
	// Params are the raw parameter values given at submit time (JSON values
	// and --param flags), resolved against the spec on the worker.
	ParamsJSON map[string]any    `json:"params_json,omitempty"`
	ParamFlags map[string]string `json:"param_flags,omitempty"`
	// Date is the run's logical date (run.date), YYYY-MM-DD; TS is run.ts.
	Date string    `json:"date"`
	TS   time.Time `json:"ts"`
	// Only restricts the run to these tasks and what they depend on.
	Only []string `json:"only,omitempty"`
	// MaxConcurrency overrides the spec's concurrency.max when > 0.
	MaxConcurrency int `json:"max_concurrency,omitempty"`
	// LoadSpec says the input pins no spec: the plan activity reads the
	// spec from SpecPath (a file on the worker, or profile:NAME) when the
	// run starts and pins what it read for the run's tasks. A Temporal
	// Schedule's input is fixed when the schedule is created, and a
	// deployment's spec is loaded afresh for every run, as `hotpass serve`
	// does, so a schedule's input names the spec and leaves RunID, Date and
	// TS empty: the workflow fills them in from its start time, the date in
	// Timezone.
	LoadSpec bool `json:"load_spec,omitempty"`
	// Timezone is the IANA zone run.date is taken in when Date is empty;
	// empty means UTC.
	Timezone string `json:"timezone,omitempty"`
	// Deployment names the deployment the run belongs to; empty for runs
	// started by hand.
	Deployment string `json:"deployment,omitempty"`
	// StartedBy says how the run started, as the run history keeps it
	// (store.StartedCLI, ...); empty means cli.
	StartedBy string `json:"started_by,omitempty"`
	// ParentID is the run that started this one (a backfill's), recorded
	// with it in the run history.
	ParentID string `json:"parent_id,omitempty"`
	// Resume, when set, is the earlier run this one resumes: tasks that
	// succeeded there with the same definition are reused, not run.
	Resume *Resume `json:"resume,omitempty"`
	// TaskQueue is where activities are scheduled; empty means the
	// workflow's own task queue.
	TaskQueue string `json:"task_queue,omitempty"`
	// LocalKeysOnly limits concurrency keys within this run only, as the
	// embedded engine does; by default a key's limit holds across every
	// run and worker of the cluster (see SemaphoreWorkflow).
	LocalKeysOnly bool `json:"local_keys_only,omitempty"`
	// HistoryLimit is the number of history events after which the
	// workflow lets its running tasks finish and continues as new; zero
	// means DefaultHistoryLimit.
	HistoryLimit int `json:"history_limit,omitempty"`
	// Carry is the packed Carry handed from one workflow run to the next
	// by continue-as-new; empty on a fresh run.
	Carry Packed `json:"carry,omitempty"`
	// TasksPerRun is how many tasks one workflow run starts before it
	// continues as new; zero means DefaultTasksPerRun.
	TasksPerRun int `json:"tasks_per_run,omitempty"`
}

// Carry is what a continued run keeps: the plan's shape, the run record so
// far and the references to the outputs of succeeded tasks.
type Carry struct {
	Plan    PlanOutput       `json:"plan"`
	Record  engine.RunRecord `json:"record"`
	Outputs map[string]Ref   `json:"outputs,omitempty"`
}
