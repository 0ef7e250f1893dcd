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
	"github.com/hotpass/hotpass/tasks"
)

// TestTriggeredParamsCannotInjectShell triggers a deployment whose exec
// command interpolates a param, with a param that tries to run a second
// command, and runs the queued run as the serve worker does: the shell
// must see the param as one word.
func TestTriggeredParamsCannotInjectShell(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "hotpass.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		t.Fatal(err)
	}
	specDir := filepath.Join(dir, "spec")
	if err := os.Mkdir(specDir, 0o755); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(specDir, "spec.yaml")
	src := "version: 1\nname: echo\nparams:\n  n: {type: string, default: a}\n" +
		"tasks:\n  say: {type: exec, with: {command: \"echo param={{ params.n }}\"}}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutDeployment(ctx, store.Deployment{Name: "echo", SpecPath: spec}); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, st, l)

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
	stateDir := filepath.Join(dir, "state")
	o := runner.QueuedOptions(ctx, runner.Options{Store: st, Loader: l, StateDir: stateDir}, q)
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

func newServer(t *testing.T, st store.Store, l *engine.Loader) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(server.New(server.Config{Store: st, Loader: l, Token: token}))
	t.Cleanup(srv.Close)
	return srv
}
