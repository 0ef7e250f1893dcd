package webui

import (
	"fmt"
	"strings"
	"testing"
)

func TestLayoutDAG(t *testing.T) {
	t.Parallel()
	href := func(id string) string { return "/t/" + id }
	for _, tc := range []struct {
		name   string
		tasks  []dagTask
		layers map[string]int
		edges  int
		err    string
	}{
		{"diamond", []dagTask{{ID: "a"}, {ID: "b", Deps: []string{"a"}}, {ID: "c", Deps: []string{"a"}}, {ID: "d", Deps: []string{"b", "c"}}},
			map[string]int{"a": 0, "b": 1, "c": 1, "d": 2}, 4, ""},
		{"longest path wins", []dagTask{{ID: "a"}, {ID: "b", Deps: []string{"a"}}, {ID: "c", Deps: []string{"a", "b"}}},
			map[string]int{"a": 0, "b": 1, "c": 2}, 3, ""},
		{"declared out of order", []dagTask{{ID: "late", Deps: []string{"early"}}, {ID: "early"}},
			map[string]int{"early": 0, "late": 1}, 1, ""},
		{"unknown and self deps ignored", []dagTask{{ID: "a", Deps: []string{"ghost", "a"}}}, map[string]int{"a": 0}, 0, ""},
		{"duplicate id placed once", []dagTask{{ID: "a"}, {ID: "a"}}, map[string]int{"a": 0}, 0, ""},
		{"no tasks", nil, map[string]int{}, 0, ""},
		{"cycle", []dagTask{{ID: "a", Deps: []string{"b"}}, {ID: "b", Deps: []string{"a"}}, {ID: "c"}}, nil, 0, "cycle (2 of 3 tasks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := layoutDAG(tc.tasks, href)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Nodes) != len(tc.layers) || len(v.Edges) != tc.edges {
				t.Fatalf("%d nodes, %d edges; want %d, %d", len(v.Nodes), len(v.Edges), len(tc.layers), tc.edges)
			}
			seen := map[[2]int]string{}
			for _, n := range v.Nodes {
				if n.Layer != tc.layers[n.ID] || n.X != dagMargin+n.Layer*dagColW {
					t.Errorf("%s in layer %d at x=%d, want layer %d", n.ID, n.Layer, n.X, tc.layers[n.ID])
				}
				if other, ok := seen[[2]int{n.X, n.Y}]; ok {
					t.Errorf("%s and %s overlap", n.ID, other)
				}
				seen[[2]int{n.X, n.Y}] = n.ID
				if n.Href != "/t/"+n.ID || n.X+dagNodeW > v.W || n.Y+dagNodeH > v.H {
					t.Errorf("%s: href %q, box outside the %dx%d drawing", n.ID, n.Href, v.W, v.H)
				}
			}
		})
	}
}

// Barycenter ordering keeps a child next to its parent: two chains side by
// side do not cross.
func TestLayoutDAGUncrossesChains(t *testing.T) {
	t.Parallel()
	tasks := []dagTask{{ID: "a1"}, {ID: "b1"}, {ID: "b2", Deps: []string{"b1"}}, {ID: "a2", Deps: []string{"a1"}}}
	v, err := layoutDAG(tasks, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	y := map[string]int{}
	for _, n := range v.Nodes {
		y[n.ID] = n.Y
	}
	if (y["a1"] < y["b1"]) != (y["a2"] < y["b2"]) {
		t.Errorf("chains cross: %v", y)
	}
}

func TestLayoutDAGCollapsesLargeRuns(t *testing.T) {
	t.Parallel()
	var tasks []dagTask
	for i := range maxDrawnTasks + 1 {
		tk := dagTask{ID: fmt.Sprintf("t%d", i), Status: "succeeded"}
		if i > 0 {
			tk.Deps = []string{fmt.Sprintf("t%d", (i-1)/2)}
		}
		if i == 700 {
			tk.Status = "failed"
		}
		tasks = append(tasks, tk)
	}
	v, err := layoutDAG(tasks, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if !v.Collapsed || len(v.Nodes) != v.Layers || v.Layers != 11 {
		t.Fatalf("collapsed %v, %d boxes, %d layers", v.Collapsed, len(v.Nodes), v.Layers)
	}
	total := 0
	for _, n := range v.Nodes {
		var k int
		fmt.Sscanf(n.Label[strings.Index(n.Label, "·")+len("· "):], "%d", &k)
		total += k
		if n.Layer == 9 && n.Status != "failed" {
			t.Errorf("layer 10 holds the failed task but is drawn %s (%s)", n.Status, n.Detail)
		}
	}
	if total != len(tasks) {
		t.Errorf("layers count %d tasks, want %d", total, len(tasks))
	}
}

func TestDescribeCron(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string]string{
		"30 6 * * *":    "every day at 06:30",
		"0 6 * * 1-5":   "every weekday at 06:00",
		"15 22 * * 1,5": "every Monday, Friday at 22:15",
		"0 0 * * 0":     "every Sunday at 00:00",
		"5 * * * *":     "every hour at minute 5",
		"*/15 * * * *":  "every 15 minutes",
		"0 3 1 * *":     "on day 1 of every month at 03:00",
		"@daily":        "every day at 00:00",
		"@every 2h":     "every 2h",
		"0 6 * 1 *":     "",
		"0 6,18 * * *":  "",
		"61 6 * * *":    "",
		"nonsense":      "",
	} {
		if got := describeCron(expr); got != want {
			t.Errorf("describeCron(%q) = %q, want %q", expr, got, want)
		}
	}
}

func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"1767225600000000_run-1", "0_x", "_", "12", "-5_a_b", "9223372036854775807_z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			if !strings.Contains(err.Error(), "before") {
				t.Errorf("error %q does not name the parameter", err)
			}
			return
		}
		// A cursor that parses survives a round trip through the URL.
		back, err := parseCursor(formatCursor(c))
		if err != nil || !back.CreatedAt.Equal(c.CreatedAt) || back.ID != c.ID {
			t.Errorf("%q: round trip gave %+v, %v; want %+v", s, back, err, c)
		}
	})
}
