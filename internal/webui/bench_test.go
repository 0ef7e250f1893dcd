package webui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/webui"
	"github.com/hotpass/hotpass/tasks"
)

// benchRuns is the size of the history the runs page is measured over.
const benchRuns = 100_000

var (
	benchOnce  sync.Once
	benchStore store.Store
	benchErr   error
)

// historyStore returns a SQLite store holding benchRuns runs over 20
// deployments (a quarter started directly), 10 pipelines, mostly
// succeeded; it is built once per process and shared by the benchmarks.
func historyStore(b *testing.B) store.Store {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hotpass-webui-bench-")
		if err != nil {
			benchErr = err
			return
		}
		ctx := context.Background()
		st, err := store.OpenSQLite(ctx, filepath.Join(dir, "hotpass.db"), store.SQLiteOptions{})
		if err != nil {
			benchErr = err
			return
		}
		for d := range 20 {
			tags := []string{"team-" + fmt.Sprint(d%3)}
			if _, err := st.PutDeployment(ctx, store.Deployment{Name: fmt.Sprintf("dep-%02d", d), SpecPath: "p.yaml", Tags: tags}); err != nil {
				benchErr = err
				return
			}
		}
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range benchRuns {
			status := store.RunSucceeded
			switch {
			case i%50 == 0:
				status = store.RunRunning
			case i%10 == 0:
				status = store.RunFailed
			}
			dep := ""
			if i%4 != 0 {
				dep = fmt.Sprintf("dep-%02d", i%20)
			}
			created := t0.Add(time.Duration(i) * 30 * time.Second)
			if _, err := st.CreateRun(ctx, store.Run{ID: fmt.Sprintf("run-%06d", i), Pipeline: fmt.Sprintf("pipe-%d", i%10),
				Deployment: dep, Status: status, CreatedAt: created, StartedAt: created, EndedAt: created.Add(time.Minute)}); err != nil {
				benchErr = err
				return
			}
		}
		benchStore = st
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

// serve runs one request through the handler and checks its status.
func serve(b *testing.B, h http.Handler, cookie *http.Cookie, path string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
}

// session opens a session on h and returns its cookie.
func session(b *testing.B, h http.Handler) *http.Cookie {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/no-page", nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == "hotpass_session" {
			return c
		}
	}
	b.Fatal("no session cookie")
	return nil
}

// BenchmarkRunsPage is the server time of one page of the runs list over
// 100,000 runs, for each filter. The budget is 50 ms for any of them.
func BenchmarkRunsPage(b *testing.B) {
	st := historyStore(b)
	ui := webui.New(webui.Config{Runs: st, Deployments: st})
	ck := session(b, ui)
	for _, q := range []struct{ name, query string }{
		{"newest", ""},
		{"page-in-the-middle", "?before=" + fmt.Sprint(time.Date(2026, 1, 18, 0, 0, 0, 0, time.UTC).UnixMicro()) + "_run-050000"},
		{"status=failed", "?status=failed"},
		{"status=running", "?status=running"},
		{"deployment", "?deployment=dep-07"},
		{"pipeline", "?pipeline=pipe-3"},
		{"tag", "?tag=team-1"},
		{"trigger=cli", "?trigger=cli"},
		{"date-range", "?from=2026-01-10&to=2026-01-12"},
		{"tag+status+trigger", "?tag=team-2&status=failed&trigger=deployment"},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				serve(b, ui, ck, "/"+q.query)
			}
		})
	}
}

// BenchmarkRunDetail is the server time of a run's page, DAG layout and
// SVG included, for a run of 1,000 tasks (budget 200 ms) and of 10,000
// (drawn collapsed; budget 1 s). The spec is a chain of fan-outs: each
// task needs one or two of the tasks declared before it.
func BenchmarkRunDetail(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			ctx := context.Background()
			dir := b.TempDir()
			st, err := store.OpenSQLite(ctx, filepath.Join(dir, "hotpass.db"), store.SQLiteOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			var spec strings.Builder
			spec.WriteString("version: 1\nname: wide\ntasks:\n")
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			trs := make([]store.TaskRun, n)
			for i := range n {
				id := fmt.Sprintf("t%05d", i)
				switch {
				case i == 0:
					fmt.Fprintf(&spec, "  %s: {type: noop}\n", id)
				case i%7 == 0 && i > 10:
					fmt.Fprintf(&spec, "  %s: {type: noop, needs: [t%05d, t%05d]}\n", id, (i-1)/2, i-7)
				default:
					fmt.Fprintf(&spec, "  %s: {type: noop, needs: [t%05d]}\n", id, (i-1)/3)
				}
				status := "succeeded"
				if i%97 == 0 && i > 0 {
					status = "failed"
				}
				start := t0.Add(time.Duration(i) * time.Second)
				trs[i] = store.TaskRun{RunID: "big", TaskID: id, Type: "noop", Status: engine.Status(status), Attempts: 1,
					StartedAt: start, EndedAt: start.Add(3 * time.Second), RowsIn: 100, RowsOut: 90}
			}
			path := filepath.Join(dir, "wide.yaml")
			if err := os.WriteFile(path, []byte(spec.String()), 0o644); err != nil {
				b.Fatal(err)
			}
			if _, err := st.CreateRun(ctx, store.Run{ID: "big", Pipeline: "wide", SpecPath: path, Status: store.RunFailed,
				CreatedAt: t0, StartedAt: t0, EndedAt: t0.Add(time.Hour)}); err != nil {
				b.Fatal(err)
			}
			if err := st.RecordTasks(ctx, trs); err != nil {
				b.Fatal(err)
			}
			l, err := engine.NewLoader(tasks.Default())
			if err != nil {
				b.Fatal(err)
			}
			ui := webui.New(webui.Config{Runs: st, Deployments: st, Loader: l, StateDir: dir})
			ck := session(b, ui)
			for b.Loop() {
				serve(b, ui, ck, "/runs/big")
			}
		})
	}
}
