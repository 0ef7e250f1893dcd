package tmpl

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestRenderOutputBombs renders templates whose filters or concatenations
// would build far more text than the output limit: each must fail at the
// expression that crosses the limit, having allocated a bounded amount.
func TestRenderOutputBombs(t *testing.T) {
	sep := strings.Repeat("x", 1<<20)
	list := make([]string, 1000)
	for i := range list {
		list[i] = "item"
	}
	half := strings.Repeat("h", 600<<10)
	vars := &Vars{Params: map[string]any{"l": list, "p": sep, "h": half, "big": []string{sep, sep, sep}}}
	tests := []struct {
		name, src string
		col       int
	}{
		{"join with a huge separator", "{{ params.l|join:params.p }}", 13},
		{"join of huge items", "{{ params.big|join }}", 15},
		{"join inside a condition", "{% if params.l|join:params.p == '' %}x{% endif %}", 16},
		{"concatenation", "{{ params.h + params.h }}", 13},
		{"concatenation in a condition", "{% if params.h + params.h + params.h == '' %}x{% endif %}", 16},
		{"upper of a joined list", "{{ params.big|join|upper }}", 15},
		{"many outputs", "{{ params.h }}{{ params.h }}", 18},
		{"date with a huge layout", "{{ run.ts|date:params.h }}", 11},
		{"concatenation chains in conditions", strings.Repeat("{% if params.h + 'a' == '' %}{% endif %}", 40), 0},
	}
	e := New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = e.Render(tc.src, vars) })
			var te *Error
			if !errors.As(err, &te) || !strings.Contains(te.Msg, "limit") {
				t.Fatalf("Render = %v, want an error naming the limit", err)
			}
			if tc.col > 0 && (te.Line != 1 || te.Col != tc.col) {
				t.Errorf("error at %d:%d, want 1:%d: %v", te.Line, te.Col, tc.col, err)
			}
			if n > 64<<20 {
				t.Errorf("rendering allocated %d MiB before failing; want under 64 MiB", n>>20)
			}
		})
	}
}
