package webui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/scheduler"
	"github.com/hotpass/hotpass/internal/webui"
)

// directFixture is the UI fixture with a serve worker running what the UI
// queues, and a runner to make runs as `hotpass run` does.
type directFixture struct {
	*fixture
	run  *hotpass.Runner
	done chan string
}

func newDirectFixture(t *testing.T) *directFixture {
	t.Helper()
	var w *scheduler.Worker
	f := newFixture(t, "", func(c *webui.Config) { c.Queued = func(store.Run) { w.Wake() } })
	r, err := hotpass.New(hotpass.WithStore(f.st), hotpass.WithStateDir(f.state))
	if err != nil {
		t.Fatal(err)
	}
	d := &directFixture{fixture: f, run: r, done: make(chan string, 4)}
	w = &scheduler.Worker{Store: f.st, Runner: r, Poll: 20 * time.Millisecond,
		Finished: func(id string, _ *engine.RunRecord, _ error) { d.done <- id }}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { w.Run(ctx, context.Background()); close(stopped) }()
	t.Cleanup(func() { cancel(); <-stopped })
	return d
}

// queued posts an action that queues a run and waits for the worker to
// finish that run, which it returns.
func (d *directFixture) queued(t *testing.T, c *http.Client, path string, form url.Values) store.Run {
	t.Helper()
	r := d.post(t, c, path, form)
	if r.code != http.StatusSeeOther {
		t.Fatalf("POST %s: %d %s", path, r.code, r.body)
	}
	id := strings.TrimPrefix(strings.Split(r.hdr.Get("Location"), "?")[0], "/runs/")
	// The fixture's own pending run may finish first.
	for got := ""; got != id; {
		select {
		case got = <-d.done:
		case <-time.After(60 * time.Second):
			t.Fatalf("the worker did not run %s", id)
		}
	}
	run, err := d.st.GetRun(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// specHashRE finds the spec hash a confirmation page's form carries.
var specHashRE = regexp.MustCompile(`name="spec_hash" value="([0-9a-f]+)"`)

const directSpec = `version: 1
name: direct
params:
  owner: {type: string, required: true}
tasks:
  first: {type: exec, with: {command: "echo first"}}
  second: {type: exec, needs: [first], with: {command: "test -f MARKER"}}
`

// A run started by `hotpass run` is resumed and re-run from its page: the
// serve worker runs its spec file again with the params it recorded,
// reusing what succeeded on resume; once the file changed, the page says so
// and both ask before running it.
func TestRerunDirectRun(t *testing.T) {
	t.Parallel()
	d := newDirectFixture(t)
	ctx := context.Background()
	dir := t.TempDir()
	marker := filepath.Join(dir, "fixed")
	spec := filepath.Join(dir, "direct.yaml")
	must(t, os.WriteFile(spec, []byte(strings.ReplaceAll(directSpec, "MARKER", marker)), 0o644))
	res, err := d.run.Run(ctx, hotpass.File(spec), hotpass.Params(map[string]any{"owner": "ops"}))
	if err == nil {
		t.Fatal("the direct run succeeded before the marker existed")
	}
	failed := res.Record.RunID
	c := d.client(t)
	page := d.get(t, c, "/runs/"+failed)
	contains(t, "failed direct run", page.body, `action="/runs/`+failed+`/resume"`, `action="/runs/`+failed+`/rerun"`)
	if strings.Contains(page.body, `id="spec-changed"`) {
		t.Error("the page says the unchanged spec changed")
	}
	csrf := d.csrf(t, c, "/runs/"+failed)
	must(t, os.WriteFile(marker, nil, 0o644))

	resumed := d.queued(t, c, "/runs/"+failed+"/resume", url.Values{"csrf": {csrf}})
	if resumed.Status != store.RunSucceeded || resumed.ResumeFrom != failed || resumed.Deployment != "" || resumed.SpecPath != spec ||
		resumed.StartedBy != store.StartedUI || string(resumed.Params) != `{"owner":"ops"}` {
		t.Errorf("resumed run: %+v; want succeeded, resuming %s, of %s, owner ops, started by ui", resumed, failed, spec)
	}
	trs, err := d.st.ListTasks(ctx, resumed.ID)
	must(t, err)
	for _, tr := range trs {
		if reused := tr.Attempts == 0; reused != (tr.TaskID == "first") {
			t.Errorf("resumed task %s: %d attempts; want first reused and second run", tr.TaskID, tr.Attempts)
		}
	}

	rerun := d.queued(t, c, "/runs/"+failed+"/rerun", url.Values{"csrf": {csrf}})
	if rerun.Status != store.RunSucceeded || rerun.ResumeFrom != "" || string(rerun.Params) != `{"owner":"ops"}` {
		t.Errorf("re-run: %+v; want succeeded with owner ops", rerun)
	}

	// The file changes: the page warns, and re-running asks first.
	must(t, os.WriteFile(spec, []byte(strings.ReplaceAll(directSpec, "MARKER", marker)+"# edited\n"), 0o644))
	page = d.get(t, c, "/runs/"+failed)
	contains(t, "changed spec", page.body, `id="spec-changed"`)
	before := d.runCount(t)
	r := d.post(t, c, "/runs/"+failed+"/rerun", url.Values{"csrf": {csrf}})
	if r.code != http.StatusConflict || !strings.Contains(r.body, "has changed since this run") {
		t.Fatalf("rerun with a changed spec: %d, want 409 asking to confirm\n%s", r.code, r.body)
	}
	if n := d.runCount(t); n != before {
		t.Errorf("asking to confirm queued a run: %d runs, want %d", n, before)
	}
	m := specHashRE.FindStringSubmatch(r.body)
	if m == nil || m[1] == resumed.SpecHash {
		t.Fatalf("the confirmation carries no new spec hash: %v", m)
	}
	// A confirmation given for another version of the file asks again.
	if r := d.post(t, c, "/runs/"+failed+"/rerun", url.Values{"csrf": {csrf}, "spec_hash": {resumed.SpecHash}}); r.code != http.StatusConflict {
		t.Errorf("rerun confirmed for the old spec: %d, want 409", r.code)
	}
	confirmed := d.queued(t, c, "/runs/"+failed+"/rerun", url.Values{"csrf": {csrf}, "spec_hash": {m[1]}})
	if confirmed.Status != store.RunSucceeded || confirmed.SpecHash != m[1] {
		t.Errorf("confirmed re-run: %+v; want succeeded with spec hash %s", confirmed, m[1])
	}
}

// A run whose params were recorded masked (a param held a secret) is not
// replayed with the mask: both buttons are refused, saying which param.
func TestRerunRefusesMaskedParams(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	params, _ := json.Marshal(map[string]any{"owner": "ops", "dsn": "postgres://app:***@db/crm"})
	for _, run := range []store.Run{
		{ID: "20260302T060000Z-masked", Pipeline: "customers", SpecPath: f.spec, Status: store.RunFailed, Params: params},
		{ID: "20260302T070000Z-masked", Pipeline: "customers", SpecPath: f.spec, Deployment: "nightly", Status: store.RunFailed, Params: params},
	} {
		f.addRun(t, run, map[string]string{"extract": "failed"})
		c := f.client(t)
		page := f.get(t, c, "/runs/"+run.ID)
		contains(t, run.ID, page.body, `held a secret and was recorded masked`)
		if strings.Contains(page.body, `action="/runs/`+run.ID+`/rerun"`) {
			t.Errorf("%s: the page offers Re-run", run.ID)
		}
		csrf := f.csrf(t, c, "/runs/"+f.failedID) // this page has no form left
		before := f.runCount(t)
		for _, action := range []string{"rerun", "resume"} {
			r := f.post(t, c, "/runs/"+run.ID+"/"+action, url.Values{"csrf": {csrf}})
			if r.code != http.StatusConflict || !strings.Contains(r.body, `Its param &#34;dsn&#34; held a secret`) {
				t.Errorf("%s %s: %d, want 409 naming the masked param\n%s", action, run.ID, r.code, r.body)
			}
		}
		if n := f.runCount(t); n != before {
			t.Errorf("%s: a refused action queued a run", run.ID)
		}
	}
}
