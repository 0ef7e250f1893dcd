package builtin_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/redact"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks"
	_ "github.com/hotpass/hotpass/tasks/builtin"
)

func with(t *testing.T, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

func TestBuiltinTypesRegistered(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"exec", "noop"} {
		if typ, ok := tasks.Default().Lookup(name); !ok || typ.Name() != name {
			t.Errorf("type %q is not registered", name)
		}
	}
}

// An exec pipeline end to end: outputs in the task log, exit codes in the
// run record, retries of a noop, a failing command skipping its dependent,
// and a secret from the environment masked everywhere.
func TestExecPipeline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const secret = "tok-9f8e7d6c"
	spec := &specs.Spec{Path: filepath.Join(dir, "p.yaml"), Dir: dir, Name: "e2e", Version: 1}
	add := func(id, typ, w string, retries int, needs ...string) {
		task := &specs.Task{ID: id, Type: typ, With: with(t, w), Retries: retries, RetryDelay: time.Millisecond}
		for _, n := range needs {
			task.Needs = append(task.Needs, specs.Ref{ID: n})
		}
		spec.Tasks = append(spec.Tasks, task)
	}
	add("hello", "exec", `{command: "echo hello $TOKEN", env: {TOKEN: `+secret+`}}`, 0)
	add("flaky", "noop", `{fail_times: 1}`, 1, "hello")
	add("broken", "exec", `{argv: [sh, -c, "echo 'no such table' >&2; exit 4"]}`, 0)
	add("after_broken", "noop", `{}`, 0, "broken")
	plan, err := engine.Compile(spec, tasks.Default())
	if err != nil {
		t.Fatal(err)
	}
	red := &redact.Redactor{}
	red.Add(secret)
	state := filepath.Join(dir, ".hotpass")
	rec, err := plan.Run(context.Background(), engine.RunOptions{StateDir: state, Redactor: red})
	if !errors.Is(err, engine.ErrRunFailed) {
		t.Fatalf("err = %v", err)
	}
	want := map[string]engine.Status{"hello": "succeeded", "flaky": "succeeded", "broken": "failed", "after_broken": "skipped"}
	for id, st := range want {
		if got := rec.Task(id).Status; got != st {
			t.Errorf("%s: %s, want %s", id, got, st)
		}
	}
	if a := rec.Task("flaky").Attempts; a != 2 {
		t.Errorf("flaky attempts %d", a)
	}
	broken := rec.Task("broken")
	if broken.Error != "exit status 4; stderr: no such table" {
		t.Errorf("broken error %q", broken.Error)
	}
	onDisk, err := engine.ReadRunRecord(filepath.Join(state, "runs", rec.RunID, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if onDisk.Task("broken").Attrs["exit_code"] != float64(4) || onDisk.Task("hello").Attrs["exit_code"] != float64(0) {
		t.Errorf("exit codes %v %v", onDisk.Task("broken").Attrs, onDisk.Task("hello").Attrs)
	}
	log, err := os.ReadFile(filepath.Join(state, "runs", rec.RunID, rec.Task("hello").Log))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "hello ***\n") || strings.Contains(string(log), secret) {
		t.Errorf("hello log:\n%s", log)
	}
}
