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
	"weak"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/redact"
)

// peak tracks how many tasks run at once.
type peak struct {
	cur, max atomic.Int64
}

func (p *peak) enter() {
	n := p.cur.Add(1)
	for {
		m := p.max.Load()
		if n <= m || p.max.CompareAndSwap(m, n) {
			return
		}
	}
}

func (p *peak) leave() { p.cur.Add(-1) }

func TestRunSucceeds(t *testing.T) {
	t.Parallel()
	fn := newFnType().
		on("a", func(context.Context, *engine.Env) (*engine.Result, error) {
			return &engine.Result{Output: []int{1, 2, 3}, RowsOut: 3, Attrs: map[string]any{"k": "v"}}, nil
		}).
		on("b", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
			v, ok := env.Input("a")
			if !ok || !slices.Equal(v.([]int), []int{1, 2, 3}) {
				return nil, fmt.Errorf("input a = %v, %v", v, ok)
			}
			if _, ok := env.Input("c"); ok {
				return nil, errors.New("input of a task that is not a dependency was visible")
			}
			return &engine.Result{RowsIn: 3, RowsOut: 2}, nil
		})
	p := compile(t, mkSpec(tdef{id: "a"}, tdef{id: "b", inputs: []string{"a"}}, tdef{id: "c"}), fn)
	o := opts(t)
	o.RunID = "20260101T000000Z-abcdef"
	o.Params = map[string]any{"date": "2026-01-01", "n": 3}
	rec, err := p.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != engine.StatusSucceeded || rec.RunID != o.RunID || rec.Pipeline != "test" {
		t.Fatalf("record %+v", rec)
	}
	onDisk, err := engine.ReadRunRecord(filepath.Join(o.StateDir, "runs", o.RunID, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if onDisk.Status != engine.StatusSucceeded || onDisk.SpecHash != "abc123" || onDisk.SpecPath != "pipeline.yaml" ||
		onDisk.Params["date"] != "2026-01-01" || onDisk.Params["n"] != float64(3) || onDisk.EndedAt.IsZero() {
		t.Fatalf("run.json %+v", onDisk)
	}
	ids := []string{}
	for _, tr := range onDisk.Tasks {
		ids = append(ids, tr.ID)
		if tr.Status != engine.StatusSucceeded || tr.Attempts != 1 || tr.StartedAt.IsZero() || tr.EndedAt.Before(tr.StartedAt) ||
			tr.Log != "" || tr.Type != "fn" {
			t.Errorf("task record %+v", tr)
		}
	}
	if !slices.Equal(ids, []string{"a", "b", "c"}) {
		t.Errorf("tasks in record %v, want file order", ids)
	}
	a, b := onDisk.Task("a"), onDisk.Task("b")
	if a.RowsOut != 3 || a.Attrs["k"] != "v" || b.RowsIn != 3 || b.RowsOut != 2 {
		t.Errorf("rows/attrs: a %+v b %+v", a, b)
	}
}

func TestRunGlobalLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		specMax  int
		override int
		want     int64
	}{
		{"spec max", 3, 0, 3},
		{"override wins", 5, 2, 2},
		{"serial", 0, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var pk peak
			s := randomSpec(60, 1.5, 3, "fn")
			s.Concurrency.Max = tc.specMax
			fn := newFnType()
			for _, task := range s.Tasks {
				fn.on(task.ID, func(context.Context, *engine.Env) (*engine.Result, error) {
					pk.enter()
					defer pk.leave()
					time.Sleep(time.Millisecond) // let others pile up if the limit leaked
					return nil, nil
				})
			}
			o := opts(t)
			o.MaxConcurrency = tc.override
			rec, err := compile(t, s, fn).Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if got := pk.max.Load(); got > tc.want {
				t.Fatalf("%d tasks ran at once, limit %d", got, tc.want)
			}
			if rec.Counts()[engine.StatusSucceeded] != 60 {
				t.Fatalf("counts %v", rec.Counts())
			}
		})
	}
}

func TestRunKeyLimits(t *testing.T) {
	t.Parallel()
	var global peak
	keys := map[string]*peak{"db": {}, "api": {}}
	limits := map[string]int64{"db": 2, "api": 1} // api is not declared: limit 1
	var defs []tdef
	for i := range 45 {
		d := tdef{id: fmt.Sprintf("t%02d", i)}
		switch i % 3 {
		case 0:
			d.key = "db"
		case 1:
			d.key = "api"
		}
		if i >= 5 {
			d.needs = []string{fmt.Sprintf("t%02d", i%5)}
		}
		defs = append(defs, d)
	}
	s := mkSpec(defs...)
	s.Concurrency.Max = 4
	s.Concurrency.Keys = map[string]int{"db": 2}
	fn := newFnType()
	for _, d := range defs {
		fn.on(d.id, func(context.Context, *engine.Env) (*engine.Result, error) {
			global.enter()
			defer global.leave()
			if k := keys[d.key]; k != nil {
				k.enter()
				defer k.leave()
			}
			time.Sleep(time.Millisecond)
			return nil, nil
		})
	}
	o := opts(t)
	o.MaxConcurrency = 0
	if _, err := compile(t, s, fn).Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if g := global.max.Load(); g > 4 {
		t.Errorf("global peak %d > 4", g)
	}
	for k, p := range keys {
		if got := p.max.Load(); got > limits[k] {
			t.Errorf("key %s: %d at once, limit %d", k, got, limits[k])
		}
	}
}

// A task waiting for its concurrency key must not hold a global slot. With
// two global slots, "holder" takes the key and one slot and only finishes
// once "free" (no key) has started; "waiter" (same key, declared before
// "free") must wait for the key without taking the second slot, or "free"
// could never start.
func TestRunKeyWaiterHoldsNoGlobalSlot(t *testing.T) {
	t.Parallel()
	freeStarted := make(chan struct{})
	fn := newFnType().
		on("holder", func(ctx context.Context, _ *engine.Env) (*engine.Result, error) {
			select {
			case <-freeStarted:
				return nil, nil
			case <-ctx.Done():
				return nil, errors.New("free never started while holder held the key: head-of-line blocking")
			}
		}).
		on("free", func(context.Context, *engine.Env) (*engine.Result, error) {
			close(freeStarted)
			return nil, nil
		})
	s := mkSpec(
		tdef{id: "holder", key: "db", timeout: 20 * time.Second},
		tdef{id: "waiter", key: "db"},
		tdef{id: "free"},
	)
	o := opts(t)
	o.MaxConcurrency = 2
	rec, err := compile(t, s, fn).Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%v: %+v", err, rec.Tasks)
	}
}

func TestRunRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		retries      int
		failFirst    int
		wantStatus   engine.Status
		wantAttempts int
	}{
		{"no retries, fails", 0, 1, engine.StatusFailed, 1},
		{"succeeds on third attempt", 3, 2, engine.StatusSucceeded, 3},
		{"runs out of retries", 2, 10, engine.StatusFailed, 3},
		{"no failure", 2, 0, engine.StatusSucceeded, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			fn := newFnType().on("flaky", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
				if n := calls.Add(1); int(n) != env.Attempt {
					return nil, fmt.Errorf("call %d has Attempt %d", n, env.Attempt)
				}
				if env.Attempt <= tc.failFirst {
					return nil, fmt.Errorf("boom %d", env.Attempt)
				}
				return nil, nil
			})
			rec := &recorder{}
			o := opts(t)
			o.Observer = rec
			got, _ := compile(t, mkSpec(tdef{id: "flaky", retries: tc.retries, delay: time.Millisecond}), fn).Run(context.Background(), o)
			tr := got.Task("flaky")
			if tr.Status != tc.wantStatus || tr.Attempts != tc.wantAttempts || int(calls.Load()) != tc.wantAttempts {
				t.Fatalf("status %s attempts %d calls %d; want %s %d", tr.Status, tr.Attempts, calls.Load(), tc.wantStatus, tc.wantAttempts)
			}
			retrying := 0
			for _, k := range rec.kinds("flaky") {
				if k == engine.EventTaskRetrying {
					retrying++
				}
			}
			if retrying != tc.wantAttempts-1 {
				t.Errorf("%d retrying events, want %d", retrying, tc.wantAttempts-1)
			}
			if tc.wantStatus == engine.StatusFailed && tr.Error != fmt.Sprintf("boom %d", tc.wantAttempts) {
				t.Errorf("error %q", tr.Error)
			}
			if tc.wantStatus == engine.StatusSucceeded && tr.Error != "" {
				t.Errorf("succeeded task keeps error %q", tr.Error)
			}
		})
	}
}

func TestRunTimeout(t *testing.T) {
	t.Parallel()
	fn := newFnType().on("slow", blockUntilCancelled(nil))
	s := mkSpec(tdef{id: "slow", timeout: 20 * time.Millisecond, retries: 1, delay: time.Millisecond}, tdef{id: "next", needs: []string{"slow"}})
	rec, err := compile(t, s, fn).Run(context.Background(), opts(t))
	if !errors.Is(err, engine.ErrRunFailed) {
		t.Fatalf("err = %v", err)
	}
	tr := rec.Task("slow")
	if tr.Status != engine.StatusFailed || tr.Error != "timed out after 20ms" || tr.Attempts != 2 {
		t.Fatalf("slow: %+v", tr)
	}
	if n := rec.Task("next"); n.Status != engine.StatusSkipped || n.SkipReason != "upstream failed: slow" {
		t.Fatalf("next: %+v", n)
	}
}

func TestRunFailureSkipsDownstreamOnly(t *testing.T) {
	t.Parallel()
	fn := newFnType().on("a", func(context.Context, *engine.Env) (*engine.Result, error) {
		return nil, errors.New("bad input")
	})
	s := mkSpec(
		tdef{id: "a"},
		tdef{id: "b", needs: []string{"a"}},
		tdef{id: "c", inputs: []string{"b"}},
		tdef{id: "d"},
		tdef{id: "e", needs: []string{"d"}},
		tdef{id: "f", needs: []string{"e", "c"}},
	)
	rec := &recorder{}
	o := opts(t)
	o.Observer = rec
	got, err := compile(t, s, fn).Run(context.Background(), o)
	if !errors.Is(err, engine.ErrRunFailed) || !strings.Contains(err.Error(), "1 task failed: a") {
		t.Fatalf("err = %v", err)
	}
	want := map[string]engine.Status{
		"a": engine.StatusFailed, "b": engine.StatusSkipped, "c": engine.StatusSkipped,
		"d": engine.StatusSucceeded, "e": engine.StatusSucceeded, "f": engine.StatusSkipped,
	}
	if st := statuses(got); !mapsEqual(st, want) {
		t.Fatalf("statuses %v, want %v", st, want)
	}
	for _, id := range []string{"b", "c", "f"} {
		tr := got.Task(id)
		if tr.SkipReason != "upstream failed: a" || tr.Attempts != 0 || tr.Log != "" {
			t.Errorf("%s: %+v", id, tr)
		}
		if k := rec.kinds(id); !slices.Equal(k, []engine.EventKind{engine.EventTaskFinished}) {
			t.Errorf("%s events %v", id, k)
		}
	}
	if got.Status != engine.StatusFailed || got.Task("a").Error != "bad input" {
		t.Errorf("run %s, a error %q", got.Status, got.Task("a").Error)
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestRunFailFast(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	fn := newFnType().
		on("long", blockUntilCancelled(started)).
		on("bad", func(ctx context.Context, _ *engine.Env) (*engine.Result, error) {
			<-started
			return nil, errors.New("boom")
		})
	s := mkSpec(
		tdef{id: "long"},
		tdef{id: "bad"},
		tdef{id: "after_long", needs: []string{"long"}},
		tdef{id: "after_bad", needs: []string{"bad"}},
	)
	s.FailFast = true
	rec, err := compile(t, s, fn).Run(context.Background(), opts(t))
	if !errors.Is(err, engine.ErrRunFailed) {
		t.Fatalf("err = %v", err)
	}
	want := map[string]engine.Status{
		"long": engine.StatusCancelled, "bad": engine.StatusFailed,
		"after_long": engine.StatusSkipped, "after_bad": engine.StatusSkipped,
	}
	if st := statuses(rec); !mapsEqual(st, want) {
		t.Fatalf("statuses %v, want %v", st, want)
	}
	if r := rec.Task("after_long").SkipReason; r != "fail_fast: bad failed" {
		t.Errorf("after_long skip reason %q", r)
	}
	if r := rec.Task("after_bad").SkipReason; r != "upstream failed: bad" {
		t.Errorf("after_bad skip reason %q", r)
	}
	if rec.Status != engine.StatusFailed {
		t.Errorf("run status %s", rec.Status)
	}
}

func TestRunCancel(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 2)
	fn := newFnType().on("a", blockUntilCancelled(started)).on("b", blockUntilCancelled(started))
	s := mkSpec(tdef{id: "a"}, tdef{id: "b"}, tdef{id: "c", needs: []string{"a"}}, tdef{id: "d"}, tdef{id: "retrying", retries: 5, delay: time.Hour})
	fn.on("retrying", func(context.Context, *engine.Env) (*engine.Result, error) { return nil, errors.New("again") })
	o := opts(t)
	o.MaxConcurrency = 2
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		<-started
		cancel()
	}()
	rec, err := compile(t, s, fn).Run(ctx, o)
	if !errors.Is(err, engine.ErrRunCancelled) {
		t.Fatalf("err = %v", err)
	}
	if rec.Status != engine.StatusCancelled {
		t.Fatalf("status %s", rec.Status)
	}
	for _, tr := range rec.Tasks {
		if tr.Status != engine.StatusCancelled {
			t.Errorf("%s: %s, want cancelled", tr.ID, tr.Status)
		}
	}
	if rec.Task("a").Attempts != 1 || rec.Task("c").Attempts != 0 {
		t.Errorf("attempts a=%d c=%d", rec.Task("a").Attempts, rec.Task("c").Attempts)
	}
	onDisk, err := engine.ReadRunRecord(filepath.Join(o.StateDir, "runs", rec.RunID, "run.json"))
	if err != nil || onDisk.Status != engine.StatusCancelled {
		t.Fatalf("run.json: %v %+v", err, onDisk)
	}
}

// A task that ignores cancellation is given up on after the grace period.
func TestRunCancelGrace(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	fn := newFnType().on("stubborn", func(context.Context, *engine.Env) (*engine.Result, error) {
		close(started)
		<-release
		return nil, nil
	})
	o := opts(t)
	o.CancelGrace = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	rec, err := compile(t, mkSpec(tdef{id: "stubborn"}), fn).Run(ctx, o)
	if !errors.Is(err, engine.ErrRunCancelled) {
		t.Fatalf("err = %v", err)
	}
	if tr := rec.Task("stubborn"); tr.Status != engine.StatusCancelled || tr.Error != "did not stop within 10ms of cancellation" {
		t.Fatalf("%+v", tr)
	}
}

func TestRunOnly(t *testing.T) {
	t.Parallel()
	s := mkSpec(
		tdef{id: "a"},
		tdef{id: "b", needs: []string{"a"}},
		tdef{id: "c", needs: []string{"b"}},
		tdef{id: "x"},
		tdef{id: "y", inputs: []string{"x"}},
	)
	tests := []struct {
		only    []string
		want    []string
		wantErr string
	}{
		{[]string{"b"}, []string{"a", "b"}, ""},
		{[]string{"y", "a"}, []string{"a", "x", "y"}, ""},
		{[]string{"c"}, []string{"a", "b", "c"}, ""},
		{[]string{"bb", "qqq"}, nil, `--only: unknown task "bb" (did you mean "b"?), "qqq" in spec pipeline.yaml`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.only, ","), func(t *testing.T) {
			t.Parallel()
			var ran sync.Map
			fn := newFnType()
			for _, task := range s.Tasks {
				fn.on(task.ID, func(_ context.Context, env *engine.Env) (*engine.Result, error) {
					ran.Store(env.TaskID, true)
					return nil, nil
				})
			}
			o := opts(t)
			o.Only = tc.only
			rec, err := compile(t, s, fn).Run(context.Background(), o)
			if tc.wantErr != "" {
				if !errors.Is(err, engine.ErrUnknownTask) || err.Error() != tc.wantErr || rec != nil {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids, ranIDs []string
			for _, tr := range rec.Tasks {
				ids = append(ids, tr.ID)
			}
			ran.Range(func(k, _ any) bool { ranIDs = append(ranIDs, k.(string)); return true })
			slices.Sort(ranIDs)
			if !slices.Equal(ids, tc.want) || !slices.Equal(ranIDs, tc.want) || !slices.Equal(rec.Only, tc.only) {
				t.Fatalf("recorded %v, ran %v, want %v", ids, ranIDs, tc.want)
			}
		})
	}
}

func TestRunLogs(t *testing.T) {
	t.Parallel()
	fn := newFnType().
		on("chatty", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
			env.Log.Info("loading", "rows", 42)
			fmt.Fprint(env.Output, "raw line one\nraw ")
			fmt.Fprint(env.Output, "line two\nunterminated")
			return nil, nil
		}).
		on("flaky", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
			if env.Attempt == 1 {
				return nil, errors.New("first attempt fails")
			}
			return nil, nil
		})
	s := mkSpec(tdef{id: "chatty"}, tdef{id: "silent"}, tdef{id: "flaky", retries: 1, delay: time.Millisecond})
	o := opts(t)
	rec, err := compile(t, s, fn).Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(o.StateDir, "runs", rec.RunID)
	read := func(id string) string {
		if rec.Task(id).Log != filepath.Join("logs", id+".log") {
			t.Fatalf("%s: log path %q", id, rec.Task(id).Log)
		}
		data, err := os.ReadFile(filepath.Join(runDir, rec.Task(id).Log))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	tests := []struct {
		id   string
		want []string
	}{
		{"chatty", []string{`msg="attempt started" attempt=1 task=chatty type=fn`, `msg=loading attempt=1 rows=42`,
			"raw line one\nraw line two\n", "unterminated\n", `msg="attempt succeeded" attempt=1`}},
		{"flaky", []string{`msg="attempt started" attempt=1 task=flaky`,
			`level=ERROR msg="attempt failed" attempt=1 error="first attempt fails"`}},
	}
	// A task that succeeds silently has no log file; its record says so.
	if l := rec.Task("silent").Log; l != "" {
		t.Errorf("silent task has log %q", l)
	}
	if _, err := os.Stat(filepath.Join(runDir, "logs", "silent.log")); !os.IsNotExist(err) {
		t.Errorf("silent task log file: %v", err)
	}
	for _, tc := range tests {
		log := read(tc.id)
		for _, w := range tc.want {
			if !strings.Contains(log, w) {
				t.Errorf("%s log lacks %q:\n%s", tc.id, w, log)
			}
		}
	}
}

func TestRunRedaction(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-secret"
	fn := newFnType().on("leaky", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
		env.Log.Info("connecting", "dsn", "postgres://u:"+secret+"@db")
		// The secret straddles two writes of the raw stream.
		fmt.Fprint(env.Output, "token=hunter2-")
		fmt.Fprint(env.Output, "secret ok\n")
		return &engine.Result{Attrs: map[string]any{"url": "x?" + secret}}, errors.New("auth failed for " + secret)
	})
	red := &redact.Redactor{}
	red.Add(secret)
	rec := &recorder{}
	o := opts(t)
	o.Redactor = red
	o.Observer = rec
	o.Params = map[string]any{"password": secret, "list": []string{"a", secret}}
	got, _ := compile(t, mkSpec(tdef{id: "leaky"}), fn).Run(context.Background(), o)
	runDir := filepath.Join(o.StateDir, "runs", got.RunID)
	for _, f := range []string{"run.json", "logs/leaky.log"} {
		data, err := os.ReadFile(filepath.Join(runDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), secret) || strings.Contains(string(data), "hunter2") {
			t.Errorf("%s leaks the secret:\n%s", f, data)
		}
		if !strings.Contains(string(data), redact.Mask) {
			t.Errorf("%s has no mask:\n%s", f, data)
		}
	}
	if e := got.Task("leaky").Error; e != "auth failed for ***" {
		t.Errorf("error %q", e)
	}
	for _, e := range rec.events {
		if strings.Contains(e.Error, secret) {
			t.Errorf("event %v leaks the secret", e.Kind)
		}
	}
}

// run.json is valid JSON, with the run marked running, while tasks run.
func TestRunRecordWhileRunning(t *testing.T) {
	t.Parallel()
	var seen *engine.RunRecord
	fn := newFnType().on("b", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
		var err error
		seen, err = engine.ReadRunRecord(filepath.Join(env.RunDir, "run.json"))
		return nil, err
	})
	p := compile(t, mkSpec(tdef{id: "a"}, tdef{id: "b", needs: []string{"a"}}), fn)
	if _, err := p.Run(context.Background(), opts(t)); err != nil {
		t.Fatal(err)
	}
	if seen == nil || seen.Status != engine.StatusRunning || len(seen.Tasks) != 2 || seen.StartedAt.IsZero() {
		t.Fatalf("record seen while running: %+v", seen)
	}
}

func TestRunEvents(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	var second []engine.Event
	o := opts(t)
	o.Observer = engine.MultiObserver(rec, nil, engine.ObserverFunc(func(e engine.Event) { second = append(second, e) }))
	got, err := compile(t, mkSpec(tdef{id: "a"}, tdef{id: "b", needs: []string{"a"}}), newFnType()).Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range rec.events {
		if e.RunID != got.RunID {
			t.Errorf("event %v has run id %q", e.Kind, e.RunID)
		}
		kinds = append(kinds, e.Kind.String()+":"+e.TaskID)
	}
	want := []string{"run_started:", "task_started:a", "task_finished:a", "task_started:b", "task_finished:b", "run_finished:"}
	if !slices.Equal(kinds, want) || len(second) != len(want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	if rec.events[0].Total != 2 || rec.events[len(want)-1].Status != engine.StatusSucceeded {
		t.Errorf("run events %+v", rec.events)
	}
}

// Outputs are handed over by reference.
func TestRunOutputsShared(t *testing.T) {
	t.Parallel()
	big := make([]byte, 1<<20)
	var got1, got2 *byte
	fn := newFnType().
		on("src", func(context.Context, *engine.Env) (*engine.Result, error) { return &engine.Result{Output: big}, nil }).
		on("x", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
			v, _ := env.Input("src")
			got1 = &v.([]byte)[0]
			return nil, nil
		}).
		on("y", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
			v, _ := env.Input("src")
			got2 = &v.([]byte)[0]
			return nil, nil
		})
	s := mkSpec(tdef{id: "src"}, tdef{id: "x", inputs: []string{"src"}}, tdef{id: "y", inputs: []string{"src"}})
	if _, err := compile(t, s, fn).Run(context.Background(), opts(t)); err != nil {
		t.Fatal(err)
	}
	if got1 != &big[0] || got2 != &big[0] {
		t.Fatal("dependents did not receive the upstream output itself")
	}
}

func TestRunOptionsErrors(t *testing.T) {
	t.Parallel()
	p := compile(t, mkSpec(tdef{id: "a"}), newFnType())
	o := opts(t)
	o.RunID = "fixed"
	if _, err := p.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("reused run id: err = %v", err)
	}
	o.RunID = "../escape"
	if _, err := p.Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "invalid run id") {
		t.Errorf("bad run id: err = %v", err)
	}
}

func TestRunPanickingTask(t *testing.T) {
	t.Parallel()
	fn := newFnType().on("p", func(context.Context, *engine.Env) (*engine.Result, error) { panic("oops") })
	rec, err := compile(t, mkSpec(tdef{id: "p"}), fn).Run(context.Background(), opts(t))
	if !errors.Is(err, engine.ErrRunFailed) || rec.Task("p").Error != "task panicked: oops" {
		t.Fatalf("err %v, record %+v", err, rec.Task("p"))
	}
}

func TestNewRunID(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 26, 22, 36, 0, 0, time.FixedZone("SAST", 2*3600))
	id := engine.NewRunID(at)
	if !strings.HasPrefix(id, "20261126T203600Z-") || len(id) != len("20261126T203600Z-a1b2c3") {
		t.Fatalf("id %q", id)
	}
	if engine.NewRunID(at) == id {
		t.Fatal("two ids in the same second are equal")
	}
	if a, b := engine.NewRunID(at), engine.NewRunID(at.Add(time.Second)); a >= b {
		t.Fatalf("ids do not sort by time: %s >= %s", a, b)
	}
}

func TestReadRunRecordErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "run.json")
	if err := os.WriteFile(bad, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{bad, filepath.Join(dir, "missing.json")} {
		if _, err := engine.ReadRunRecord(p); err == nil {
			t.Errorf("%s: no error", p)
		}
	}
}

func TestRunRecordJSONShape(t *testing.T) {
	t.Parallel()
	fn := newFnType().on("a", func(context.Context, *engine.Env) (*engine.Result, error) {
		return &engine.Result{Attrs: map[string]any{"exit_code": 0}}, nil
	})
	o := opts(t)
	rec, err := compile(t, mkSpec(tdef{id: "a"}, tdef{id: "b"}), fn).Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(o.StateDir, "runs", rec.RunID, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"run_id", "pipeline", "spec_path", "spec_hash", "status", "started_at", "ended_at", "duration_ns", "tasks"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("run.json lacks %q", k)
		}
	}
	task := raw["tasks"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "type", "status", "attempts", "started_at", "ended_at", "attrs"} {
		if _, ok := task[k]; !ok {
			t.Errorf("task record lacks %q: %v", k, task)
		}
	}
}

func TestRunRandomDAGWithFailures(t *testing.T) {
	t.Parallel()
	s := randomSpec(300, 3, 11, "fn")
	s.Concurrency.Max = 8
	fn := newFnType()
	failing := map[string]bool{}
	for i, task := range s.Tasks {
		if i%37 == 5 {
			failing[task.ID] = true
			fn.on(task.ID, func(context.Context, *engine.Env) (*engine.Result, error) { return nil, errors.New("x") })
		}
	}
	p := compile(t, s, fn)
	rec, _ := p.Run(context.Background(), opts(t))
	// A task is skipped when a transitive dependency failed, else it fails
	// or succeeds on its own.
	bad, upstreamBad := map[string]bool{}, map[string]bool{}
	for _, id := range p.Order() {
		for _, d := range p.Deps(id) {
			upstreamBad[id] = upstreamBad[id] || bad[d]
		}
		bad[id] = upstreamBad[id] || failing[id]
	}
	for _, tr := range rec.Tasks {
		want := engine.StatusSucceeded
		switch {
		case upstreamBad[tr.ID]:
			want = engine.StatusSkipped
		case failing[tr.ID]:
			want = engine.StatusFailed
		}
		if tr.Status != want {
			t.Errorf("%s: %s, want %s", tr.ID, tr.Status, want)
		}
	}
}

// The engine lets go of an output once every task that reads it is done.
func TestRunDropsOutputs(t *testing.T) {
	t.Parallel()
	var wp weak.Pointer[[1 << 20]byte]
	collected := false
	fn := newFnType().
		on("src", func(context.Context, *engine.Env) (*engine.Result, error) {
			big := new([1 << 20]byte)
			wp = weak.Make(big)
			return &engine.Result{Output: big}, nil
		}).
		on("reader", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
			if v, ok := env.Input("src"); !ok || v == nil {
				return nil, errors.New("no input")
			}
			return nil, nil
		}).
		on("later", func(context.Context, *engine.Env) (*engine.Result, error) {
			runtime.GC()
			collected = wp.Value() == nil
			return nil, nil
		})
	s := mkSpec(tdef{id: "src"}, tdef{id: "reader", inputs: []string{"src"}}, tdef{id: "later", needs: []string{"reader"}})
	if _, err := compile(t, s, fn).Run(context.Background(), opts(t)); err != nil {
		t.Fatal(err)
	}
	if !collected {
		t.Fatal("src's output was still referenced after its only reader finished")
	}
}
