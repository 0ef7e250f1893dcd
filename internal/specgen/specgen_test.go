package specgen

import (
	"bytes"
	"testing"

	"gopkg.in/yaml.v3"
)

type doc struct {
	Version     int
	Name        string
	Concurrency struct{ Max int }
	Tasks       map[string]struct {
		Type  string
		Needs []string
		With  map[string]any
	}
}

func TestRandomDAG(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		n     int
		edges float64
	}{
		{"empty", 0, 3},
		{"one", 1, 3},
		{"small", 20, 3},
		{"fractional", 500, 2.5},
		{"wide", 2000, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := RandomDAG(tc.n, tc.edges, 42, "noop")
			if !bytes.Equal(a, RandomDAG(tc.n, tc.edges, 42, "noop")) {
				t.Fatal("same arguments gave different specs")
			}
			var d doc
			if err := yaml.Unmarshal(a, &d); err != nil {
				t.Fatalf("not valid YAML: %v", err)
			}
			if d.Version != 1 || len(d.Tasks) != tc.n {
				t.Fatalf("version %d, %d tasks; want 1, %d", d.Version, len(d.Tasks), tc.n)
			}
			edges := 0
			for id, task := range d.Tasks {
				if task.Type != "noop" {
					t.Errorf("%s: type %q", id, task.Type)
				}
				for _, dep := range task.Needs {
					if _, ok := d.Tasks[dep]; !ok || dep >= id {
						t.Errorf("%s needs %s, which is not an earlier task", id, dep)
					}
				}
				edges += len(task.Needs)
			}
			if tc.n >= 500 {
				mean := float64(edges) / float64(tc.n)
				if mean < tc.edges-0.2 || mean > tc.edges+0.2 {
					t.Errorf("mean needs per task %.2f, want about %.1f", mean, tc.edges)
				}
			}
		})
	}
}

func TestRandomDepsSeedMatters(t *testing.T) {
	t.Parallel()
	if bytes.Equal(RandomDAG(50, 3, 1, "noop"), RandomDAG(50, 3, 2, "noop")) {
		t.Fatal("different seeds gave the same graph")
	}
}

func TestExecTrue(t *testing.T) {
	t.Parallel()
	var d doc
	if err := yaml.Unmarshal(ExecTrue(12, 3), &d); err != nil {
		t.Fatal(err)
	}
	if d.Concurrency.Max != 3 || len(d.Tasks) != 12 {
		t.Fatalf("max %d, %d tasks", d.Concurrency.Max, len(d.Tasks))
	}
	task := d.Tasks[ID(11, 12)]
	if task.Type != "exec" || len(task.Needs) != 0 {
		t.Fatalf("task %+v", task)
	}
	argv, _ := task.With["argv"].([]any)
	if len(argv) != 1 || argv[0] != "true" {
		t.Fatalf("argv %v", task.With["argv"])
	}
}

func TestID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		i, n int
		want string
	}{{0, 1, "t0000"}, {7, 10, "t0007"}, {12345, 20000, "t12345"}, {3, 100000, "t00003"}} {
		if got := ID(tc.i, tc.n); got != tc.want {
			t.Errorf("ID(%d, %d) = %q, want %q", tc.i, tc.n, got, tc.want)
		}
	}
}
