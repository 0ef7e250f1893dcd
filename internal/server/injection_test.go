package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/server"
	"github.com/hotpass/hotpass/internal/storetest"
	"github.com/hotpass/hotpass/tasks"
)

// TestTriggeredParamsCannotInjectShell triggers a deployment whose exec
// command interpolates a param, with a param that tries to run a second
// command, and runs the queued run as the serve worker does: the shell
// must see the param as one word.
func TestTriggeredParamsCannotInjectShell(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := "version: 1\nname: echo\nparams:\n  n: {type: string, default: a}\n" +
		"tasks:\n  say: {type: exec, with: {command: \"echo param={{ params.n }}\"}}\n"
	srv, st, l, spec := deployed(t, "echo", src)
	specDir := filepath.Dir(spec)

	code, body := call(t, srv, "POST", "/api/deployments/echo/runs", "Bearer "+token, `{"params": {"n": "x; id > f"}}`)
	if code != http.StatusAccepted {
		t.Fatalf("trigger: %d %s", code, body)
	}
	var queued server.RunJSON
	if err := json.Unmarshal([]byte(body), &queued); err != nil {
		t.Fatal(err)
	}
	q, err := st.GetRun(ctx, queued.ID)
	if err != nil {
		t.Fatal(err)
	}
	stateDir := filepath.Join(t.TempDir(), "state")
	o := runner.QueuedOptions(ctx, runner.Options{Store: st, Loader: l, StateDir: stateDir}, st, q)
	if _, err := runner.Run(ctx, o); err != nil {
		t.Fatalf("run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(specDir, "f")); !os.IsNotExist(err) {
		t.Errorf("the param ran a second command: file f exists (%v)", err)
	}
	log, err := os.ReadFile(filepath.Join(runner.RunDir(stateDir, q.ID), "logs", "say.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "param=x; id > f\n") {
		t.Errorf("task log does not hold the literal param:\n%s", log)
	}
}

// deployed serves the API over a fresh store holding one deployment, name,
// of the spec src, written alone in its directory. It returns the server,
// the store, the loader and the spec's path.
func deployed(t *testing.T, name, src string) (*httptest.Server, store.Store, *engine.Loader, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st := storetest.OpenAt(t, filepath.Join(dir, "hotpass.db"))
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		t.Fatal(err)
	}
	specDir := filepath.Join(dir, "spec")
	if err := os.Mkdir(specDir, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(specDir, "spec.yaml")
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutDeployment(ctx, store.Deployment{Name: name, SpecPath: spec}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{Store: st, Loader: l, Token: token}))
	t.Cleanup(srv.Close)
	return srv, st, l, spec
}

// TestTriggerChecksParamConstraints triggers a deployment with values its
// params' constraints refuse: each gets 422 naming the field, and no run
// is queued.
func TestTriggerChecksParamConstraints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := "version: 1\nname: c\nparams:\n  region: {type: string, enum: [za, us], default: za}\n" +
		"  code: {type: string, pattern: '[a-z]+', max_length: 4, default: ab}\n  n: {type: integer, min: 1, max: 9, default: 1}\n" +
		"tasks:\n  say: {type: exec, with: {command: \"echo {{ params.region }} {{ params.code }} {{ params.n }}\"}}\n"
	srv, st, _, _ := deployed(t, "c", src)
	tests := []struct{ body, field, msg string }{
		{`{"params": {"region": "x; id > f"}}`, "params.region", `must be one of \"za\", \"us\"`},
		{`{"params": {"code": "ab1"}}`, "params.code", "must match the pattern"},
		{`{"params": {"code": "abcde"}}`, "params.code", "at most 4 characters"},
		{`{"params": {"n": 10}}`, "params.n", "must be at most 9"},
		{`{"params": {"n": 0}}`, "params.n", "must be at least 1"},
		{`{"params": {"regoin": "za"}}`, "params.regoin", `did you mean \"region\"`},
		{`{"params": {"n": "many"}}`, "params.n", "must be an integer"},
	}
	for _, tc := range tests {
		code, body := call(t, srv, "POST", "/api/deployments/c/runs", "Bearer "+token, tc.body)
		var got struct{ Error, Field string }
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("%s: body %q: %v", tc.body, body, err)
		}
		if code != http.StatusUnprocessableEntity || got.Field != tc.field || !strings.Contains(body, tc.msg) {
			t.Errorf("%s: %d %s, want 422 with field %s and %q", tc.body, code, body, tc.field, tc.msg)
		}
	}
	if runs, _ := st.ListRuns(ctx, store.RunFilter{}); len(runs) != 0 {
		t.Errorf("refused triggers queued %d runs", len(runs))
	}
	if code, body := call(t, srv, "POST", "/api/deployments/c/runs", "Bearer "+token, `{"params": {"region": "us", "n": 9}}`); code != http.StatusAccepted {
		t.Errorf("values within the constraints: %d %s", code, body)
	}
}
