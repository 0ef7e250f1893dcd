package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/synth"
	"github.com/hotpass/hotpass/internal/table/csvio"
	"github.com/hotpass/hotpass/specs"
	_ "github.com/hotpass/hotpass/tasks/builtin"
	"github.com/hotpass/hotpass/tasks/tasktest"
)

// chainsSpec is n read→write chains over one CSV file.
func chainsSpec(n int, extra string) string {
	var b strings.Builder
	b.WriteString("version: 1\nname: chains\nconcurrency: {max: 1}\n" + extra + "tasks:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  r%d: {type: read, with: {path: orgs.csv}}\n", i)
		fmt.Fprintf(&b, "  w%d: {type: write, with: {input: r%d, path: out/w%d.parquet}}\n", i, i, i)
	}
	return b.String()
}

// writeOrgs generates a CSV of synthetic organisations in dir.
func writeOrgs(t testing.TB, dir string, rows int) {
	t.Helper()
	w, err := csvio.Create(filepath.Join(dir, "orgs.csv"), synth.OrganisationSchema(false), csvio.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteOrganisations(w, 1, rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// loadSpec compiles spec source written into dir with the built-in types.
func loadSpec(t testing.TB, dir, src string) *engine.Plan {
	t.Helper()
	plan, err := tasktest.Compile(t, dir, src, tasktest.Options{File: "pipeline.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// heapSampler records the live heap, after a collection, each time a task
// finishes. The loop calls observers synchronously, after it has let go
// of the outputs nothing reads any more.
type heapSampler struct {
	mu   sync.Mutex
	live map[string]uint64
}

func (h *heapSampler) Observe(e engine.Event) {
	if e.Kind != engine.EventTaskFinished {
		return
	}
	collect()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.live[e.TaskID] = ms.HeapAlloc
}

// collect runs the collector twice: objects in a sync.Pool (the Parquet
// writer's compression encoders) outlive one collection in the pool's
// victim cache, and would count as live.
func collect() {
	runtime.GC()
	runtime.GC()
}

func liveHeap() uint64 {
	collect()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Five read→write chains, one task at a time, hold one table at a time:
// the live heap once each read has finished stays at the level of the
// first, and drops back once its write has.
func TestChainsHoldOneTableAtATime(t *testing.T) {
	// Not parallel: it measures the process's heap.
	dir := t.TempDir()
	writeOrgs(t, dir, 10_000)
	p := loadSpec(t, dir, chainsSpec(5, ""))
	h := &heapSampler{live: map[string]uint64{}}
	base := liveHeap()
	rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, "state"), Observer: h})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Counts()[engine.StatusSucceeded]; got != 10 {
		t.Fatalf("succeeded %d of 10: %+v", got, rec.Tasks)
	}
	above := func(id string) float64 { return float64(h.live[id]) - float64(base) }
	one := above("r1")
	if one < 1<<20 {
		t.Fatalf("one table takes %.0f bytes of heap; the test needs a larger table to mean anything", one)
	}
	for i := 1; i <= 5; i++ {
		r, w := above(fmt.Sprintf("r%d", i)), above(fmt.Sprintf("w%d", i))
		if r > 1.5*one {
			t.Errorf("after r%d the heap holds %.1f MB above the start, %.1fx one table (%.1f MB)", i, r/1e6, r/one, one/1e6)
		}
		if w > 0.5*one {
			t.Errorf("after w%d the heap still holds %.1f MB above the start (one table: %.1f MB)", i, w/1e6, one/1e6)
		}
	}
}

// Runnable tasks start depth first: the reader of a held output goes
// before a new producer.
func TestRunDepthFirst(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var order []string
	fn := newFnType()
	var defs []tdef
	for i := 1; i <= 3; i++ {
		r, w := fmt.Sprintf("r%d", i), fmt.Sprintf("w%d", i)
		defs = append(defs, tdef{id: r}, tdef{id: w, inputs: []string{r}})
		for _, id := range []string{r, w} {
			fn.on(id, func(context.Context, *engine.Env) (*engine.Result, error) {
				mu.Lock()
				defer mu.Unlock()
				order = append(order, id)
				return &engine.Result{Output: id}, nil
			})
		}
	}
	o := opts(t)
	o.MaxConcurrency = 1
	if _, err := compile(t, mkSpec(defs...), fn).Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if want := []string{"r1", "w1", "r2", "w2", "r3", "w3"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
}

// keptType is a producer whose output is "kept": it can be loaded again
// from the run directory it names.
type keptType struct {
	loads atomic.Int32
	dirs  sync.Map // run directories LoadOutput was given
}

func (*keptType) Name() string            { return "kept" }
func (*keptType) Schema() json.RawMessage { return json.RawMessage(`{"type":"object"}`) }
func (k *keptType) Prepare(_ *specs.Spec, t *specs.Task) (engine.Task, error) {
	return &keptTask{typ: k, id: t.ID}, nil
}

type keptTask struct {
	typ *keptType
	id  string
}

func (t *keptTask) Run(context.Context, *engine.Env) (*engine.Result, error) {
	return &engine.Result{Output: "ran:" + t.id}, nil
}

func (t *keptTask) LoadOutput(_ context.Context, env *engine.Env, runDir string) (*engine.Result, error) {
	t.typ.loads.Add(1)
	t.typ.dirs.Store(runDir, true)
	if env.TaskID != t.id {
		return nil, fmt.Errorf("LoadOutput for %s got the env of %s", t.id, env.TaskID)
	}
	return &engine.Result{Output: "loaded:" + t.id}, nil
}

// A consumer whose attempt failed lets go of its input while it waits to
// retry; the retry reloads it from this run's directory.
func TestRetryReloadsReleasedInput(t *testing.T) {
	t.Parallel()
	k := &keptType{}
	var seen []any
	var mu sync.Mutex
	fn := newFnType().on("use", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
		v, _ := env.Input("src")
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, v)
		if len(seen) == 1 {
			return nil, errors.New("flaky")
		}
		return nil, nil
	})
	s := mkSpec(tdef{id: "src", typ: "kept"}, tdef{id: "use", inputs: []string{"src"}, retries: 1, delay: time.Millisecond})
	o := opts(t)
	o.RunID = "this"
	rec, err := compile(t, s, fn, k).Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if want := []any{"ran:src", "loaded:src"}; !slices.Equal(seen, want) {
		t.Errorf("use saw %v, want %v", seen, want)
	}
	runDir := filepath.Join(o.StateDir, "runs", "this")
	if _, ok := k.dirs.Load(runDir); !ok || k.loads.Load() != 1 {
		t.Errorf("loads %d, want 1 from %s", k.loads.Load(), runDir)
	}
	if rec.Task("use").Attempts != 2 {
		t.Errorf("use attempts %d", rec.Task("use").Attempts)
	}
}

// An output that another reader still needs is not released while one
// reader waits to retry, and a producer that cannot reload keeps its
// output for the retry.
func TestRetryKeepsInputOthersNeed(t *testing.T) {
	t.Parallel()
	k := &keptType{}
	attempts := map[string]int{}
	var mu sync.Mutex
	body := func(id string) runFunc {
		return func(_ context.Context, env *engine.Env) (*engine.Result, error) {
			mu.Lock()
			attempts[id]++
			n := attempts[id]
			mu.Unlock()
			for _, in := range []string{"kept", "plain"} {
				if v, ok := env.Input(in); !ok || v == nil {
					return nil, fmt.Errorf("%s: no input %s", id, in)
				}
			}
			if id == "flaky" && n == 1 {
				return nil, errors.New("flaky")
			}
			return nil, nil
		}
	}
	fn := newFnType().
		on("plain", func(context.Context, *engine.Env) (*engine.Result, error) { return &engine.Result{Output: "p"}, nil }).
		on("flaky", body("flaky")).on("other", body("other"))
	s := mkSpec(tdef{id: "kept", typ: "kept"}, tdef{id: "plain"},
		tdef{id: "flaky", inputs: []string{"kept", "plain"}, retries: 1, delay: 50 * time.Millisecond},
		tdef{id: "other", inputs: []string{"kept", "plain"}})
	o := opts(t)
	o.MaxConcurrency = 1
	if _, err := compile(t, s, fn, k).Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	// other runs while flaky waits: kept stays for it. Whether flaky's
	// retry then reloads depends on timing, so only the input checks above
	// (every attempt saw both inputs) are asserted.
	if attempts["flaky"] != 2 || attempts["other"] != 1 {
		t.Errorf("attempts %v", attempts)
	}
}

// peakCounter tracks how many tasks run at once.
type peakCounter struct {
	mu       sync.Mutex
	cur, max int
	with     map[string][]string // task -> tasks running when it started
	running  map[string]bool
}

func (p *peakCounter) enter(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for o := range p.running {
		p.with[id] = append(p.with[id], o)
	}
	p.running[id] = true
	p.cur++
	p.max = max(p.max, p.cur)
}

func (p *peakCounter) leave(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, id)
	p.cur--
}

// sized is an output that reports its memory.
type sized int64

func (s sized) MemSize() int64 { return int64(s) }

func TestMemoryBudget(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	tests := []struct {
		name   string
		budget int64
		defs   []tdef
		memory map[string]int64
		// apart lists pairs that must never run at the same time;
		// together pairs that must have (their estimates fit).
		apart    [][2]string
		together [][2]string
	}{
		{
			name:   "declared estimates do not fit together",
			budget: 100 * mib,
			defs:   []tdef{{id: "a"}, {id: "b"}, {id: "c"}},
			memory: map[string]int64{"a": 60 * mib, "b": 60 * mib, "c": 30 * mib},
			apart:  [][2]string{{"a", "b"}},
		},
		{
			name:     "estimates that fit run together",
			budget:   100 * mib,
			defs:     []tdef{{id: "a"}, {id: "b"}},
			memory:   map[string]int64{"a": 40 * mib, "b": 40 * mib},
			together: [][2]string{{"a", "b"}},
		},
		{
			name:   "a task larger than the budget runs alone",
			budget: 100 * mib,
			defs:   []tdef{{id: "huge"}, {id: "x"}, {id: "y"}},
			memory: map[string]int64{"huge": 500 * mib, "x": 10 * mib, "y": 10 * mib},
			apart:  [][2]string{{"huge", "x"}, {"huge", "y"}},
		},
		{
			name:   "inputs count: readers of a big output wait for each other",
			budget: 100 * mib,
			// src's output is 40 MiB; each reader is estimated at 40 MiB
			// more, so one reader fits beside the held output, two do not.
			defs:  []tdef{{id: "src"}, {id: "r1", inputs: []string{"src"}}, {id: "r2", inputs: []string{"src"}}},
			apart: [][2]string{{"r1", "r2"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pc := &peakCounter{with: map[string][]string{}, running: map[string]bool{}}
			fn := newFnType()
			s := mkSpec(tc.defs...)
			for _, task := range s.Tasks {
				task.Memory = tc.memory[task.ID]
				fn.on(task.ID, func(context.Context, *engine.Env) (*engine.Result, error) {
					pc.enter(task.ID)
					defer pc.leave(task.ID)
					time.Sleep(20 * time.Millisecond) // long enough for the others to start if allowed
					if task.ID == "src" {
						return &engine.Result{Output: sized(40 * mib)}, nil
					}
					return nil, nil
				})
			}
			s.Concurrency.Memory = tc.budget
			o := opts(t)
			rec, err := compile(t, s, fn).Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.Counts()[engine.StatusSucceeded]; got != len(tc.defs) {
				t.Fatalf("succeeded %d of %d", got, len(tc.defs))
			}
			met := func(a, b string) bool { return slices.Contains(pc.with[a], b) || slices.Contains(pc.with[b], a) }
			for _, pr := range tc.apart {
				if met(pr[0], pr[1]) {
					t.Errorf("%s and %s ran at the same time", pr[0], pr[1])
				}
			}
			for _, pr := range tc.together {
				if !met(pr[0], pr[1]) {
					t.Errorf("%s and %s never ran at the same time although both fit", pr[0], pr[1])
				}
			}
		})
	}
}

// A run that crashed after its read keeps the read's output whatever
// keep_outputs says; resuming it reloads that output instead of reading
// again, and the resumed run, which succeeded, loses its own outputs
// under keep_outputs: failed.
func TestResumeAfterCrashReloadsKeptOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeOrgs(t, dir, 2_000)
	p := loadSpec(t, dir, chainsSpec(1, "keep_outputs: failed\nkeep_runs: 1\n"))
	state := filepath.Join(dir, "state")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	crash := observerFunc(func(e engine.Event) {
		if e.Kind == engine.EventTaskFinished && e.TaskID == "r1" {
			cancel() // the process "dies" before w1 starts
		}
	})
	first, err := p.Run(ctx, engine.RunOptions{StateDir: state, RunID: "crashed", Observer: crash})
	if !errors.Is(err, engine.ErrRunCancelled) {
		t.Fatalf("first run: %v", err)
	}
	if first.Task("w1").Status == engine.StatusSucceeded {
		t.Fatal("w1 ran in the crashed run")
	}
	// A crashed run's record is left saying running.
	recPath := filepath.Join(state, "runs", "crashed", engine.RunRecordFile)
	data, err := os.ReadFile(recPath)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), `"status": "cancelled"`, `"status": "running"`, 1))
	if err := os.WriteFile(recPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	hashes := p.DefinitionHashes()
	prev := map[string]engine.PrevTask{}
	for _, tr := range first.Tasks {
		prev[tr.ID] = engine.PrevTask{Succeeded: tr.Status == engine.StatusSucceeded, DefinitionHash: hashes[tr.ID]}
	}
	resume := &engine.Resume{FromRunID: "crashed", FromRunDir: filepath.Join(state, "runs", "crashed"), Prev: prev}
	second, err := p.Run(context.Background(), engine.RunOptions{StateDir: state, RunID: "resumed", Resume: resume})
	if err != nil {
		t.Fatal(err)
	}
	if got := second.Task("r1").Attrs[engine.ReusedFromAttr]; got != "crashed" {
		t.Errorf("r1 reused_from = %v, want crashed (attrs %v)", got, second.Task("r1").Attrs)
	}
	if w := second.Task("w1"); w.Status != engine.StatusSucceeded || w.RowsOut != 2_000 {
		t.Errorf("w1: %s, %d rows", w.Status, w.RowsOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "w1.parquet")); err != nil {
		t.Errorf("w1 wrote nothing: %v", err)
	}
	if _, err := os.Stat(filepath.Join(state, "runs", "crashed", "r1.parquet")); err != nil {
		t.Errorf("the crashed run lost the output resuming it needs: %v", err)
	}
	if _, err := os.Stat(filepath.Join(state, "runs", "resumed", "r1.parquet")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the resumed run succeeded and keep_outputs is failed, yet it kept r1.parquet: %v", err)
	}
}

type observerFunc func(engine.Event)

func (f observerFunc) Observe(e engine.Event) { f(e) }
