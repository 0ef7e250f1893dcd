package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

// backend is one Store implementation under test.
type backend struct {
	name string
	// target returns the location of a fresh, empty database for tb.
	target func(tb testing.TB) string
	// futureVersionSQL records a migration newer than any this code knows.
	futureVersionSQL string
	// migrationRows counts the rows of schema_migrations at target.
	migrationRows func(tb testing.TB, target string) int
}

func backends() []backend {
	return []backend{
		{
			name:             "sqlite",
			target:           func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "hotpass.db") },
			futureVersionSQL: `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`,
			migrationRows: func(tb testing.TB, target string) int {
				db, err := sql.Open("sqlite", target)
				if err != nil {
					tb.Fatal(err)
				}
				defer db.Close()
				var n int
				if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
					tb.Fatal(err)
				}
				return n
			},
		},
		{
			name:             "postgres",
			target:           func(tb testing.TB) string { return pgtest.URL(tb) },
			futureVersionSQL: `INSERT INTO schema_migrations (version, name) VALUES (999, 'future')`,
			migrationRows: func(tb testing.TB, target string) int {
				conn, err := pgx.Connect(context.Background(), target)
				if err != nil {
					tb.Fatal(err)
				}
				defer conn.Close(context.Background())
				var n int
				if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
					tb.Fatal(err)
				}
				return n
			},
		},
	}
}

// forEachBackend runs fn once per implementation, in parallel.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

// openAt opens the store at target and closes it when the test ends.
func openAt(tb testing.TB, target string) Store {
	tb.Helper()
	s, err := Open(context.Background(), target)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// newStore opens a store on a fresh database.
func newStore(tb testing.TB, b backend) Store {
	tb.Helper()
	return openAt(tb, b.target(tb))
}

func mustCreate(t testing.TB, s Store, r Run) Run {
	t.Helper()
	out, err := s.CreateRun(context.Background(), r)
	if err != nil {
		t.Fatalf("CreateRun(%s): %v", r.ID, err)
	}
	return out
}

func mustGet(t testing.TB, s Store, id string) Run {
	t.Helper()
	r, err := s.GetRun(context.Background(), id)
	if err != nil {
		t.Fatalf("GetRun(%s): %v", id, err)
	}
	return r
}

// jsonEqual compares JSON values, not their spelling: PostgreSQL's jsonb
// reorders keys and drops spaces.
func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// sameRun compares runs field by field, JSON by value.
func sameRun(t *testing.T, got, want Run) {
	t.Helper()
	if !jsonEqual(got.Params, want.Params) {
		t.Errorf("run %s: params = %s, want %s", want.ID, got.Params, want.Params)
	}
	got.Params, want.Params = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("run %s:\n got %+v\nwant %+v", want.ID, got, want)
	}
}

func wantErr(t *testing.T, err, target error, mentions ...string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
	for _, m := range mentions {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)

func TestRunCreateGet(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b)
		full := Run{
			ID: "r1", Pipeline: "aviation", SpecPath: "specs/a.yaml", SpecHash: "abc", Deployment: "nightly",
			Status: RunRunning, Params: json.RawMessage(`{"b": [1, 2], "a": "x"}`), Error: "", TraceID: "trace",
			CreatedAt: t0, StartedAt: t0.Add(time.Second), PID: 42, Hostname: "h1",
			HeartbeatAt: t0.Add(2 * time.Second).Add(789 * time.Nanosecond), WorkflowID: "hotpass-r1",
		}
		got := mustCreate(t, s, full)
		want := full
		want.HeartbeatAt = want.HeartbeatAt.Truncate(time.Microsecond)
		sameRun(t, got, want)
		sameRun(t, mustGet(t, s, "r1"), want)

		minimal := mustCreate(t, s, Run{ID: "r2", Pipeline: "p"})
		if minimal.Status != RunPending || minimal.CreatedAt.IsZero() || minimal.CreatedAt.Location() != time.UTC {
			t.Errorf("defaults: status %q, created %v; want pending and a UTC time", minimal.Status, minimal.CreatedAt)
		}
		sameRun(t, mustGet(t, s, "r2"), minimal)

		_, err := s.CreateRun(ctx, Run{ID: "r1", Pipeline: "p"})
		wantErr(t, err, ErrExists, "r1")
		_, err = s.GetRun(ctx, "nope")
		wantErr(t, err, ErrNotFound, "nope")
		_, err = s.UpdateRun(ctx, "nope", RunUpdate{Status: RunRunning})
		wantErr(t, err, ErrNotFound, "nope")

		for _, bad := range []Run{
			{Pipeline: "p"},
			{ID: "x"},
			{ID: "x", Pipeline: "p", Status: "paused"},
			{ID: "x", Pipeline: "p", Params: json.RawMessage(`{`)},
			{ID: "x", Pipeline: "p", PID: -1},
		} {
			if _, err := s.CreateRun(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("CreateRun(%+v) = %v, want ErrInvalid", bad, err)
			}
		}
	})
}

func TestRunTransitions(t *testing.T) {
	t.Parallel()
	all := []RunStatus{RunPending, RunRunning, RunSucceeded, RunFailed, RunCancelled, RunCrashed}
	allowed := map[[2]RunStatus]bool{}
	for _, p := range [][2]RunStatus{
		{RunPending, RunPending}, {RunPending, RunRunning}, {RunPending, RunFailed}, {RunPending, RunCancelled}, {RunPending, RunCrashed},
		{RunRunning, RunRunning}, {RunRunning, RunSucceeded}, {RunRunning, RunFailed}, {RunRunning, RunCancelled}, {RunRunning, RunCrashed},
		{RunFailed, RunPending}, {RunFailed, RunRunning},
		{RunCancelled, RunPending}, {RunCancelled, RunRunning},
		{RunCrashed, RunPending}, {RunCrashed, RunRunning},
	} {
		allowed[p] = true
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b)
		for _, from := range all {
			for _, to := range all {
				id := fmt.Sprintf("%s-to-%s", from, to)
				before := mustCreate(t, s, Run{ID: id, Pipeline: "p", Status: from, CreatedAt: t0,
					StartedAt: t0, EndedAt: t0.Add(time.Minute), Error: "old error"})
				got, err := s.UpdateRun(ctx, id, RunUpdate{Status: to, Error: "new error"})
				if !allowed[[2]RunStatus{from, to}] {
					if !errors.Is(err, ErrInvalidTransition) || !strings.Contains(err.Error(), id) {
						t.Errorf("%s: error = %v, want ErrInvalidTransition naming the run", id, err)
					}
					sameRun(t, mustGet(t, s, id), before)
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", id, err)
					continue
				}
				sameRun(t, mustGet(t, s, id), got)
				if got.Status != to || got.Error != "new error" {
					t.Errorf("%s: status %q error %q", id, got.Status, got.Error)
				}
				switch {
				case to == RunRunning && from != RunRunning:
					if !got.StartedAt.After(t0) || !got.EndedAt.IsZero() || got.HeartbeatAt.IsZero() {
						t.Errorf("%s: started %v ended %v heartbeat %v; want a new start, no end, a heartbeat", id, got.StartedAt, got.EndedAt, got.HeartbeatAt)
					}
				case to.Terminal():
					if !got.EndedAt.After(t0.Add(time.Minute)) || !got.StartedAt.Equal(t0) {
						t.Errorf("%s: started %v ended %v; want the old start and a new end", id, got.StartedAt, got.EndedAt)
					}
				}
			}
		}
	})
}

func TestUpdateRunFields(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b)
		mustCreate(t, s, Run{ID: "r", Pipeline: "p", PID: 1, Hostname: "a", TraceID: "t1"})
		start, end := t0, t0.Add(time.Hour)
		got, err := s.UpdateRun(ctx, "r", RunUpdate{Status: RunRunning, StartedAt: start, PID: 7, Hostname: "b", TraceID: "t2"})
		if err != nil {
			t.Fatal(err)
		}
		if got.PID != 7 || got.Hostname != "b" || got.TraceID != "t2" || !got.StartedAt.Equal(start) {
			t.Errorf("after start: %+v", got)
		}
		got, err = s.UpdateRun(ctx, "r", RunUpdate{Status: RunFailed, Error: "boom", EndedAt: end})
		if err != nil {
			t.Fatal(err)
		}
		if got.PID != 7 || got.TraceID != "t2" || !got.EndedAt.Equal(end) || got.Error != "boom" {
			t.Errorf("after failure: %+v", got)
		}
		sameRun(t, mustGet(t, s, "r"), got)
		if _, err := s.UpdateRun(ctx, "r", RunUpdate{Status: "bogus"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("unknown status: %v, want ErrInvalid", err)
		}
	})
}

func TestListRuns(t *testing.T) {
	t.Parallel()
	statuses := []RunStatus{RunSucceeded, RunFailed, RunRunning}
	deployments := []string{"", "nightly", "hourly"}
	var runs []Run
	for i := range 40 {
		runs = append(runs, Run{
			ID:       fmt.Sprintf("run-%02d", i),
			Pipeline: []string{"p1", "p2"}[i%2],
			// Pairs of runs share a creation time, so ids break ties.
			CreatedAt:  t0.Add(time.Duration(i/2) * time.Second),
			Status:     statuses[i%3],
			Deployment: deployments[(i/3)%3],
			ParentID:   []string{"", "bf-1", "bf-2"}[(i/5)%3],
			StartedBy:  []string{"", StartedCLI, StartedSchedule, StartedAPI}[(i/2)%4],
		})
	}
	newestFirst := func(keep func(Run) bool) []string {
		var ids []string
		for _, r := range slices.Backward(runs) {
			if keep(r) {
				ids = append(ids, r.ID)
			}
		}
		return ids
	}
	filters := []struct {
		name string
		f    RunFilter
		keep func(Run) bool
	}{
		{"all", RunFilter{}, func(Run) bool { return true }},
		{"status", RunFilter{Status: RunFailed}, func(r Run) bool { return r.Status == RunFailed }},
		{"deployment", RunFilter{Deployment: "nightly"}, func(r Run) bool { return r.Deployment == "nightly" }},
		{"pipeline", RunFilter{Pipeline: "p2"}, func(r Run) bool { return r.Pipeline == "p2" }},
		{"combined", RunFilter{Status: RunRunning, Pipeline: "p1", Deployment: "hourly"},
			func(r Run) bool { return r.Status == RunRunning && r.Pipeline == "p1" && r.Deployment == "hourly" }},
		{"none", RunFilter{Pipeline: "missing"}, func(Run) bool { return false }},
		{"parent", RunFilter{Parent: "bf-1"}, func(r Run) bool { return r.ParentID == "bf-1" }},
		{"parent and status", RunFilter{Parent: "bf-2", Status: RunFailed},
			func(r Run) bool { return r.ParentID == "bf-2" && r.Status == RunFailed }},
		{"started by", RunFilter{StartedBy: StartedSchedule}, func(r Run) bool { return r.StartedBy == StartedSchedule }},
		{"started by and pipeline", RunFilter{StartedBy: StartedCLI, Pipeline: "p1"},
			func(r Run) bool { return r.StartedBy == StartedCLI && r.Pipeline == "p1" }},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b)
		for _, i := range []int{3, 17, 0, 39, 8, 22, 31, 1, 12, 35} { // insertion order must not matter
			mustCreate(t, s, runs[i])
		}
		for i := range runs {
			if !slices.Contains([]int{3, 17, 0, 39, 8, 22, 31, 1, 12, 35}, i) {
				mustCreate(t, s, runs[i])
			}
		}
		ids := func(rs []Run) []string {
			var out []string
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		for _, tt := range filters {
			want := newestFirst(tt.keep)
			got, err := s.ListRuns(ctx, tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if !slices.Equal(ids(got), want) {
				t.Errorf("%s: got %v, want %v", tt.name, ids(got), want)
			}
			for _, r := range got {
				orig := runs[slices.IndexFunc(runs, func(x Run) bool { return x.ID == r.ID })]
				if r.ParentID != orig.ParentID || r.StartedBy != orig.StartedBy {
					t.Errorf("%s: run %s read back with parent %q, started by %q", tt.name, r.ID, r.ParentID, r.StartedBy)
				}
			}
			for _, limit := range []int{1, 4, 7} {
				var paged []string
				f := tt.f
				f.Limit = limit
				for page := 0; ; page++ {
					rs, err := s.ListRuns(ctx, f)
					if err != nil {
						t.Fatalf("%s page %d: %v", tt.name, page, err)
					}
					if len(rs) > limit || page > len(runs) {
						t.Fatalf("%s: page %d has %d runs, limit %d", tt.name, page, len(rs), limit)
					}
					paged = append(paged, ids(rs)...)
					if len(rs) < limit {
						break
					}
					f.Before = rs[len(rs)-1].Cursor()
				}
				if !slices.Equal(paged, want) {
					t.Errorf("%s in pages of %d: got %v, want %v", tt.name, limit, paged, want)
				}
			}
		}
	})
}

func TestPruneRuns(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b)
		cut := t0.Add(24 * time.Hour)
		old, recent := t0, cut.Add(time.Hour)
		for _, r := range []Run{
			{ID: "old-ok", Status: RunSucceeded, CreatedAt: old},
			{ID: "old-crashed", Status: RunCrashed, CreatedAt: old},
			{ID: "old-running", Status: RunRunning, CreatedAt: old},
			{ID: "old-pending", Status: RunPending, CreatedAt: old},
			{ID: "new-failed", Status: RunFailed, CreatedAt: recent},
		} {
			r.Pipeline = "p"
			mustCreate(t, s, r)
		}
		if err := s.RecordTasks(ctx, []TaskRun{
			{RunID: "old-ok", TaskID: "a", Status: "succeeded"},
			{RunID: "new-failed", TaskID: "a", Status: "failed"},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutDeployment(ctx, Deployment{Name: "d", SpecPath: "s.yaml"}); err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{old, old.Add(time.Hour), recent} {
			if _, err := s.ClaimFire(ctx, "d", at, "run"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.PutDeployment(ctx, Deployment{Name: "e", SpecPath: "s.yaml"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimFire(ctx, "e", old, "run"); err != nil {
			t.Fatal(err)
		}

		n, err := s.PruneRuns(ctx, cut)
		if err != nil || n != 2 {
			t.Fatalf("PruneRuns = %d, %v; want 2", n, err)
		}
		rest, err := s.ListRuns(ctx, RunFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		for _, r := range rest {
			left = append(left, r.ID)
		}
		sort.Strings(left)
		if want := []string{"new-failed", "old-pending", "old-running"}; !slices.Equal(left, want) {
			t.Errorf("left %v, want %v", left, want)
		}
		_, err = s.ListTasks(ctx, "old-ok")
		wantErr(t, err, ErrNotFound, "old-ok")
		if ts, err := s.ListTasks(ctx, "new-failed"); err != nil || len(ts) != 1 {
			t.Errorf("tasks of a kept run: %v, %v", ts, err)
		}
		// Old fire claims are gone, except each deployment's latest.
		for _, c := range []struct {
			dep       string
			at        time.Time
			claimable bool
		}{{"d", old, true}, {"d", old.Add(time.Hour), true}, {"d", recent, false}, {"e", old, false}} {
			got, err := s.ClaimFire(ctx, c.dep, c.at, "again")
			if err != nil || got != c.claimable {
				t.Errorf("ClaimFire(%s, %v) after prune = %v, %v; want %v", c.dep, c.at, got, err, c.claimable)
			}
		}
	})
}

func TestHeartbeat(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b)
		mustCreate(t, s, Run{ID: "r", Pipeline: "p", Status: RunRunning, HeartbeatAt: t0})
		mustCreate(t, s, Run{ID: "done", Pipeline: "p", Status: RunCrashed})
		if err := s.Heartbeat(ctx, "r"); err != nil {
			t.Fatal(err)
		}
		if hb := mustGet(t, s, "r").HeartbeatAt; !hb.After(t0) {
			t.Errorf("heartbeat %v not after %v", hb, t0)
		}
		wantErr(t, s.Heartbeat(ctx, "nope"), ErrNotFound, "nope")
		wantErr(t, s.Heartbeat(ctx, "done"), ErrInvalidTransition, "done", "crashed")
	})
}

// startSleeper starts a child process that lives until the test ends.
func startSleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sleep: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // already dead in some tests
		_ = cmd.Wait()
	})
	return cmd
}

func TestMarkCrashed(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("needs kill(pid, 0)")
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b)
		dead := startSleeper(t)
		if err := dead.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		_ = dead.Wait() // "signal: killed"
		live := startSleeper(t)
		now := time.Now()
		runs := []struct {
			run     Run
			crashed bool
		}{
			{Run{ID: "dead-pid", Hostname: host, PID: dead.Process.Pid, StartedAt: now.Add(-time.Minute), HeartbeatAt: now}, true},
			// On this host the pid decides, whatever the heartbeat says.
			{Run{ID: "live-pid", Hostname: host, PID: live.Process.Pid, StartedAt: now, HeartbeatAt: now.Add(-time.Hour)}, false},
			{Run{ID: "stale-remote", Hostname: "elsewhere", PID: 1, StartedAt: now.Add(-2 * time.Hour), HeartbeatAt: now.Add(-time.Hour)}, true},
			{Run{ID: "fresh-remote", Hostname: "elsewhere", PID: 1, StartedAt: now.Add(-2 * time.Hour), HeartbeatAt: now}, false},
			{Run{ID: "no-heartbeat-yet", StartedAt: now}, false},
		}
		if runtime.GOOS == "linux" {
			// The live pid belongs to a process younger than the run: reused.
			runs = append(runs, struct {
				run     Run
				crashed bool
			}{Run{ID: "reused-pid", Hostname: host, PID: live.Process.Pid, StartedAt: now.Add(-time.Hour), HeartbeatAt: now}, true})
		}
		var want []string
		for _, c := range runs {
			c.run.Pipeline, c.run.Status = "p", RunRunning
			mustCreate(t, s, c.run)
			if c.crashed {
				want = append(want, c.run.ID)
			}
		}
		mustCreate(t, s, Run{ID: "finished", Pipeline: "p", Status: RunSucceeded, Hostname: host, PID: dead.Process.Pid})

		got, err := s.MarkCrashed(ctx, 10*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
			sameRun(t, mustGet(t, s, r.ID), r)
		}
		sort.Strings(ids)
		sort.Strings(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("MarkCrashed marked %v, want %v", ids, want)
		}
		for _, c := range runs {
			r := mustGet(t, s, c.run.ID)
			switch {
			case c.crashed && (r.Status != RunCrashed || r.EndedAt.IsZero() || !strings.Contains(r.Error, c.run.Hostname)):
				t.Errorf("%s: status %s, ended %v, error %q; want crashed with an end time and an error naming the host", r.ID, r.Status, r.EndedAt, r.Error)
			case !c.crashed && r.Status != RunRunning:
				t.Errorf("%s: status %s, want running", r.ID, r.Status)
			}
		}
		if r := mustGet(t, s, "dead-pid"); !strings.Contains(r.Error, fmt.Sprint(dead.Process.Pid)) {
			t.Errorf("error %q does not name pid %d", r.Error, dead.Process.Pid)
		}
		if r := mustGet(t, s, "finished"); r.Status != RunSucceeded {
			t.Errorf("a finished run became %s", r.Status)
		}
		again, err := s.MarkCrashed(ctx, 10*time.Minute)
		if err != nil || len(again) != 0 {
			t.Errorf("second MarkCrashed = %v, %v; want nothing", again, err)
		}
		if _, err := s.MarkCrashed(ctx, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("MarkCrashed(0) = %v, want ErrInvalid", err)
		}
	})
}

func TestTasks(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b)
		mustCreate(t, s, Run{ID: "r", Pipeline: "p"})
		mustCreate(t, s, Run{ID: "empty", Pipeline: "p"})
		load := TaskRun{RunID: "r", TaskID: "load", Type: "read", Status: "running", Attempts: 1, StartedAt: t0}
		if err := s.RecordTask(ctx, load); err != nil {
			t.Fatal(err)
		}
		refine := TaskRun{RunID: "r", TaskID: "refine", Type: "refine", Status: "pending"}
		if err := s.RecordTask(ctx, refine); err != nil {
			t.Fatal(err)
		}
		load = TaskRun{RunID: "r", TaskID: "load", Type: "read", Status: "succeeded", Attempts: 2, StartedAt: t0,
			EndedAt: t0.Add(time.Second), Error: "", Output: "load/out.parquet", DefinitionHash: "h1",
			RowsIn: 10, RowsOut: 9, Attrs: json.RawMessage(`{"sheet": "Cleaned", "n": 2}`)}
		refineDone := refine
		refineDone.Status, refineDone.Error = "failed", "bad column"
		publish := TaskRun{RunID: "r", TaskID: "publish", Type: "write", Status: "skipped"}
		if err := s.RecordTasks(ctx, []TaskRun{load, refine, publish, refineDone}); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListTasks(ctx, "r")
		if err != nil {
			t.Fatal(err)
		}
		want := []TaskRun{load, refineDone, publish}
		if len(got) != len(want) {
			t.Fatalf("got %d tasks, want %d: %+v", len(got), len(want), got)
		}
		for i := range want {
			if !jsonEqual(got[i].Attrs, want[i].Attrs) {
				t.Errorf("task %s: attrs %s, want %s", want[i].TaskID, got[i].Attrs, want[i].Attrs)
			}
			got[i].Attrs, want[i].Attrs = nil, nil
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("task %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}

		if ts, err := s.ListTasks(ctx, "empty"); err != nil || len(ts) != 0 {
			t.Errorf("tasks of a run without tasks: %v, %v", ts, err)
		}
		_, err = s.ListTasks(ctx, "nope")
		wantErr(t, err, ErrNotFound, "nope")
		wantErr(t, s.RecordTask(ctx, TaskRun{RunID: "nope", TaskID: "x", Status: "running"}), ErrNotFound, "nope")
		// A batch is atomic: one bad entry records none of it.
		err = s.RecordTasks(ctx, []TaskRun{
			{RunID: "empty", TaskID: "first", Status: "running"},
			{RunID: "ghost", TaskID: "x", Status: "running"},
		})
		wantErr(t, err, ErrNotFound, "ghost")
		if ts, err := s.ListTasks(ctx, "empty"); err != nil || len(ts) != 0 {
			t.Errorf("a failed batch left %v, %v", ts, err)
		}
		for _, bad := range []TaskRun{
			{TaskID: "x", Status: "running"},
			{RunID: "r", Status: "running"},
			{RunID: "r", TaskID: "x"},
			{RunID: "r", TaskID: "x", Status: "running", Attrs: json.RawMessage(`[1,`)},
		} {
			if err := s.RecordTask(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("RecordTask(%+v) = %v, want ErrInvalid", bad, err)
			}
		}
		if err := s.RecordTasks(ctx, nil); err != nil {
			t.Errorf("empty batch: %v", err)
		}
	})
}

func TestDeployments(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b)
		d := Deployment{Name: "nightly", SpecPath: "specs/a.yaml", Schedule: "0 2 * * *", Timezone: "Africa/Johannesburg",
			Tags: []string{"prod", "crm"}, Params: json.RawMessage(`{"refresh": true}`), Catchup: 90 * time.Minute,
			Overlap: OverlapQueue, SpecHash: "h", Engine: EngineTemporal}
		put, err := s.PutDeployment(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if put.CreatedAt.IsZero() || !put.UpdatedAt.Equal(put.CreatedAt) {
			t.Errorf("new deployment: created %v updated %v", put.CreatedAt, put.UpdatedAt)
		}
		sameDeployment := func(got, want Deployment) {
			t.Helper()
			if !jsonEqual(got.Params, want.Params) {
				t.Errorf("params %s, want %s", got.Params, want.Params)
			}
			got.Params, want.Params = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("\n got %+v\nwant %+v", got, want)
			}
		}
		want := d
		want.CreatedAt, want.UpdatedAt = put.CreatedAt, put.UpdatedAt
		sameDeployment(put, want)
		got, err := s.GetDeployment(ctx, "nightly")
		if err != nil {
			t.Fatal(err)
		}
		sameDeployment(got, want)

		time.Sleep(2 * time.Millisecond) // so that the update time differs
		changed := Deployment{Name: "nightly", Profile: "aviation", Schedule: "@hourly"}
		put2, err := s.PutDeployment(ctx, changed)
		if err != nil {
			t.Fatal(err)
		}
		if !put2.CreatedAt.Equal(put.CreatedAt) || !put2.UpdatedAt.After(put.UpdatedAt) {
			t.Errorf("replaced: created %v (was %v), updated %v (was %v)", put2.CreatedAt, put.CreatedAt, put2.UpdatedAt, put.UpdatedAt)
		}
		want = changed
		want.Tags, want.Overlap, want.Engine = []string{}, OverlapSkip, EngineEmbedded
		want.CreatedAt, want.UpdatedAt = put2.CreatedAt, put2.UpdatedAt
		sameDeployment(put2, want)

		if _, err := s.PutDeployment(ctx, Deployment{Name: "adhoc", SpecPath: "b.yaml"}); err != nil {
			t.Fatal(err)
		}
		list, err := s.ListDeployments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "adhoc" || list[1].Name != "nightly" {
			t.Errorf("ListDeployments = %+v, want adhoc then nightly", list)
		}
		if err := s.SetPaused(ctx, "nightly", true); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetDeployment(ctx, "nightly"); !got.Paused {
			t.Error("SetPaused(true) did not pause")
		}
		if err := s.SetPaused(ctx, "nightly", false); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetDeployment(ctx, "nightly"); got.Paused {
			t.Error("SetPaused(false) did not resume")
		}
		wantErr(t, s.SetPaused(ctx, "nope", true), ErrNotFound, "nope")
		if err := s.DeleteDeployment(ctx, "nightly"); err != nil {
			t.Fatal(err)
		}
		_, err = s.GetDeployment(ctx, "nightly")
		wantErr(t, err, ErrNotFound, "nightly")
		wantErr(t, s.DeleteDeployment(ctx, "nightly"), ErrNotFound, "nightly")

		for _, bad := range []Deployment{
			{SpecPath: "a.yaml"},
			{Name: "x"},
			{Name: "x", SpecPath: "a.yaml", Profile: "aviation"},
			{Name: "x", SpecPath: "a.yaml", Overlap: "sometimes"},
			{Name: "x", SpecPath: "a.yaml", Engine: "kubernetes"},
			{Name: "x", SpecPath: "a.yaml", Catchup: -time.Second},
			{Name: "x", SpecPath: "a.yaml", Params: json.RawMessage(`nope`)},
		} {
			if _, err := s.PutDeployment(ctx, bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("PutDeployment(%+v) = %v, want ErrInvalid", bad, err)
			}
		}
	})
}

// TestClaimFire has two schedulers (two Store handles on one database),
// each with two goroutines, race for every fire time.
func TestClaimFire(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		target := b.target(t)
		handles := []Store{openAt(t, target), openAt(t, target)}
		s := handles[0]
		if _, err := s.PutDeployment(ctx, Deployment{Name: "d", SpecPath: "s.yaml"}); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.LastFire(ctx, "d"); ok || err != nil {
			t.Errorf("LastFire before any fire = %v, %v; want none", ok, err)
		}
		const fires, perHandle = 40, 2
		var wins [fires]atomic.Int32
		winner := make([]string, fires)
		var wg sync.WaitGroup
		errs := make(chan error, fires*perHandle*len(handles))
		for h, st := range handles {
			for g := range perHandle {
				wg.Go(func() {
					for i := range fires {
						runID := fmt.Sprintf("h%d-g%d-f%d", h, g, i)
						ok, err := st.ClaimFire(ctx, "d", t0.Add(time.Duration(i)*time.Minute), runID)
						if err != nil {
							errs <- err
							return
						}
						if ok {
							wins[i].Add(1)
							winner[i] = runID // only the single winner writes
						}
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i := range fires {
			if n := wins[i].Load(); n != 1 {
				t.Errorf("fire %d claimed %d times, want once", i, n)
			}
		}
		f, ok, err := handles[1].LastFire(ctx, "d")
		if err != nil || !ok {
			t.Fatalf("LastFire = %v, %v", ok, err)
		}
		if last := t0.Add((fires - 1) * time.Minute).Truncate(time.Microsecond); !f.ScheduledAt.Equal(last) || f.RunID != winner[fires-1] || f.Deployment != "d" || f.ClaimedAt.IsZero() {
			t.Errorf("LastFire = %+v, want the fire at %v claimed by %s", f, last, winner[fires-1])
		}

		_, err = s.ClaimFire(ctx, "nope", t0, "r")
		wantErr(t, err, ErrNotFound, "nope")
		_, _, err = s.LastFire(ctx, "nope")
		wantErr(t, err, ErrNotFound, "nope")
		if _, err := s.ClaimFire(ctx, "d", time.Time{}, "r"); !errors.Is(err, ErrInvalid) {
			t.Errorf("zero fire time: %v, want ErrInvalid", err)
		}
		// Deleting a deployment forgets its fires.
		if err := s.DeleteDeployment(ctx, "d"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutDeployment(ctx, Deployment{Name: "d", SpecPath: "s.yaml"}); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := s.LastFire(ctx, "d"); ok || err != nil {
			t.Errorf("LastFire after re-creating = %v, %v; want none", ok, err)
		}
	})
}

// TestSlotLeasesConcurrent has 8 goroutines on each of two handles take
// turns on a key with limit 3, counting holders as they go.
func TestSlotLeasesConcurrent(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		target := b.target(t)
		handles := []Store{openAt(t, target), openAt(t, target)}
		const limit, perHandle, rounds = 3, 8, 4
		var holding, most, acquired atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, perHandle*len(handles))
		for h, s := range handles {
			for g := range perHandle {
				wg.Go(func() {
					holder := fmt.Sprintf("h%d-g%d", h, g)
					for range rounds {
						var l Lease
						for {
							var ok bool
							var err error
							l, ok, err = s.AcquireSlot(ctx, "crm", limit, holder, time.Minute)
							if err != nil {
								errs <- err
								return
							}
							if ok {
								break
							}
							time.Sleep(time.Millisecond)
						}
						n := holding.Add(1)
						for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
						}
						acquired.Add(1)
						time.Sleep(2 * time.Millisecond)
						holding.Add(-1)
						if err := s.ReleaseLease(ctx, l); err != nil {
							errs <- err
							return
						}
					}
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if m := most.Load(); m > limit || m < 1 {
			t.Errorf("at most %d holders at once, want between 1 and %d", m, limit)
		}
		if n := acquired.Load(); n != perHandle*int32(len(handles))*rounds {
			t.Errorf("%d acquisitions, want %d", n, perHandle*len(handles)*rounds)
		}
		if ls, err := handles[0].ListLeases(ctx, "crm"); err != nil || len(ls) != 0 {
			t.Errorf("leases left after every release: %v, %v", ls, err)
		}
	})
}

func TestSlotLeases(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b)
		a, ok, err := s.AcquireSlot(ctx, "k", 2, "a", time.Minute)
		if err != nil || !ok || a.ID == "" || a.Key != "k" || a.Holder != "a" || !a.ExpiresAt.After(a.AcquiredAt) {
			t.Fatalf("first acquire = %+v, %v, %v", a, ok, err)
		}
		b2, ok, err := s.AcquireSlot(ctx, "k", 2, "a", time.Minute) // one holder, two slots
		if err != nil || !ok || b2.ID == a.ID {
			t.Fatalf("second acquire = %+v, %v, %v", b2, ok, err)
		}
		if _, ok, err := s.AcquireSlot(ctx, "k", 2, "c", time.Minute); ok || err != nil {
			t.Fatalf("third acquire at limit 2 = %v, %v; want refused", ok, err)
		}
		if _, ok, err := s.AcquireSlot(ctx, "other", 1, "c", time.Minute); !ok || err != nil {
			t.Fatalf("another key = %v, %v; want granted", ok, err)
		}
		ls, err := s.ListLeases(ctx, "k")
		if err != nil || len(ls) != 2 || ls[0].ID != a.ID || ls[1].ID != b2.ID {
			t.Fatalf("ListLeases = %+v, %v; want a then b", ls, err)
		}
		if !reflect.DeepEqual(ls[0], a) {
			t.Errorf("listed %+v, acquired %+v", ls[0], a)
		}
		renewed, err := s.RenewLease(ctx, a, time.Hour)
		if err != nil || !renewed.ExpiresAt.After(a.ExpiresAt) || renewed.ID != a.ID {
			t.Fatalf("RenewLease = %+v, %v", renewed, err)
		}
		if err := s.ReleaseLease(ctx, b2); err != nil {
			t.Fatal(err)
		}
		if err := s.ReleaseLease(ctx, b2); err != nil {
			t.Errorf("releasing twice: %v", err)
		}

		// A lease left by a killed process expires and its slot is
		// reclaimed; the old holder learns it lost the lease.
		short, ok, err := s.AcquireSlot(ctx, "x", 1, "killed", time.Millisecond)
		if err != nil || !ok {
			t.Fatalf("short lease = %v, %v", ok, err)
		}
		time.Sleep(20 * time.Millisecond)
		if ls, err := s.ListLeases(ctx, "x"); err != nil || len(ls) != 0 {
			t.Errorf("expired lease still listed: %+v, %v", ls, err)
		}
		next, ok, err := s.AcquireSlot(ctx, "x", 1, "next", time.Minute)
		if err != nil || !ok {
			t.Fatalf("acquire after expiry = %v, %v; want the slot reclaimed", ok, err)
		}
		_, err = s.RenewLease(ctx, short, time.Minute)
		wantErr(t, err, ErrLeaseLost, short.ID, "x", "killed")
		if ls, err := s.ListLeases(ctx, "x"); err != nil || len(ls) != 1 || ls[0].ID != next.ID {
			t.Errorf("ListLeases = %+v, %v; want only the new lease", ls, err)
		}

		for _, bad := range []struct {
			key, holder string
			limit       int
			ttl         time.Duration
		}{{"", "h", 1, time.Second}, {"k", "", 1, time.Second}, {"k", "h", 0, time.Second}, {"k", "h", 1, 0}} {
			if _, _, err := s.AcquireSlot(ctx, bad.key, bad.limit, bad.holder, bad.ttl); !errors.Is(err, ErrInvalid) {
				t.Errorf("AcquireSlot(%+v) = %v, want ErrInvalid", bad, err)
			}
		}
		if _, err := s.RenewLease(ctx, next, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("RenewLease(ttl 0) = %v, want ErrInvalid", err)
		}
	})
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		target := b.target(t)
		s, err := Open(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		raw, ok := s.(interface {
			execRaw(ctx context.Context, query string) error
		})
		if !ok {
			t.Fatalf("%T has no execRaw", s)
		}
		if err := raw.execRaw(ctx, b.futureVersionSQL); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		ms, err := loadMigrations(b.name)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Open(ctx, target)
		wantErr(t, err, ErrNewerSchema, "version 999", fmt.Sprintf("up to %d", latestVersion(ms)), "upgrade hotpass")
	})
}

// TestConcurrentOpen opens a new database from several goroutines at once:
// each migration must run exactly once and every open must succeed.
func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		target := b.target(t)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				s, err := Open(context.Background(), target)
				if err != nil {
					errs <- err
					return
				}
				errs <- s.Close()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		ms, err := loadMigrations(b.name)
		if err != nil {
			t.Fatal(err)
		}
		if n := b.migrationRows(t, target); n != len(ms) {
			t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
		}
	})
}
