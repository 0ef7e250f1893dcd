package specs_test

import (
	"strings"
	"testing"

	"github.com/hotpass/hotpass/specs"
)

func TestParseMemoryAndRetention(t *testing.T) {
	t.Parallel()
	src := "version: 1\nname: x\nkeep_outputs: failed\nkeep_runs: 5\nconcurrency: {max: 2, memory: 4GiB}\ntasks:\n  a: {type: noop, memory: 512MiB}\n  b: {type: noop, memory: 1000}\n  c: {type: noop}\n"
	s, err := specs.Parse("s.yaml", []byte(src), testValidator(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.Concurrency.Memory != 4<<30 || s.KeepOutputs != specs.KeepFailed || s.KeepRuns != 5 {
		t.Errorf("memory %d keep_outputs %q keep_runs %d", s.Concurrency.Memory, s.KeepOutputs, s.KeepRuns)
	}
	for id, want := range map[string]int64{"a": 512 << 20, "b": 1000, "c": 0} {
		if got := s.Task(id).Memory; got != want {
			t.Errorf("task %s memory %d, want %d", id, got, want)
		}
	}
}

func TestParseMemoryErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"bad budget", "version: 1\nname: x\nconcurrency: {memory: 4 gigs}\ntasks: {a: {type: noop}}\n", 3, 23, `invalid size "4 gigs"`},
		{"zero budget", "version: 1\nname: x\nconcurrency: {memory: 0}\ntasks: {a: {type: noop}}\n", 3, 23, `size "0" is not positive`},
		{"bad task memory", "version: 1\nname: x\ntasks:\n  a: {type: noop, memory: lots}\n", 4, 27, `invalid size "lots"`},
		{"bad keep_outputs", "version: 1\nname: x\nkeep_outputs: some\ntasks: {a: {type: noop}}\n", 3, 15, "keep_outputs"},
		{"bad keep_runs", "version: 1\nname: x\nkeep_runs: 0\ntasks: {a: {type: noop}}\n", 3, 12, "keep_runs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := specs.Parse("s.yaml", []byte(tt.src), testValidator(t))
			ds := specs.AsDiagnostics(err)
			if len(ds) == 0 {
				t.Fatalf("no diagnostics (err %v)", err)
			}
			d := ds[0]
			if d.Pos.File != "s.yaml" || d.Pos.Line != tt.line || d.Pos.Col != tt.col {
				t.Errorf("position = %s, want s.yaml:%d:%d (%s)", d.Pos, tt.line, tt.col, d.Message)
			}
			if !strings.Contains(d.Message, tt.msg) {
				t.Errorf("message = %q, want it to contain %q", d.Message, tt.msg)
			}
		})
	}
}
