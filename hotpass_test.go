package hotpass_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/storetest"
	"github.com/hotpass/hotpass/specs"
	_ "github.com/hotpass/hotpass/tasks/builtin"
)

// newRunner returns a Runner keeping runs under a temporary directory,
// recorded in a SQLite store there, which it returns too.
func newRunner(t *testing.T, opts ...hotpass.Option) (*hotpass.Runner, store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	st := storetest.OpenAt(t, filepath.Join(dir, "hotpass.db"))
	r, err := hotpass.New(append([]hotpass.Option{hotpass.WithStore(st), hotpass.WithStateDir(filepath.Join(dir, "state"))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r, st, dir
}

func writeFile(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const peopleSpec = `version: 1
name: people
tasks:
  load: {type: read, with: {path: people.csv}}
`

// Each kind of Source runs, or fails, as its kind says: a file and bytes
// read people.csv relative to their directory and are recorded under
// their label; a broken spec in bytes is reported at its name's positions;
// an unknown profile is ErrNoProfile.
func TestSourceKinds(t *testing.T) {
	t.Parallel()
	r, st, dir := newRunner(t)
	writeFile(t, filepath.Join(dir, "people.csv"), "name,age\nada,36\nalan,41\n")
	file := writeFile(t, filepath.Join(dir, "people.yaml"), peopleSpec)
	tests := []struct {
		name      string
		src       hotpass.Source
		label     string
		wantRows  int
		wantErr   error
		wantInErr string
	}{
		{"file", hotpass.File(file), file, 2, nil, ""},
		{"bytes", hotpass.Bytes("inline.yaml", []byte(peopleSpec), dir), "inline.yaml", 2, nil, ""},
		{"bytes broken", hotpass.Bytes("inline.yaml", []byte("version: 1\nname: x\ntasks:\n  a: {type: read, with: {pth: x}}\n"), dir),
			"", 0, specs.ErrInvalid, "inline.yaml:4:"},
		{"bytes without name", hotpass.Bytes("", []byte(peopleSpec), dir), "", 0, nil, "Bytes needs a name"},
		{"unknown profile", hotpass.Profile("no-such-profile"), "", 0, hotpass.ErrNoProfile, "no-such-profile"},
		{"zero source", hotpass.Source{}, "", 0, nil, "empty Source"},
	}
	for _, tt := range tests {
		res, err := r.Run(context.Background(), tt.src)
		if tt.label == "" {
			if res != nil || err == nil {
				t.Errorf("%s: run started (%v), want an error", tt.name, err)
				continue
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.wantInErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		tab, err := res.Table("load")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tab.NumRows() != tt.wantRows {
			t.Errorf("%s: %d rows, want %d", tt.name, tab.NumRows(), tt.wantRows)
		}
		run, err := st.GetRun(context.Background(), res.Record.RunID)
		if err != nil || run.SpecPath != tt.label || run.Status != store.RunSucceeded {
			t.Errorf("%s: stored run %+v (%v), want spec %q succeeded", tt.name, run, err, tt.label)
		}
	}
}

// A profile source loads the built-in pipeline from the binary, named
// after the profile, its relative paths meaning the current directory.
func TestProfileSourceLoads(t *testing.T) {
	t.Parallel()
	r, _, _ := newRunner(t)
	spec, _, err := r.Load(context.Background(), hotpass.Profile("aviation"))
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if spec.Dir != wd || !strings.Contains(spec.Path, "aviation") || spec.Param("input_dir") == nil {
		t.Errorf("spec %s in %s (params %v), want the aviation pipeline in %s", spec.Path, spec.Dir, spec.Params, wd)
	}
	if got := hotpass.Profile("aviation").String(); got != "profile:aviation" {
		t.Errorf("label %q", got)
	}
}

// Secrets handed over as values reach the spec's templates without
// touching the environment, and are masked in the run's logs and record
// like every value read from the environment.
func TestSecretsAsValues(t *testing.T) {
	t.Parallel()
	const token, extra = "tok-5e3c4e7-value", "other-s3cret-value"
	before, had := os.LookupEnv("HP_TEST_TOKEN")
	var logs strings.Builder
	r, _, dir := newRunner(t,
		hotpass.WithEnv(hotpass.Env(nil, hotpass.Secret{Name: "HP_TEST_TOKEN", Value: token})),
		hotpass.WithSecrets(extra), hotpass.WithLogHandler(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	src := hotpass.Bytes("secret.yaml", []byte(`version: 1
name: secret
params:
  note: {type: string}
tasks:
  say: {type: exec, with: {command: "echo token={{ env_var('HP_TEST_TOKEN') }} note={{ params.note }}; exit 3"}}
`), dir)
	res, err := r.Run(context.Background(), src, hotpass.Params(map[string]any{"note": extra}))
	if res == nil {
		t.Fatalf("run did not start: %v", err)
	}
	if !errors.Is(err, engine.ErrRunFailed) || exitcode.Of(err) != exitcode.Failed {
		t.Fatalf("err = %v, want the failed run", err)
	}
	if after, has := os.LookupEnv("HP_TEST_TOKEN"); after != before || has != had {
		t.Errorf("the environment changed: HP_TEST_TOKEN=%q (set %v)", after, has)
	}
	log, err := os.ReadFile(filepath.Join(res.Dir, res.Record.Task("say").Log))
	if err != nil {
		t.Fatal(err)
	}
	record, err := os.ReadFile(filepath.Join(res.Dir, engine.RunRecordFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "token=*** note=***") {
		t.Errorf("task log does not show the masked values:\n%s", log)
	}
	for _, text := range []string{string(log), string(record), logs.String()} {
		for _, secret := range []string{token, extra} {
			if strings.Contains(text, secret) {
				t.Errorf("%q leaked:\n%s", secret, text)
			}
		}
	}
}

// Task types given to WithTaskTypes run beside the registered ones; a name
// already taken is refused.
func TestWithTaskTypes(t *testing.T) {
	t.Parallel()
	if _, err := hotpass.New(hotpass.WithStateDir(t.TempDir()), hotpass.WithTaskTypes(namedType("read"))); err == nil ||
		!strings.Contains(err.Error(), `"read" is registered already`) {
		t.Errorf("a type named read: %v", err)
	}
	r, _, dir := newRunner(t, hotpass.WithTaskTypes(namedType("mine")))
	res, err := r.Run(context.Background(), hotpass.Bytes("mine.yaml", []byte("version: 1\nname: m\ntasks:\n  a: {type: mine}\n"), dir))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Record.Task("a").Attrs["type"]; got != "mine" {
		t.Errorf("attrs %v, want the task run by the type given", res.Record.Task("a").Attrs)
	}
	if _, err := res.Table("a"); !errors.Is(err, hotpass.ErrNoTable) {
		t.Errorf("table of a task that kept none: %v", err)
	}
}

// namedType is a task type that records its name.
type namedType string

func (n namedType) Name() string { return string(n) }
func (namedType) Schema() json.RawMessage {
	return json.RawMessage(`{"type": "object", "additionalProperties": false}`)
}
func (n namedType) Prepare(*specs.Spec, *specs.Task) (engine.Task, error) { return n, nil }
func (n namedType) Run(context.Context, *engine.Env) (*engine.Result, error) {
	return &engine.Result{Attrs: map[string]any{"type": string(n)}}, nil
}

// Options that exclude each other are refused by New, in either order.
func TestNewRefusesConflictingOptions(t *testing.T) {
	t.Parallel()
	r, _, _ := newRunner(t)
	tests := []struct {
		name string
		opts []hotpass.Option
		want string
	}{
		{"loader then types", []hotpass.Option{hotpass.WithLoader(r.Loader()), hotpass.WithTaskTypes(namedType("x"))}, "WithLoader and WithTaskTypes"},
		{"types then loader", []hotpass.Option{hotpass.WithTaskTypes(namedType("x")), hotpass.WithLoader(r.Loader())}, "WithLoader and WithTaskTypes"},
		{"telemetry twice", []hotpass.Option{hotpass.WithTelemetry(hotpass.Telemetry{}), hotpass.WithEnvTelemetry(hotpass.EnvTelemetry{})}, "WithTelemetry and WithEnvTelemetry"},
		{"nil store", []hotpass.Option{hotpass.WithStore(nil)}, "WithStore(nil)"},
	}
	for _, tt := range tests {
		opts := append([]hotpass.Option{hotpass.WithStateDir(t.TempDir())}, tt.opts...)
		if _, err := hotpass.New(opts...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}
