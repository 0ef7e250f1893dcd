package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs"
)

// withNode parses src as a task's `with:` block.
func withNode(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

func TestDefinitionHashes(t *testing.T) {
	t.Parallel()
	build := func(aWith, bWith string) map[string]string {
		s := mkSpec(tdef{id: "a"}, tdef{id: "b", inputs: []string{"a"}}, tdef{id: "c"})
		s.Tasks[0].With = withNode(t, aWith)
		s.Tasks[1].With = withNode(t, bWith)
		return compile(t, s, newFnType()).DefinitionHashes()
	}
	base := build("{x: 1, y: [a, b]}", "{z: hello}")
	tests := []struct {
		name         string
		a, b         string
		sameA, sameB bool
	}{
		{"identical", "{x: 1, y: [a, b]}", "{z: hello}", true, true},
		{"key order and layout", "y:\n  - a\n  - b\nx: 1 # comment", "{z: hello}", true, true},
		{"anchor expanded", "{x: 1, y: &l [a, b]}", "{z: hello}", true, true},
		{"upstream option changed", "{x: 2, y: [a, b]}", "{z: hello}", false, false},
		{"string and integer differ", `{x: "1", y: [a, b]}`, "{z: hello}", false, false},
		{"list order matters", "{x: 1, y: [b, a]}", "{z: hello}", false, false},
		{"downstream only", "{x: 1, y: [a, b]}", "{z: bye}", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := build(tt.a, tt.b)
			if (got["a"] == base["a"]) != tt.sameA || (got["b"] == base["b"]) != tt.sameB {
				t.Errorf("a same=%v (want %v), b same=%v (want %v)", got["a"] == base["a"], tt.sameA, got["b"] == base["b"], tt.sameB)
			}
			if got["c"] != base["c"] {
				t.Errorf("independent task c changed hash")
			}
		})
	}
}

// loaderType is a task type whose tasks keep an output that a resumed run
// can reload: Run returns "ran:<id>", LoadOutput returns "loaded:<id>" or
// fails for the ids in failLoad.
type loaderType struct {
	runs     atomic.Int32
	loads    atomic.Int32
	failLoad map[string]bool
}

func (*loaderType) Name() string            { return "ld" }
func (*loaderType) Schema() json.RawMessage { return json.RawMessage(`{"type":"object"}`) }
func (l *loaderType) Prepare(_ *specs.Spec, t *specs.Task) (engine.Task, error) {
	return &loaderTask{typ: l, id: t.ID}, nil
}

type loaderTask struct {
	typ *loaderType
	id  string
}

func (t *loaderTask) Run(context.Context, *engine.Env) (*engine.Result, error) {
	t.typ.runs.Add(1)
	return &engine.Result{Output: "ran:" + t.id, Attrs: map[string]any{engine.OutputAttr: t.id + ".out"}}, nil
}

func (t *loaderTask) LoadOutput(_ context.Context, env *engine.Env, prevRunDir string) (*engine.Result, error) {
	t.typ.loads.Add(1)
	if t.typ.failLoad[t.id] {
		return nil, errors.New("output file gone")
	}
	if filepath.Base(prevRunDir) != "prev" || env.TaskID != t.id {
		return nil, fmt.Errorf("bad arguments: %s %s", prevRunDir, env.TaskID)
	}
	return &engine.Result{Output: "loaded:" + t.id}, nil
}

// resumeFrom describes a previous run in which the given tasks succeeded
// with the plan's current hashes.
func resumeFrom(p *engine.Plan, succeeded ...string) *engine.Resume {
	h := p.DefinitionHashes()
	prev := map[string]engine.PrevTask{}
	for id, hash := range h {
		prev[id] = engine.PrevTask{Succeeded: slices.Contains(succeeded, id), DefinitionHash: hash}
	}
	return &engine.Resume{FromRunID: "prev", FromRunDir: filepath.Join("somewhere", "prev"), Prev: prev}
}

func TestResume(t *testing.T) {
	t.Parallel()
	// load (loader) -> transform (fn, reads load) -> report (fn, needs transform)
	// side (fn without loader, succeeded before, nothing reads it)
	// feed (fn without loader, succeeded before) -> consume (fn reads feed, failed before)
	tests := []struct {
		name       string
		succeeded  []string
		failLoad   bool
		wantReused []string
		wantLoads  int32
		wantRuns   int32 // runs of the loader task
	}{
		{"middle failed", []string{"load", "side", "feed"}, false, []string{"load", "side"}, 1, 0},
		{"everything succeeded", []string{"load", "transform", "report", "side", "feed", "consume"}, false,
			[]string{"load", "transform", "report", "side", "feed", "consume"}, 0, 0},
		{"nothing succeeded", nil, false, nil, 0, 1},
		{"load fails", []string{"load", "side"}, true, []string{"side"}, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ld := &loaderType{failLoad: map[string]bool{"load": tt.failLoad}}
			var mu sync.Mutex
			ran := map[string]bool{}
			note := func(id string) {
				mu.Lock()
				defer mu.Unlock()
				ran[id] = true
			}
			fn := newFnType().
				on("transform", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
					note("transform")
					v, ok := env.Input("load")
					want := "loaded:load"
					if tt.failLoad || !slices.Contains(tt.succeeded, "load") {
						want = "ran:load"
					}
					if !ok || v != want {
						return nil, fmt.Errorf("input load = %v, want %s", v, want)
					}
					return nil, nil
				})
			for _, id := range []string{"report", "side", "feed", "consume"} {
				fn.on(id, func(context.Context, *engine.Env) (*engine.Result, error) { note(id); return nil, nil })
			}
			s := mkSpec(
				tdef{id: "load", typ: "ld"},
				tdef{id: "transform", inputs: []string{"load"}},
				tdef{id: "report", needs: []string{"transform"}},
				tdef{id: "side"},
				tdef{id: "feed"},
				tdef{id: "consume", inputs: []string{"feed"}},
			)
			p := compile(t, s, fn, ld)
			o := opts(t)
			o.RunID = "next"
			o.Resume = resumeFrom(p, tt.succeeded...)
			rec, err := p.Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			var reused []string
			for _, tr := range rec.Tasks {
				if tr.Status != engine.StatusSucceeded {
					t.Errorf("task %s: %s %s", tr.ID, tr.Status, tr.Error)
				}
				if tr.Attrs[engine.ReusedFromAttr] == "prev" {
					reused = append(reused, tr.ID)
					if tr.Attempts != 0 || ran[tr.ID] {
						t.Errorf("reused task %s: attempts %d, ran %v", tr.ID, tr.Attempts, ran[tr.ID])
					}
				} else if tr.Attempts != 1 {
					t.Errorf("task %s ran with %d attempts", tr.ID, tr.Attempts)
				}
			}
			if !slices.Equal(reused, tt.wantReused) {
				t.Errorf("reused %v, want %v", reused, tt.wantReused)
			}
			if ld.loads.Load() != tt.wantLoads || ld.runs.Load() != tt.wantRuns {
				t.Errorf("loads %d runs %d, want %d %d", ld.loads.Load(), ld.runs.Load(), tt.wantLoads, tt.wantRuns)
			}
			info, ok, err := engine.ReadResumeInfo(filepath.Join(o.StateDir, "runs", "next"))
			if err != nil || !ok || info.ResumedFrom != "prev" {
				t.Errorf("resume info %+v %v %v", info, ok, err)
			}
		})
	}
}

func TestResumeChangedDefinitionReruns(t *testing.T) {
	t.Parallel()
	s := mkSpec(tdef{id: "a"}, tdef{id: "b", needs: []string{"a"}}, tdef{id: "c"})
	s.Tasks[0].With = withNode(t, "{v: 1}")
	p := compile(t, s, newFnType())
	prev := resumeFrom(p, "a", "b", "c")
	s2 := mkSpec(tdef{id: "a"}, tdef{id: "b", needs: []string{"a"}}, tdef{id: "c"})
	s2.Tasks[0].With = withNode(t, "{v: 2}")
	p2 := compile(t, s2, newFnType())
	o := opts(t)
	o.Resume = prev
	rec, err := p2.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{"a": false, "b": false, "c": true} {
		if got := rec.Task(id).Attrs[engine.ReusedFromAttr] == "prev"; got != want {
			t.Errorf("task %s reused = %v, want %v", id, got, want)
		}
	}
}

func TestReadResumeInfoAbsent(t *testing.T) {
	t.Parallel()
	_, ok, err := engine.ReadResumeInfo(t.TempDir())
	if ok || err != nil {
		t.Errorf("ok %v err %v for a run that was not resumed", ok, err)
	}
}

// countingSlots is a Slots that records what was taken and checks that
// every slot is given back.
type countingSlots struct {
	mu      sync.Mutex
	held    map[string]int
	maxHeld map[string]int
	limits  map[string]int
}

func (c *countingSlots) Acquire(_ context.Context, key string, limit int) (func(), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held[key]++
	c.maxHeld[key] = max(c.maxHeld[key], c.held[key])
	c.limits[key] = limit
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.held[key]--
		})
	}, nil
}

func TestRunSharedSlots(t *testing.T) {
	t.Parallel()
	s := mkSpec(tdef{id: "a", key: "crm"}, tdef{id: "b", key: "crm"}, tdef{id: "c"})
	s.Concurrency.Keys = map[string]int{"crm": 2}
	p := compile(t, s, newFnType())
	slots := &countingSlots{held: map[string]int{}, maxHeld: map[string]int{}, limits: map[string]int{}}
	o := opts(t)
	o.Slots = slots
	if _, err := p.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if slots.held["crm"] != 0 || slots.held[engine.GlobalSlot] != 0 {
		t.Errorf("slots not released: %v", slots.held)
	}
	if slots.maxHeld["crm"] < 1 || slots.limits["crm"] != 2 || slots.maxHeld[engine.GlobalSlot] < 1 {
		t.Errorf("slots not taken: max %v limits %v", slots.maxHeld, slots.limits)
	}
}

// failingSlots refuses every slot.
type failingSlots struct{}

func (failingSlots) Acquire(context.Context, string, int) (func(), error) {
	return nil, errors.New("store unreachable")
}

func TestRunSharedSlotsError(t *testing.T) {
	t.Parallel()
	p := compile(t, mkSpec(tdef{id: "a"}), newFnType())
	o := opts(t)
	o.Slots = failingSlots{}
	rec, err := p.Run(context.Background(), o)
	if !errors.Is(err, engine.ErrRunFailed) || rec.Task("a").Status != engine.StatusFailed {
		t.Fatalf("err %v", err)
	}
	if msg := rec.Task("a").Error; msg != "wait for a global slot: store unreachable" {
		t.Errorf("error %q", msg)
	}
}

// TestResumeReusedRootReleasesDependentOnce covers a reused task without a
// loader that makes a later task runnable while the roots are enqueued: the
// dependent must run exactly once.
func TestResumeReusedRootReleasesDependentOnce(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	fn := newFnType().on("b", func(context.Context, *engine.Env) (*engine.Result, error) { runs.Add(1); return nil, nil })
	p := compile(t, mkSpec(tdef{id: "a"}, tdef{id: "b", needs: []string{"a"}}, tdef{id: "c"}), fn)
	o := opts(t)
	o.Resume = resumeFrom(p, "a", "c")
	rec, err := p.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 1 || rec.Task("b").Attempts != 1 || rec.Task("a").Attrs[engine.ReusedFromAttr] != "prev" {
		t.Errorf("b ran %d times, attempts %d; a attrs %v", runs.Load(), rec.Task("b").Attempts, rec.Task("a").Attrs)
	}
}

// refreshType's tasks ask to run again in a resumed run when refresh is set.
type refreshType struct {
	refresh bool
	runs    atomic.Int32
}

func (*refreshType) Name() string            { return "rf" }
func (*refreshType) Schema() json.RawMessage { return json.RawMessage(`{"type":"object"}`) }
func (r *refreshType) Prepare(*specs.Spec, *specs.Task) (engine.Task, error) {
	return &refreshTask{typ: r}, nil
}

type refreshTask struct{ typ *refreshType }

func (t *refreshTask) Run(context.Context, *engine.Env) (*engine.Result, error) {
	t.typ.runs.Add(1)
	return nil, nil
}

func (t *refreshTask) Refresh() bool { return t.typ.refresh }

// A task that asks to be refreshed runs again in a resumed run, with what
// depends on it, although its earlier result could be reused.
func TestResumeRefresherRunsAgain(t *testing.T) {
	t.Parallel()
	for _, refresh := range []bool{false, true} {
		rf := &refreshType{refresh: refresh}
		s := mkSpec(tdef{id: "sources", typ: "rf"}, tdef{id: "report", needs: []string{"sources"}}, tdef{id: "other"})
		p := compile(t, s, newFnType(), rf)
		o := opts(t)
		o.Resume = resumeFrom(p, "sources", "report", "other")
		rec, err := p.Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		for id, reusedWhenNotRefreshed := range map[string]bool{"sources": true, "report": true, "other": true} {
			want := reusedWhenNotRefreshed && (!refresh || id == "other")
			if got := rec.Task(id).Attrs[engine.ReusedFromAttr] == "prev"; got != want {
				t.Errorf("refresh=%v: task %s reused = %v, want %v", refresh, id, got, want)
			}
		}
		if want := map[bool]int32{false: 0, true: 1}[refresh]; rf.runs.Load() != want {
			t.Errorf("refresh=%v: the refreshing task ran %d times, want %d", refresh, rf.runs.Load(), want)
		}
	}
}
