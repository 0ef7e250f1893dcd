package scheduler_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/pgtest"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/scheduler"
	"github.com/hotpass/hotpass/internal/storetest"
	"github.com/hotpass/hotpass/tasks"
	_ "github.com/hotpass/hotpass/tasks/builtin"
)

// queueRunner is the Runner a worker runs queued runs with.
func queueRunner(t testing.TB, st store.Store, l *engine.Loader, stateDir string) *hotpass.Runner {
	t.Helper()
	r, err := hotpass.New(hotpass.WithStore(st), hotpass.WithLoader(l), hotpass.WithStateDir(stateDir))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func loader(t testing.TB) *engine.Loader {
	t.Helper()
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func writeSpec(t testing.TB, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name+".yaml")
	src := "version: 1\nname: " + name + "\nparams:\n  n: {type: integer, default: 1}\ntasks:\n  only: {type: noop}\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// clock is a settable time source shared by schedulers.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, tz string
		wantErr  string
		next     string // from 2026-03-10T10:00:30Z
	}{
		{"*/15 * * * *", "", "", "2026-03-10T10:15:00Z"},
		{"@daily", "", "", "2026-03-11T00:00:00Z"},
		{"0 6 * * *", "Africa/Johannesburg", "", "2026-03-11T06:00:00+02:00"},
		{"@every 1h", "", "", "2026-03-10T11:00:30Z"},
		{"61 * * * *", "", `schedule "61 * * * *"`, ""},
		{"* * * *", "", `schedule "* * * *"`, ""},
		{"0 0 * * * *", "", "want 5 fields", ""},
		{"@sometimes", "", `schedule "@sometimes"`, ""},
		{"", "", "empty cron expression", ""},
		{"0 6 * * *", "Mars/Olympus", `time zone "Mars/Olympus"`, ""},
		{"CRON_TZ=UTC 0 6 * * *", "", "--timezone", ""},
	}
	from := time.Date(2026, 3, 10, 10, 0, 30, 0, time.UTC)
	for _, tt := range tests {
		s, err := scheduler.ParseSchedule(tt.expr, tt.tz)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseSchedule(%q, %q) error = %v, want it to contain %q", tt.expr, tt.tz, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSchedule(%q, %q): %v", tt.expr, tt.tz, err)
			continue
		}
		if got := s.Next(from).Format(time.RFC3339); got != tt.next {
			t.Errorf("%q in %q: next = %s, want %s", tt.expr, tt.tz, got, tt.next)
		}
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"* * * * *", "@daily", "0 6 * * 1-5", "*/5 1,2 * jan mon", "@every 1m"} {
		f.Add(s)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := scheduler.ParseSchedule(expr, "UTC")
		if err != nil {
			if !strings.Contains(err.Error(), "schedule") {
				t.Errorf("error does not name the schedule: %v", err)
			}
			return
		}
		if next := s.Next(from); !next.IsZero() && !next.After(from) {
			t.Errorf("%q: next %s not after %s", expr, next, from)
		}
	})
}

// deploy saves a deployment and returns it as stored.
func deploy(t testing.TB, st store.Store, d store.Deployment) store.Deployment {
	t.Helper()
	out, err := st.PutDeployment(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTwoSchedulersFireEachTimeOnce runs two schedulers, each with its own
// connection to one database, with one clock, ticking concurrently through
// ten due minutes, on SQLite and on PostgreSQL.
func TestTwoSchedulersFireEachTimeOnce(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			target := filepath.Join(t.TempDir(), "hotpass.db")
			if backend == "postgres" {
				target = pgtest.URL(t)
			}
			open := func() store.Store {
				st, err := store.Open(context.Background(), target)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = st.Close() })
				return st
			}
			testTwoSchedulers(t, open(), open())
		})
	}
}

func testTwoSchedulers(t *testing.T, st, st2 store.Store) {
	ctx := context.Background()
	l := loader(t)
	d := deploy(t, st, store.Deployment{Name: "every-minute", SpecPath: writeSpec(t, t.TempDir(), "p"),
		Schedule: "* * * * *", Overlap: store.OverlapAllow})
	base := d.CreatedAt.Truncate(time.Minute).Add(time.Minute)
	clk := &clock{now: base}
	a := &scheduler.Scheduler{Store: st, Loader: l, Now: clk.Now}
	b := &scheduler.Scheduler{Store: st2, Loader: l, Now: clk.Now}
	var mu sync.Mutex
	fires := map[time.Time]int{}
	for m := 0; m < 10; m++ {
		for _, off := range []time.Duration{0, 15 * time.Second, 40 * time.Second} {
			clk.Set(base.Add(time.Duration(m)*time.Minute + off))
			var wg sync.WaitGroup
			for _, s := range []*scheduler.Scheduler{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got, err := s.Tick(ctx)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					defer mu.Unlock()
					for _, f := range got {
						fires[f.ScheduledAt.UTC()]++
					}
				}()
			}
			wg.Wait()
		}
	}
	if len(fires) != 10 {
		t.Errorf("%d distinct fire times, want 10: %v", len(fires), fires)
	}
	for at, n := range fires {
		if n != 1 || at.Second() != 0 {
			t.Errorf("fire %s handled %d times", at, n)
		}
	}
	runs, err := st.ListRuns(ctx, store.RunFilter{Deployment: "every-minute"})
	if err != nil || len(runs) != 10 {
		t.Fatalf("%d runs queued, want 10 (%v)", len(runs), err)
	}
	for _, r := range runs {
		if r.Status != store.RunPending || r.Pipeline != "p" || r.SpecHash == "" || r.StartedBy != store.StartedSchedule {
			t.Errorf("queued run %+v", r)
		}
	}
}

func TestCatchupWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		catchup time.Duration
		want    int
	}{
		{"no window fires only the latest due time", 0, 1},
		{"ten minute window", 10 * time.Minute, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := storetest.Open(t)
			d := deploy(t, st, store.Deployment{Name: "d", SpecPath: writeSpec(t, t.TempDir(), "p"), Schedule: "* * * * *",
				Overlap: store.OverlapAllow, Catchup: tt.catchup})
			// The scheduler was down for half an hour.
			now := d.CreatedAt.Truncate(time.Minute).Add(30*time.Minute + 30*time.Second)
			s := &scheduler.Scheduler{Store: st, Loader: loader(t), Now: func() time.Time { return now }}
			fired, err := s.Tick(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(fired) != tt.want {
				t.Fatalf("fired %d, want %d", len(fired), tt.want)
			}
			if last := fired[len(fired)-1].ScheduledAt; !last.Equal(now.Truncate(time.Minute)) {
				t.Errorf("latest fire %s, want %s", last, now.Truncate(time.Minute))
			}
			again, _ := s.Tick(context.Background())
			if len(again) != 0 {
				t.Errorf("second tick at the same time fired %d", len(again))
			}
		})
	}
}

// TestNoCatchupWindowByDefault: a deployment saved without a catch-up
// window starts a fire only up to MisfireGrace late; an hourly fire missed
// for longer (serve started after it) never runs.
func TestNoCatchupWindowByDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		late time.Duration
		want int
	}{
		{"serve started half an hour after the fire", 30 * time.Minute, 0},
		{"just past the grace", scheduler.MisfireGrace + time.Second, 0},
		{"within the grace", scheduler.MisfireGrace - time.Second, 1},
		{"on time", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := storetest.Open(t)
			d := deploy(t, st, store.Deployment{Name: "hourly", SpecPath: writeSpec(t, t.TempDir(), "p"), Schedule: "0 * * * *",
				Overlap: store.OverlapAllow})
			if d.Catchup != 0 {
				t.Fatalf("a deployment saved without a window has one of %v", d.Catchup)
			}
			fire := d.CreatedAt.Truncate(time.Hour).Add(2 * time.Hour)
			now := fire.Add(tt.late)
			s := &scheduler.Scheduler{Store: st, Loader: loader(t), Now: func() time.Time { return now }}
			fired, err := s.Tick(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(fired) != tt.want {
				t.Fatalf("%v after the fire: fired %d, want %d (%v)", tt.late, len(fired), tt.want, fired)
			}
		})
	}
}

func TestTimezoneAndPause(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	spec := writeSpec(t, t.TempDir(), "p")
	d := deploy(t, st, store.Deployment{Name: "jnb", SpecPath: spec, Schedule: "0 6 * * *", Timezone: "Africa/Johannesburg"})
	deploy(t, st, store.Deployment{Name: "paused", SpecPath: spec, Schedule: "* * * * *", Paused: true})
	// The first 06:00 in Johannesburg (04:00 UTC) after creation, plus 10s.
	jnb, _ := time.LoadLocation("Africa/Johannesburg")
	c := d.CreatedAt.In(jnb)
	six := time.Date(c.Year(), c.Month(), c.Day(), 6, 0, 0, 0, jnb)
	if !six.After(d.CreatedAt) {
		six = six.AddDate(0, 0, 1)
	}
	now := six.Add(10 * time.Second)
	s := &scheduler.Scheduler{Store: st, Loader: loader(t), Now: func() time.Time { return now }}
	fired, err := s.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(fired) != 1 || fired[0].Deployment != "jnb" || !fired[0].ScheduledAt.Equal(six) || six.UTC().Hour() != 4 {
		t.Fatalf("fired %+v, want jnb at %s", fired, six)
	}
	r, _ := st.GetRun(context.Background(), fired[0].RunID)
	if got := runner.QueuedOptions(context.Background(), runner.Options{Store: st}, st, r).Date; got != six.Format(time.DateOnly) {
		t.Errorf("run.date = %s, want %s", got, six.Format(time.DateOnly))
	}
}

// TestTemporalDeploymentsLeftToTemporal checks that serve's scheduler
// never fires a deployment on the temporal engine, whose Temporal Schedule
// fires it: firing it here as well would run it twice.
func TestTemporalDeploymentsLeftToTemporal(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	spec := writeSpec(t, t.TempDir(), "p")
	local := deploy(t, st, store.Deployment{Name: "local", SpecPath: spec, Schedule: "* * * * *"})
	deploy(t, st, store.Deployment{Name: "cluster", SpecPath: spec, Schedule: "* * * * *", Engine: store.EngineTemporal})
	now := local.CreatedAt.Truncate(time.Minute).Add(time.Minute + 10*time.Second)
	s := &scheduler.Scheduler{Store: st, Loader: loader(t), Now: func() time.Time { return now }}
	fired, err := s.Tick(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(fired) != 1 || fired[0].Deployment != "local" {
		t.Fatalf("fired %+v, want one fire of local only", fired)
	}
	runs, err := st.ListRuns(context.Background(), store.RunFilter{Deployment: "cluster"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 0 {
		t.Errorf("serve queued %d runs of the temporal deployment, want none", len(runs))
	}
}

func TestOverlapSkip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	d := deploy(t, st, store.Deployment{Name: "d", SpecPath: writeSpec(t, t.TempDir(), "p"), Schedule: "* * * * *"})
	base := d.CreatedAt.Truncate(time.Minute).Add(time.Minute)
	now := base
	s := &scheduler.Scheduler{Store: st, Loader: loader(t), Now: func() time.Time { return now }}
	first, err := s.Tick(ctx)
	if err != nil || len(first) != 1 || first[0].RunID == "" {
		t.Fatalf("first tick: %+v %v", first, err)
	}
	// The first run is still queued a minute later: the fire is skipped.
	now = base.Add(time.Minute)
	second, err := s.Tick(ctx)
	if err != nil || len(second) != 1 || second[0].RunID != "" {
		t.Fatalf("second tick: %+v %v", second, err)
	}
	runs, _ := st.ListRuns(ctx, store.RunFilter{Deployment: "d"})
	if len(runs) != 1 {
		t.Errorf("%d runs, want 1", len(runs))
	}
	if f, ok, _ := st.LastFire(ctx, "d"); !ok || !f.ScheduledAt.Equal(now) {
		t.Errorf("skipped fire not claimed: %+v", f)
	}
}

// TestWorkerRunsQueuedAndSurvivesBadSpecs queues runs of a good deployment
// and of one whose spec is gone or invalid: the bad runs fail with the
// reason recorded, the good one succeeds.
func TestWorkerRunsQueuedAndSurvivesBadSpecs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	l := loader(t)
	dir := t.TempDir()
	good := deploy(t, st, store.Deployment{Name: "good", SpecPath: writeSpec(t, dir, "good")})
	gone := deploy(t, st, store.Deployment{Name: "gone", SpecPath: writeSpec(t, dir, "gone")})
	broken := deploy(t, st, store.Deployment{Name: "broken", SpecPath: writeSpec(t, dir, "broken")})
	if err := os.Remove(gone.SpecPath); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken.SpecPath, []byte("version: 1\nname: broken\ntasks:\n  x: {type: nope}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range []store.Deployment{gone, broken, good} {
		r, err := runner.Enqueue(ctx, st, l, runner.QueueRequest{Deployment: d})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	done := make(chan string, 3)
	w := &scheduler.Worker{
		Store:    st,
		Runner:   queueRunner(t, st, l, t.TempDir()),
		Poll:     10 * time.Millisecond,
		Finished: func(id string, _ *engine.RunRecord, _ error) { done <- id },
	}
	stop, cancel := context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() { w.Run(stop, ctx); close(finished) }()
	for range 3 {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("queued runs did not finish")
		}
	}
	cancel()
	<-finished
	want := map[string]struct {
		status store.RunStatus
		err    string
	}{
		ids[0]: {store.RunFailed, gone.SpecPath},
		ids[1]: {store.RunFailed, `unknown task type "nope"`},
		ids[2]: {store.RunSucceeded, ""},
	}
	for id, w := range want {
		r, err := st.GetRun(ctx, id)
		if err != nil || r.Status != w.status || !strings.Contains(r.Error, w.err) {
			t.Errorf("run %s: %s %q (%v), want %s with %q", id, r.Status, r.Error, err, w.status, w.err)
		}
	}
	if trs, _ := st.ListTasks(ctx, ids[2]); len(trs) != 1 || trs[0].Status != "succeeded" {
		t.Errorf("tasks of the good run: %+v", trs)
	}
}

func TestEnqueueChecksParams(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	d := deploy(t, st, store.Deployment{Name: "d", SpecPath: writeSpec(t, t.TempDir(), "p"), Params: []byte(`{"n": 2}`)})
	tests := []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"n": "ten"}, `param "n"`},
		{map[string]any{"m": 1}, `unknown param "m"`},
	}
	for _, tt := range tests {
		_, err := runner.Enqueue(context.Background(), st, loader(t), runner.QueueRequest{Deployment: d, Params: tt.params, Strict: true})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("params %v: err = %v, want %q", tt.params, err, tt.want)
		}
	}
	if runs, _ := st.ListRuns(context.Background(), store.RunFilter{}); len(runs) != 0 {
		t.Errorf("bad params queued %d runs", len(runs))
	}
	r, err := runner.Enqueue(context.Background(), st, loader(t), runner.QueueRequest{Deployment: d, Params: map[string]any{"n": float64(5)}, Strict: true})
	if err != nil || string(r.Params) != `{"n":5}` {
		t.Errorf("good params: %s %v", r.Params, err)
	}
}

func TestStoreSlotsShareKeyAcrossHolders(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t)
	a := &scheduler.StoreSlots{Store: st, Holder: "a"}
	b := &scheduler.StoreSlots{Store: st, Holder: "b"}
	ctx := context.Background()
	relA, err := a.Acquire(ctx, "crm", 1)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := b.Acquire(short, "crm", 1); err == nil {
		t.Fatal("second holder took a key limited to 1")
	}
	relA()
	relB, err := b.Acquire(ctx, "crm", 1)
	if err != nil {
		t.Fatal(err)
	}
	relB()
	if ls, _ := st.ListLeases(ctx, "key:crm"); len(ls) != 0 {
		t.Errorf("leases left: %+v", ls)
	}
}

// BenchmarkFire500 queues 500 deployments due in the same minute and
// measures until every run has started (target: under 5 s).
func BenchmarkFire500(b *testing.B) {
	ctx := context.Background()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		st := storetest.Open(b)
		l := loader(b)
		dir := b.TempDir()
		spec := writeSpec(b, dir, "noop")
		var created time.Time
		for i := 0; i < 500; i++ {
			d := deploy(b, st, store.Deployment{Name: fmt.Sprintf("d%03d", i), SpecPath: spec, Schedule: "* * * * *"})
			created = d.CreatedAt
		}
		due := created.Truncate(time.Minute).Add(time.Minute)
		started := make(chan struct{}, 500)
		w := &scheduler.Worker{
			Store:       st,
			Runner:      queueRunner(b, st, l, filepath.Join(dir, "state")),
			Concurrency: 8,
			Poll:        50 * time.Millisecond,
			Finished:    func(string, *engine.RunRecord, error) { started <- struct{}{} },
		}
		s := &scheduler.Scheduler{Store: st, Loader: l, Now: func() time.Time { return due }, Queued: func(store.Run) { w.Wake() }}
		stop, cancel := context.WithCancel(ctx)
		finished := make(chan struct{})
		b.StartTimer()
		go func() { w.Run(stop, ctx); close(finished) }()
		fired, err := s.Tick(ctx)
		if err != nil || len(fired) != 500 {
			b.Fatalf("fired %d: %v", len(fired), err)
		}
		for range 500 {
			<-started
		}
		b.StopTimer()
		cancel()
		<-finished
		if pending, _ := st.ListRuns(ctx, store.RunFilter{Status: store.RunPending}); len(pending) != 0 {
			b.Fatalf("%d runs still pending", len(pending))
		}
		b.StartTimer()
	}
}

// Cancel stops one run the worker executes, and only that run.
func TestWorkerCancelsOneRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	l := loader(t)
	spec := filepath.Join(t.TempDir(), "slow.yaml")
	src := "version: 1\nname: slow\ntasks:\n  wait: {type: exec, with: {command: \"sleep 30\"}}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	d := deploy(t, st, store.Deployment{Name: "slow", SpecPath: spec, Overlap: store.OverlapAllow})
	done := make(chan string, 1)
	run, err := hotpass.New(hotpass.WithStore(st), hotpass.WithLoader(l), hotpass.WithStateDir(t.TempDir()), hotpass.WithCancelGrace(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	w := &scheduler.Worker{
		Store:    st,
		Runner:   run,
		Poll:     10 * time.Millisecond,
		Finished: func(id string, _ *engine.RunRecord, _ error) { done <- id },
	}
	if w.Cancel("not-running") {
		t.Error("Cancel of a run the worker does not run reported true")
	}
	r, err := runner.Enqueue(ctx, st, l, runner.QueueRequest{Deployment: d})
	if err != nil {
		t.Fatal(err)
	}
	stop, cancel := context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() { w.Run(stop, ctx); close(finished) }()
	defer func() { cancel(); <-finished }()
	// Wait for the task to run: a run cancelled while its spec loads
	// fails instead, as a run that could not start.
	for {
		trs, _ := st.ListTasks(ctx, r.ID)
		if len(trs) == 1 && trs[0].Status == "running" {
			break
		}
		select {
		case <-done:
			t.Fatal("the run ended before it could be cancelled")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if !w.Cancel(r.ID) {
		t.Fatal("Cancel of a running run reported false")
	}
	select {
	case id := <-done:
		if id != r.ID {
			t.Fatalf("finished %s", id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the cancelled run did not end")
	}
	got, err := st.GetRun(ctx, r.ID)
	if err != nil || got.Status != store.RunCancelled {
		t.Errorf("cancelled run is %s (%v)", got.Status, err)
	}
}

// A queued run that names a run to resume reuses that run's successful
// tasks when the worker runs it.
func TestWorkerResumesQueuedRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	l := loader(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "fixed")
	spec := filepath.Join(dir, "two.yaml")
	src := "version: 1\nname: two\ntasks:\n  first: {type: exec, with: {command: \"echo first\"}}\n" +
		"  second: {type: exec, needs: [first], with: {command: \"test -f " + marker + "\"}}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	d := deploy(t, st, store.Deployment{Name: "two", SpecPath: spec})
	done := make(chan string, 2)
	w := &scheduler.Worker{
		Store:    st,
		Runner:   queueRunner(t, st, l, filepath.Join(dir, "state")),
		Poll:     10 * time.Millisecond,
		Finished: func(id string, _ *engine.RunRecord, _ error) { done <- id },
	}
	stop, cancel := context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() { w.Run(stop, ctx); close(finished) }()
	defer func() { cancel(); <-finished }()
	wait := func() {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("the queued run did not finish")
		}
	}
	failed, err := runner.Enqueue(ctx, st, l, runner.QueueRequest{Deployment: d})
	if err != nil {
		t.Fatal(err)
	}
	w.Wake()
	wait()
	if r, _ := st.GetRun(ctx, failed.ID); r.Status != store.RunFailed {
		t.Fatalf("first run is %s, want failed", r.Status)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	resumed, err := runner.Enqueue(ctx, st, l, runner.QueueRequest{Deployment: d, ResumeFrom: failed.ID})
	if err != nil {
		t.Fatal(err)
	}
	w.Wake()
	wait()
	r, err := st.GetRun(ctx, resumed.ID)
	if err != nil || r.Status != store.RunSucceeded || r.ResumeFrom != failed.ID {
		t.Fatalf("resumed run %+v (%v), want succeeded, resuming %s", r, err, failed.ID)
	}
	trs, err := st.ListTasks(ctx, resumed.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trs {
		if reused := tr.Attempts == 0; reused != (tr.TaskID == "first") {
			t.Errorf("task %s: %d attempts; want first reused (0) and second run (1)", tr.TaskID, tr.Attempts)
		}
	}
}
