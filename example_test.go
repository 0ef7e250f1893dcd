package hotpass_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks"
	_ "github.com/hotpass/hotpass/tasks/builtin" // the built-in task types: read, write, refine, ...
)

// greetType is a task type of the embedding program: `type: greet` with
// `with: {name: ...}`.
type greetType struct{}

func (greetType) Name() string { return "greet" }

func (greetType) Schema() json.RawMessage {
	return json.RawMessage(`{"type": "object", "required": ["name"], "additionalProperties": false,
		"properties": {"name": {"type": "string", "description": "Who to greet."}}}`)
}

// Prepare decodes the task's options; errors point into the spec.
func (greetType) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	var opts struct {
		Name string `yaml:"name"`
	}
	if _, err := tasks.Decode(spec, task, &opts); err != nil {
		return nil, err
	}
	return greeting("hello, " + opts.Name), nil
}

// greeting is a prepared greet task.
type greeting string

func (g greeting) Run(_ context.Context, env *engine.Env) (*engine.Result, error) {
	env.Log.Info("greeting", "text", string(g))
	return &engine.Result{Attrs: map[string]any{"greeting": string(g)}}, nil
}

// memStore is the embedding program's own run history: a map in memory.
type memStore struct {
	mu    sync.Mutex
	runs  map[string]store.Run
	tasks map[string][]store.TaskRun
}

func (m *memStore) CreateRun(_ context.Context, r store.Run) (store.Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.runs[r.ID]; dup {
		return store.Run{}, fmt.Errorf("%w: run %s", store.ErrExists, r.ID)
	}
	m.runs[r.ID] = r
	return r, nil
}

func (m *memStore) UpdateRun(_ context.Context, id string, u store.RunUpdate) (store.Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[id]
	if !ok {
		return store.Run{}, fmt.Errorf("%w: run %s", store.ErrNotFound, id)
	}
	r.Status, r.Error = u.Status, u.Error
	if u.TraceID != "" {
		r.TraceID = u.TraceID
	}
	if u.Status.Terminal() {
		r.EndedAt = time.Now()
	}
	m.runs[id] = r
	return r, nil
}

func (m *memStore) GetRun(_ context.Context, id string) (store.Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[id]
	if !ok {
		return store.Run{}, fmt.Errorf("%w: run %s", store.ErrNotFound, id)
	}
	return r, nil
}

func (m *memStore) ListTasks(_ context.Context, runID string) ([]store.TaskRun, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]store.TaskRun(nil), m.tasks[runID]...), nil
}

func (m *memStore) RecordTasks(_ context.Context, ts []store.TaskRun) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range ts {
		list := m.tasks[t.RunID]
		i := 0
		for i < len(list) && list[i].TaskID != t.TaskID {
			i++
		}
		if i == len(list) {
			list = append(list, t)
		} else {
			list[i] = t
		}
		m.tasks[t.RunID] = list
	}
	return nil
}

func (m *memStore) Heartbeat(context.Context, string) error { return nil }

// An outside program runs a spec with a task type of its own, its own
// OpenTelemetry tracer provider and its own run store, then reads the
// table a task produced.
func Example() {
	dir, err := os.MkdirTemp("", "hotpass-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte("name,age\nada,36\nalan,41\n"), 0o644); err != nil {
		log.Fatal(err)
	}

	spans := tracetest.NewSpanRecorder()
	history := &memStore{runs: map[string]store.Run{}, tasks: map[string][]store.TaskRun{}}
	r, err := hotpass.New(
		hotpass.WithStateDir(filepath.Join(dir, "state")),
		hotpass.WithStore(history),
		hotpass.WithTaskTypes(greetType{}),
		hotpass.WithTelemetry(hotpass.Telemetry{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))}),
		hotpass.WithEnv(hotpass.Env(nil, hotpass.Secret{Name: "WHO", Value: "world"})),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	spec := []byte(`version: 1
name: people
tasks:
  load: {type: read, with: {path: people.csv}}
  hello: {type: greet, needs: [load], with: {name: "{{ env_var('WHO', 'nobody') }}"}}
`)
	res, err := r.Run(context.Background(), hotpass.Bytes("people.yaml", spec, dir), hotpass.RunID("example-1"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", res.Record.Status)
	// What WithEnv answers is a secret: the record masks it.
	fmt.Println("greet:", res.Record.Task("hello").Attrs["greeting"])

	people, err := res.Table("load")
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range people.Columns() {
		fmt.Printf("column %s %s\n", c.Name, c.Type)
	}
	age, _ := people.ColumnIndex("age")
	for i, row := range people.Rows() {
		years, _ := people.Int64(i, age)
		fmt.Println(row[0], years)
	}

	names := map[string]int{}
	for _, s := range spans.Ended() {
		names[s.Name()]++
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("spans %s: %d\n", k, names[k])
	}
	stored, _ := history.GetRun(context.Background(), "example-1")
	fmt.Println("stored:", stored.Pipeline, stored.Status, len(history.tasks["example-1"]), "tasks")
	// Output:
	// status: succeeded
	// greet: hello, ***
	// column name string
	// column age int64
	// ada 36
	// alan 41
	// spans hotpass.run: 1
	// spans hotpass.task: 2
	// stored: people succeeded 2 tasks
}
