package main

import "testing"

// TestGraphSpecOrder draws a spec declared out of dependency order: tasks
// come out as declared and each task's dependencies as it lists them.
func TestGraphSpecOrder(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"mermaid", "dot"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := cli(t, "graph", "--format", format, "testdata/good/graph_order.yaml")
			if code != exitOK {
				t.Fatalf("exit code = %d\n%s", code, stderr)
			}
			golden(t, "graph_order_"+format, stdout)
		})
	}
}
