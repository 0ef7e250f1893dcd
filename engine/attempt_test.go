package engine_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
)

func TestRunAttempt(t *testing.T) {
	t.Parallel()
	fn := newFnType().
		on("ok", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
			in, _ := env.Input("up")
			return &engine.Result{Output: in, RowsOut: 3}, nil
		}).
		on("chatty", func(_ context.Context, env *engine.Env) (*engine.Result, error) {
			env.Log.Info("hello", "attempt", env.Attempt)
			return nil, nil
		}).
		on("slow", func(ctx context.Context, _ *engine.Env) (*engine.Result, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}).
		on("panics", func(context.Context, *engine.Env) (*engine.Result, error) { panic("boom") })
	plan := compile(t, mkSpec(tdef{id: "up"}, tdef{id: "ok", needs: []string{"up"}}, tdef{id: "chatty"},
		tdef{id: "slow", timeout: 20 * time.Millisecond}, tdef{id: "panics"}), fn)
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/logs", 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(id string, attempt int, inputs map[string]*engine.Result) (engine.AttemptResult, error) {
		return plan.RunAttempt(context.Background(), engine.Attempt{RunID: "r", RunDir: dir, TaskID: id, Attempt: attempt, Inputs: inputs})
	}

	res, err := run("ok", 1, map[string]*engine.Result{"up": {Output: "table"}})
	if err != nil || res.Result == nil || res.Result.Output != "table" || res.Result.RowsOut != 3 || res.Log != "" {
		t.Errorf("ok: %+v, %v; want the upstream output handed through, no log", res, err)
	}

	res, err = run("chatty", 2, nil)
	if err != nil || res.Log == "" {
		t.Fatalf("chatty: %+v, %v; want a log", res, err)
	}
	if data, _ := os.ReadFile(engine.TaskLogPath(dir, "chatty")); !strings.Contains(string(data), "hello") || !strings.Contains(string(data), "attempt=2") {
		t.Errorf("chatty's log lacks its line or attempt:\n%s", data)
	}

	_, err = run("slow", 1, nil)
	var te *engine.TimeoutError
	if !errors.As(err, &te) {
		t.Errorf("slow: %v, want a timeout", err)
	}

	res, err = run("panics", 1, nil)
	if err == nil || !strings.Contains(err.Error(), "boom") || res.Log == "" {
		t.Errorf("panics: %+v, %v; want the panic as an error, logged", res, err)
	}

	if _, err := run("nope", 1, nil); !errors.Is(err, engine.ErrUnknownTask) {
		t.Errorf("unknown task: %v, want ErrUnknownTask", err)
	}
}
