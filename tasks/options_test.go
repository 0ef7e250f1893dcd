package tasks_test

import (
	"errors"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks"
)

type sample struct {
	Name    string            `yaml:"name"`
	Count   int               `yaml:"count"`
	Wait    tasks.Duration    `yaml:"wait"`
	Labels  map[string]string `yaml:"labels"`
	Skipped string            `yaml:"-"`
}

// taskWith parses src as the task's with: block.
func taskWith(t testing.TB, src string) (*specs.Spec, *specs.Task) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	task := &specs.Task{ID: "t1", Type: "sample", Pos: specs.Pos{File: "p.yaml", Line: 1, Col: 1}}
	if len(doc.Content) > 0 {
		task.With = doc.Content[0]
	}
	return &specs.Spec{Path: "p.yaml"}, task
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		src   string
		want  sample
		diags []string // Error() of each diagnostic
	}{
		{"empty document", "", sample{}, nil},
		{"null", "~", sample{}, nil},
		{"all options", "{name: a, count: 3, wait: 1m30s, labels: {x: 1}}",
			sample{Name: "a", Count: 3, Wait: tasks.Duration(90 * time.Second), Labels: map[string]string{"x": "1"}}, nil},
		{"days", "wait: 2d", sample{Wait: tasks.Duration(48 * time.Hour)}, nil},
		{"unknown option lists the options", "base: &b {name: x}\n", sample{}, []string{
			`p.yaml:1:1: error: task "t1": unknown option with.base for type "sample" (options of sample: count, labels, name, wait)`}},
		{"not a mapping", "[1, 2]", sample{}, []string{
			`p.yaml:1:1: error: task "t1": with must be a mapping of options (write options as ` + "`with: {name: value}`" + `)`}},
		{"every problem reported", "nme: a\ncount: many\nwait: 5 minutes\n", sample{}, []string{
			`p.yaml:1:1: error: task "t1": unknown option with.nme for type "sample" (did you mean "name"?)`,
			`p.yaml:2:8: error: task "t1": with.count: cannot unmarshal !!str ` + "`many`" + ` into int`,
			`p.yaml:3:7: error: task "t1": with.wait: invalid duration "5 minutes" (write a duration like 500ms, 30s, 5m or 1h30m)`,
		}},
		{"duration must be a scalar", "wait: [1s]", sample{}, []string{
			`p.yaml:1:7: error: task "t1": with.wait: must be a duration string (write a duration like 500ms, 30s, 5m or 1h30m)`}},
		{"hidden field is not an option", "Skipped: x", sample{}, []string{
			`p.yaml:1:1: error: task "t1": unknown option with.Skipped for type "sample" (options of sample: count, labels, name, wait)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec, task := taskWith(t, tc.src)
			var got sample
			_, err := tasks.Decode(spec, task, &got)
			ds := specs.AsDiagnostics(err)
			if len(ds) != len(tc.diags) {
				t.Fatalf("got %d diagnostics, want %d: %v", len(ds), len(tc.diags), err)
			}
			for i, d := range ds {
				if d.Error() != tc.diags[i] {
					t.Errorf("diagnostic %d:\n got %s\nwant %s", i, d.Error(), tc.diags[i])
				}
			}
			if err != nil {
				if !errors.Is(err, specs.ErrInvalid) {
					t.Errorf("error does not wrap specs.ErrInvalid")
				}
				return
			}
			if got.Name != tc.want.Name || got.Count != tc.want.Count || got.Wait != tc.want.Wait || len(got.Labels) != len(tc.want.Labels) {
				t.Errorf("decoded %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestOptionsPositions(t *testing.T) {
	t.Parallel()
	spec, task := taskWith(t, "name: a\ncount: 2\n")
	var s sample
	o, err := tasks.Decode(spec, task, &s)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Has("count") || o.Has("wait") {
		t.Error("Has")
	}
	if p := o.Pos("count"); p.Line != 2 || p.Col != 8 {
		t.Errorf("Pos(count) = %v", p)
	}
	if p := o.KeyPos("count"); p.Line != 2 || p.Col != 1 {
		t.Errorf("KeyPos(count) = %v", p)
	}
	if p := o.Pos("wait"); p.Line != 1 || p.Col != 1 {
		t.Errorf("Pos(wait) = %v, want the with block", p)
	}
	if d := o.Errorf("count", "too %s", "big"); d.Error() != `p.yaml:2:8: error: task "t1": with.count: too big` {
		t.Errorf("Errorf: %s", d.Error())
	}
}

func TestDecodeAlias(t *testing.T) {
	t.Parallel()
	spec, task := taskWith(t, "{name: a, count: 2}")
	task.With = &yaml.Node{Kind: yaml.AliasNode, Alias: task.With}
	var s sample
	if _, err := tasks.Decode(spec, task, &s); err != nil || s.Name != "a" || s.Count != 2 {
		t.Fatalf("decoded %+v, err %v", s, err)
	}
}

func TestDecodeRejectsNonStruct(t *testing.T) {
	t.Parallel()
	spec, task := taskWith(t, "{}")
	var m map[string]any
	if _, err := tasks.Decode(spec, task, &m); err == nil {
		t.Fatal("no error for a map destination")
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "{name: a}", "wait: 1s", "count: x", "[1]", "a: &x 1\nb: *x", "labels: {a: [1]}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(src), &doc) != nil || len(doc.Content) == 0 {
			return
		}
		task := &specs.Task{ID: "t", Type: "sample", With: doc.Content[0]}
		var s sample
		_, err := tasks.Decode(&specs.Spec{Path: "p.yaml"}, task, &s)
		if err != nil && len(specs.AsDiagnostics(err)) == 0 {
			t.Fatalf("error without diagnostics: %v", err)
		}
	})
}
