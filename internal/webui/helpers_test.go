package webui_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/storetest"
	"github.com/hotpass/hotpass/internal/webui"
	"github.com/hotpass/hotpass/tasks"
	_ "github.com/hotpass/hotpass/tasks/builtin"
)

const testToken = "0123456789abcdef0123456789abcdef"

// hostile is an id, param value and log line that would run script if it
// reached a page unescaped.
const hostile = `<script>alert("x")</script>`

// fixture is a store with deployments and runs, a state directory with a
// run's logs, and the UI serving them.
type fixture struct {
	st       store.Store
	srv      *httptest.Server
	state    string
	spec     string
	mu       sync.Mutex
	cancels  []string
	t0       time.Time
	failedID string
}

const fixtureSpec = `version: 1
name: customers
params:
  region: {type: string, default: za, enum: [za, us]}
  limit: {type: integer, default: 10}
  owner: {type: string, required: true}
tasks:
  extract: {type: noop}
  clean: {type: noop, needs: [extract]}
  enrich: {type: noop, needs: [extract]}
  dedupe: {type: noop, needs: [clean, enrich]}
  publish: {type: noop, needs: [dedupe]}
`

func newFixture(t *testing.T, token string, opts ...func(*webui.Config)) *fixture {
	t.Helper()
	dir := t.TempDir()
	st := storetest.OpenAt(t, filepath.Join(dir, "hotpass.db"))
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, state: filepath.Join(dir, "state"), spec: filepath.Join(dir, "pipe.yaml"),
		t0: time.Date(2026, 3, 1, 6, 30, 0, 0, time.UTC), failedID: "20260301T063000Z-failed"}
	if err := os.WriteFile(f.spec, []byte(fixtureSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, putDeployment(st, store.Deployment{Name: "nightly", SpecPath: f.spec, Schedule: "30 6 * * *",
		Timezone: "Africa/Johannesburg", Tags: []string{"crm"}, Params: json.RawMessage(`{"owner":"ops"}`)}))
	must(t, putDeployment(st, store.Deployment{Name: "adhoc", SpecPath: f.spec}))
	// A failed deployment run with a log, a succeeded direct run, one with
	// hostile ids, one pending and one running.
	f.addRun(t, store.Run{ID: f.failedID, Pipeline: "customers", SpecPath: f.spec, Deployment: "nightly",
		Status: store.RunFailed, Error: "1 task failed: dedupe", Params: json.RawMessage(`{"owner":"ops","limit":7}`), TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"},
		map[string]string{"extract": "succeeded", "clean": "succeeded", "enrich": "succeeded", "dedupe": "failed", "publish": "skipped"})
	logDir := filepath.Join(runner.RunDir(f.state, f.failedID), "logs")
	must(t, os.MkdirAll(logDir, 0o755))
	must(t, os.WriteFile(engine.TaskLogPath(runner.RunDir(f.state, f.failedID), "dedupe"),
		[]byte("starting dedupe\n"+hostile+"\nduplicate key: 42\n"), 0o644))
	f.addRun(t, store.Run{ID: "20260301T070000Z-direct", Pipeline: "customers", SpecPath: f.spec, Status: store.RunSucceeded,
		CreatedAt: f.t0.Add(30 * time.Minute)}, map[string]string{"extract": "succeeded"})
	f.addRun(t, store.Run{ID: "evil" + hostile, Pipeline: "p" + hostile, Status: store.RunFailed, Error: hostile,
		Params: json.RawMessage(`{"x":` + jsonString(hostile) + `}`), CreatedAt: f.t0.Add(time.Hour)},
		map[string]string{hostile: "failed"})
	f.addRun(t, store.Run{ID: "20260301T090000Z-pending", Pipeline: "customers", SpecPath: f.spec, Deployment: "nightly",
		Status: store.RunPending, CreatedAt: f.t0.Add(2 * time.Hour)}, nil)
	f.addRun(t, store.Run{ID: "20260301T100000Z-running", Pipeline: "customers", SpecPath: f.spec, Deployment: "nightly",
		Status: store.RunRunning, CreatedAt: f.t0.Add(3 * time.Hour)}, map[string]string{"extract": "running"})
	cfg := webui.Config{
		Runs: st, Deployments: st, Loader: l, StateDir: f.state, Token: token,
		TraceURL: "http://tempo.example/trace/{trace_id}", Poll: 10 * time.Millisecond,
		Enqueue: func(ctx context.Context, q runner.QueueRequest) (store.Run, error) {
			return runner.Enqueue(ctx, st, l, q)
		},
		Cancel: func(id string) bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.cancels = append(f.cancels, id)
			return id == "20260301T100000Z-running"
		},
	}
	for _, o := range opts {
		o(&cfg)
	}
	f.srv = httptest.NewServer(webui.New(cfg))
	t.Cleanup(f.srv.Close)
	return f
}

func putDeployment(st store.Store, d store.Deployment) error {
	_, err := st.PutDeployment(context.Background(), d)
	return err
}

// addRun stores a run and its tasks, in the order given by the spec when
// they are the spec's tasks.
func (f *fixture) addRun(t *testing.T, r store.Run, taskStatus map[string]string) {
	t.Helper()
	ctx := context.Background()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = f.t0
	}
	if r.Status != store.RunPending {
		r.StartedAt = r.CreatedAt.Add(time.Second)
	}
	if r.Status.Terminal() {
		r.EndedAt = r.StartedAt.Add(40 * time.Second)
	}
	if _, err := f.st.CreateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	i := 0
	for _, id := range []string{"extract", "clean", "enrich", "dedupe", "publish", hostile} {
		s, ok := taskStatus[id]
		if !ok {
			continue
		}
		tr := store.TaskRun{RunID: r.ID, TaskID: id, Type: "noop", Status: engine.Status(s), Attempts: 1, RowsIn: 1200, RowsOut: 1100}
		if s != "skipped" && s != "pending" {
			tr.StartedAt = r.StartedAt.Add(time.Duration(i) * 5 * time.Second)
			if s != "running" {
				tr.EndedAt = tr.StartedAt.Add(4 * time.Second)
			}
		}
		if s == "failed" {
			tr.Error = "duplicate key: 42"
		}
		must(t, f.st.RecordTask(ctx, tr))
		i++
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// client is a browser: it keeps cookies and does not follow redirects, so
// tests see them.
func (f *fixture) client(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type response struct {
	code int
	body string
	hdr  http.Header
}

func (f *fixture) get(t *testing.T, c *http.Client, path string) response {
	t.Helper()
	resp, err := c.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func (f *fixture) post(t *testing.T, c *http.Client, path string, form url.Values) response {
	t.Helper()
	resp, err := c.PostForm(f.srv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	return read(t, resp)
}

func read(t *testing.T, resp *http.Response) response {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{code: resp.StatusCode, body: string(b), hdr: resp.Header}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf opens path and returns the form token it carries.
func (f *fixture) csrf(t *testing.T, c *http.Client, path string) string {
	t.Helper()
	r := f.get(t, c, path)
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("GET %s: %d, no csrf token in the page:\n%s", path, r.code, r.body)
	}
	return m[1]
}

// login signs c in with the token.
func (f *fixture) login(t *testing.T, c *http.Client) {
	t.Helper()
	r := f.post(t, c, "/login", url.Values{"token": {testToken}, "next": {"/"}})
	if r.code != http.StatusSeeOther {
		t.Fatalf("login: %d %s", r.code, r.body)
	}
}

func (f *fixture) deployment(t *testing.T, name string) store.Deployment {
	t.Helper()
	d, err := f.st.GetDeployment(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) runCount(t *testing.T) int {
	t.Helper()
	rs, err := f.st.ListRuns(context.Background(), store.RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(rs)
}

func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}
