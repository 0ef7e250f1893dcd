package temporal_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/backfill"
	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

// childProbe stands in for the run workflow: it takes an hour of workflow
// time (half an hour to fail for the dates in fail) and records what ran
// when.
type childProbe struct {
	mu      sync.Mutex
	fail    map[string]bool
	started []string
	inputs  map[string]hptemporal.RunInput
	running int
	peak    int
}

func (p *childProbe) run(ctx workflow.Context, in hptemporal.RunInput) (hptemporal.RunResult, error) {
	p.mu.Lock()
	p.started = append(p.started, in.Date)
	p.inputs[in.Date] = in
	p.running++
	p.peak = max(p.peak, p.running)
	p.mu.Unlock()
	// A failing child ends first, so that which children were going
	// when it failed does not depend on the order of equal timers.
	d := time.Hour
	if p.fail[in.Date] {
		d = 30 * time.Minute
	}
	err := workflow.Sleep(ctx, d)
	p.mu.Lock()
	p.running--
	p.mu.Unlock()
	if err != nil {
		return hptemporal.RunResult{}, err
	}
	if p.fail[in.Date] {
		return hptemporal.RunResult{}, errors.New("boom on " + in.Date)
	}
	return hptemporal.ResultOf(engine.RunRecord{RunID: in.RunID, Status: engine.StatusSucceeded,
		Tasks: []engine.TaskRecord{{ID: "out", Status: engine.StatusSucceeded, RowsOut: 7}}})
}

func backfillJobs(n int) []hptemporal.BackfillJob {
	jobs := make([]hptemporal.BackfillJob, n)
	for i := range jobs {
		d := fmt.Sprintf("2024-03-%02d", i+1)
		jobs[i] = hptemporal.BackfillJob{Date: d, Version: "1", RunID: "bf-" + d + "-1",
			Archive: "/arch/" + d + ".zip", RestoreDir: "/restore/" + d, OutputPath: "/out/" + d + ".xlsx"}
	}
	return jobs
}

// runBackfill runs the backfill workflow against the probe and returns
// its result.
func runBackfill(t *testing.T, p *childProbe, in hptemporal.BackfillInput) hptemporal.BackfillResult {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetTestTimeout(time.Minute)
	env.RegisterWorkflowWithOptions(hptemporal.BackfillWorkflow, workflow.RegisterOptions{Name: hptemporal.BackfillWorkflowName})
	env.RegisterWorkflowWithOptions(p.run, workflow.RegisterOptions{Name: hptemporal.WorkflowName})
	env.RegisterActivityWithOptions(func(in hptemporal.ExtractInput) (string, error) { return "sha-" + in.Archive, nil },
		activity.RegisterOptions{Name: hptemporal.ExtractActivityName})
	env.ExecuteWorkflow(hptemporal.BackfillWorkflowName, in)
	if !env.IsWorkflowCompleted() {
		t.Fatal("backfill workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("backfill workflow: %v", err)
	}
	var res hptemporal.BackfillResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

func statusesOf(res hptemporal.BackfillResult) []backfill.Status {
	out := make([]backfill.Status, len(res.Runs))
	for i, r := range res.Runs {
		out[i] = r.Status
	}
	return out
}

func TestBackfillWorkflow(t *testing.T) {
	t.Parallel()
	const (
		ok   = backfill.StatusSucceeded
		fail = backfill.StatusFailed
		skip = backfill.StatusSkipped
		ns   = backfill.StatusNotStarted
	)
	cases := []struct {
		name     string
		limit    int
		failFast bool
		fail     []string
		done     []string
		want     []backfill.Status
		peak     int
	}{
		{name: "sequential", want: []backfill.Status{ok, ok, ok, ok, ok, ok}, peak: 1},
		{name: "limit 2", limit: 2, want: []backfill.Status{ok, ok, ok, ok, ok, ok}, peak: 2},
		{name: "limit above the jobs", limit: 10, want: []backfill.Status{ok, ok, ok, ok, ok, ok}, peak: 6},
		{name: "a failure does not stop the others", limit: 2, fail: []string{"2024-03-02"},
			want: []backfill.Status{ok, fail, ok, ok, ok, ok}, peak: 2},
		{name: "fail_fast stops starting runs", failFast: true, fail: []string{"2024-03-02"},
			want: []backfill.Status{ok, fail, ns, ns, ns, ns}, peak: 1},
		{name: "fail_fast lets the runs going finish", limit: 3, failFast: true, fail: []string{"2024-03-02"},
			want: []backfill.Status{ok, fail, ok, ns, ns, ns}, peak: 3},
		{name: "succeeded jobs are not redone", limit: 2, done: []string{"2024-03-01/1", "2024-03-04/1"},
			want: []backfill.Status{skip, ok, ok, skip, ok, ok}, peak: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &childProbe{fail: map[string]bool{}, inputs: map[string]hptemporal.RunInput{}}
			for _, d := range tc.fail {
				p.fail[d] = true
			}
			in := hptemporal.BackfillInput{ID: "bf", Jobs: backfillJobs(6), Limit: tc.limit, FailFast: tc.failFast,
				Run: hptemporal.RunInput{ParamsJSON: map[string]any{"region": "za"}}, Done: map[string]string{}}
			for _, k := range tc.done {
				in.Done[k] = "sha"
			}
			res := runBackfill(t, p, in)
			if got := statusesOf(res); !slices.Equal(got, tc.want) {
				t.Errorf("statuses %v, want %v", got, tc.want)
			}
			if p.peak != tc.peak {
				t.Errorf("at most %d children ran at once, want %d", p.peak, tc.peak)
			}
			var wantOrder []string
			for i, j := range in.Jobs {
				if tc.want[i] == ok || tc.want[i] == fail {
					wantOrder = append(wantOrder, j.Date)
				}
			}
			// Jobs take their slots in input order; those admitted
			// together may start in any order, so a child starts at most
			// limit-1 places away from its place in the input.
			if len(p.started) != len(wantOrder) {
				t.Errorf("children started %v, want %v", p.started, wantOrder)
			}
			for r, d := range wantOrder {
				if pos := slices.Index(p.started, d); pos < 0 || max(pos-r, r-pos) >= max(tc.limit, 1) {
					t.Errorf("child %s started at place %d, want within %d of %d: %v", d, pos, max(tc.limit, 1)-1, r, p.started)
				}
			}
			for i, r := range res.Runs {
				j := in.Jobs[i]
				if r.Status == ns && r.Error != backfill.NotStartedReason {
					t.Errorf("run %s not started with error %q, want %q", j.Date, r.Error, backfill.NotStartedReason)
				}
				if r.Status != ok {
					continue
				}
				if r.ArchiveSHA256 != "sha-"+j.Archive || r.Records != 7 || r.RunID != j.RunID {
					t.Errorf("run %s: %+v, want the archive's sha, 7 records and run id %s", j.Date, r, j.RunID)
				}
				ci := p.inputs[j.Date]
				if ci.ParentID != "bf" || ci.StartedBy != "backfill" || ci.RunID != j.RunID ||
					ci.ParamsJSON["input_dir"] != j.RestoreDir || ci.ParamsJSON["output_path"] != j.OutputPath || ci.ParamsJSON["region"] != "za" {
					t.Errorf("child %s input %+v: want parent bf, started_by backfill, the job's dirs and the template's params", j.Date, ci)
				}
			}
			if len(in.Run.ParamsJSON) != 1 {
				t.Errorf("the template's params were changed: %v", in.Run.ParamsJSON)
			}
		})
	}
}
