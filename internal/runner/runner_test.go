package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/storetest"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks"
	_ "github.com/hotpass/hotpass/tasks/builtin"
)

func setup(t *testing.T) (store.Store, *engine.Loader, string) {
	t.Helper()
	dir := t.TempDir()
	st := storetest.OpenAt(t, filepath.Join(dir, "hotpass.db"))
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		t.Fatal(err)
	}
	return st, l, dir
}

func write(t *testing.T, path, src string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const paramSpec = `version: 1
name: greet
params:
  who: {type: string, default: world}
  times: {type: integer, default: 1}
tasks:
  hello:
    type: exec
    with: {command: "echo hello {{ params.who }} {{ params.times }}"}
`

func TestRunRecordsHistory(t *testing.T) {
	t.Parallel()
	st, l, dir := setup(t)
	spec := write(t, filepath.Join(dir, "greet.yaml"), paramSpec)
	var events atomic.Int32
	rec, err := runner.Run(context.Background(), runner.Options{
		Store: st, Loader: l, StateDir: filepath.Join(dir, "state"), Source: runner.File(spec), RunID: "r1",
		ParamFlags: map[string]string{"who": "ada"}, Deployment: "manual",
		Observers: []engine.Observer{engine.ObserverFunc(func(engine.Event) { events.Add(1) })},
	})
	if err != nil || rec.Status != engine.StatusSucceeded {
		t.Fatalf("run: %v", err)
	}
	r, err := st.GetRun(context.Background(), "r1")
	if err != nil || r.Status != store.RunSucceeded || r.Pipeline != "greet" || r.Deployment != "manual" || r.SpecHash == "" {
		t.Fatalf("stored run %+v %v", r, err)
	}
	if r.StartedBy != store.StartedCLI {
		t.Errorf("stored run started by %q, want %q", r.StartedBy, store.StartedCLI)
	}
	var params map[string]any
	_ = json.Unmarshal(r.Params, &params)
	if params["who"] != "ada" || params["times"] != float64(1) {
		t.Errorf("stored params %s", r.Params)
	}
	trs, _ := st.ListTasks(context.Background(), "r1")
	if len(trs) != 1 || trs[0].Status != "succeeded" || trs[0].DefinitionHash == "" {
		t.Errorf("tasks %+v", trs)
	}
	if events.Load() == 0 {
		t.Error("extra observer got no events")
	}
}

// TestResumeInheritsParams checks that a resumed run starts from the params
// of the run it resumes, so that unchanged tasks are recognised.
func TestResumeInheritsParams(t *testing.T) {
	t.Parallel()
	st, l, dir := setup(t)
	spec := write(t, filepath.Join(dir, "greet.yaml"), paramSpec)
	state := filepath.Join(dir, "state")
	base := runner.Options{Store: st, Loader: l, StateDir: state, Source: runner.File(spec)}
	first := base
	first.RunID, first.ParamFlags = "r1", map[string]string{"who": "ada", "times": "2"}
	if _, err := runner.Run(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id     string
		flags  map[string]string
		reused bool
	}{
		{"r2", nil, true},
		{"r3", map[string]string{"who": "grace"}, false},
	}
	for _, tt := range tests {
		o := base
		o.RunID, o.ResumeFrom, o.ParamFlags = tt.id, "r1", tt.flags
		rec, err := runner.Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if got := rec.Task("hello").Attrs[engine.ReusedFromAttr] == "r1"; got != tt.reused {
			t.Errorf("%s: reused = %v, want %v", tt.id, got, tt.reused)
		}
	}
}

func TestQueuedRunWithInvalidSpecFails(t *testing.T) {
	t.Parallel()
	st, l, dir := setup(t)
	spec := write(t, filepath.Join(dir, "bad.yaml"), "version: 1\nname: bad\ntasks:\n  a: {type: exec, with: {comand: x}}\n")
	if _, err := st.PutDeployment(context.Background(), store.Deployment{Name: "d", SpecPath: spec}); err != nil {
		t.Fatal(err)
	}
	d, _ := st.GetDeployment(context.Background(), "d")
	if _, err := runner.Enqueue(context.Background(), st, l, runner.QueueRequest{Deployment: d, Strict: true}); !errors.Is(err, specs.ErrInvalid) {
		t.Fatalf("strict enqueue of an invalid spec: %v", err)
	}
	q, err := runner.Enqueue(context.Background(), st, l, runner.QueueRequest{Deployment: d})
	if err != nil || q.Pipeline != "d" {
		t.Fatalf("enqueue: %+v %v", q, err)
	}
	o := runner.QueuedOptions(context.Background(), runner.Options{Store: st, Loader: l, StateDir: filepath.Join(dir, "state")}, st, q)
	if _, err := runner.Run(context.Background(), o); !errors.Is(err, specs.ErrInvalid) {
		t.Fatalf("run: %v", err)
	}
	r, _ := st.GetRun(context.Background(), q.ID)
	if r.Status != store.RunFailed || !strings.Contains(r.Error, "bad.yaml:4") || !strings.Contains(r.Error, "comand") {
		t.Errorf("run %s: %q", r.Status, r.Error)
	}
}

func TestClaimIsExclusive(t *testing.T) {
	t.Parallel()
	st, l, dir := setup(t)
	spec := write(t, filepath.Join(dir, "greet.yaml"), paramSpec)
	d, err := st.PutDeployment(context.Background(), store.Deployment{Name: "d", SpecPath: spec})
	if err != nil {
		t.Fatal(err)
	}
	q, err := runner.Enqueue(context.Background(), st, l, runner.QueueRequest{Deployment: d})
	if err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	releases := make(chan func(), 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, release, ok, err := runner.Claim(context.Background(), st, q.ID, "w"+string(rune('a'+i)))
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
				releases <- release
			}
		}()
	}
	wg.Wait()
	close(releases)
	if wins.Load() != 1 {
		t.Fatalf("%d claims won, want 1", wins.Load())
	}
	// Once the run has started, nobody can claim it again.
	if _, err := st.UpdateRun(context.Background(), q.ID, store.RunUpdate{Status: store.RunRunning}); err != nil {
		t.Fatal(err)
	}
	for rel := range releases {
		rel()
	}
	if _, _, ok, _ := runner.Claim(context.Background(), st, q.ID, "late"); ok {
		t.Error("a running run was claimed")
	}
}

// A run without a deployment is queued from its spec with exactly the
// params given, checked as `hotpass run` checks them; the queued run
// records the spec and its hash, and QueuedOptions runs that spec again.
func TestEnqueueSpecWithoutDeployment(t *testing.T) {
	t.Parallel()
	st, l, dir := setup(t)
	spec := write(t, filepath.Join(dir, "greet.yaml"), paramSpec)
	tests := []struct {
		name    string
		q       runner.QueueRequest
		wantErr string
	}{
		{"spec file", runner.QueueRequest{Spec: runner.File(spec), Params: map[string]any{"who": "ada"}, Strict: true}, ""},
		{"profile label", runner.QueueRequest{Spec: runner.LabelSource(runner.ProfilePrefix + "no-such-profile"), Strict: true}, "no-such-profile"},
		{"wrong param", runner.QueueRequest{Spec: runner.File(spec), Params: map[string]any{"times": "many"}, Strict: true}, `param "times"`},
		{"unknown param", runner.QueueRequest{Spec: runner.File(spec), Params: map[string]any{"whom": "x"}, Strict: true}, "whom"},
		{"nothing to run", runner.QueueRequest{Strict: true}, "neither a deployment nor a spec"},
	}
	for _, tt := range tests {
		before, _ := st.ListRuns(context.Background(), store.RunFilter{})
		r, err := runner.Enqueue(context.Background(), st, l, tt.q)
		if tt.wantErr != "" {
			after, _ := st.ListRuns(context.Background(), store.RunFilter{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || len(after) != len(before) {
				t.Errorf("%s: %v (%d runs, were %d); want an error mentioning %q and nothing queued", tt.name, err, len(after), len(before), tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if r.Deployment != "" || r.SpecPath != spec || r.Pipeline != "greet" || r.SpecHash == "" || string(r.Params) != `{"who":"ada"}` || r.Status != store.RunPending {
			t.Errorf("%s: queued %+v", tt.name, r)
		}
		o := runner.QueuedOptions(context.Background(), runner.Options{Store: st, Loader: l, StateDir: filepath.Join(dir, "state")}, st, r)
		rec, err := runner.Run(context.Background(), o)
		if err != nil {
			t.Fatalf("%s: run: %v", tt.name, err)
		}
		if rec.Params["who"] != "ada" {
			t.Errorf("%s: ran with params %v", tt.name, rec.Params)
		}
	}
}

// A spec the caller has loaded already is the one Enqueue checks and
// records: the deployment's file is not read again, so it may be gone, and
// the params are checked against the loaded spec's declarations.
func TestEnqueueUsesTheLoadedSpec(t *testing.T) {
	t.Parallel()
	st, l, dir := setup(t)
	path := write(t, filepath.Join(dir, "greet.yaml"), paramSpec)
	d, err := st.PutDeployment(context.Background(), store.Deployment{Name: "d", SpecPath: path})
	if err != nil {
		t.Fatal(err)
	}
	loaded, _, err := runner.DeploymentSource(d).Load(context.Background(), l, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		params  map[string]any
		wantErr string
	}{
		{"params fit", map[string]any{"who": "ada"}, ""},
		{"unknown param", map[string]any{"whom": "x"}, "whom"},
	}
	for _, tt := range tests {
		r, err := runner.Enqueue(context.Background(), st, l, runner.QueueRequest{Deployment: d, Params: tt.params, Strict: true, Loaded: loaded})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want one mentioning %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if r.Pipeline != loaded.Name || r.SpecHash != loaded.Hash || r.Status != store.RunPending {
			t.Errorf("%s: queued %+v, want pipeline %q with hash %q", tt.name, r, loaded.Name, loaded.Hash)
		}
	}
	if _, err := runner.Enqueue(context.Background(), st, l, runner.QueueRequest{Deployment: d, Strict: true}); err == nil {
		t.Error("Enqueue without the loaded spec queued a run of a missing file")
	}
}
