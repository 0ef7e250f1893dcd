package specs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotpass/hotpass/specs"
	"gopkg.in/yaml.v3"
)

// depth counts the levels of mappings and lists in a node tree, not
// following aliases.
func depth(n *yaml.Node) int {
	deepest := 0
	for _, c := range n.Content {
		deepest = max(deepest, depth(c))
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		return deepest + 1
	}
	return deepest
}

// shapeSpec is a valid spec plus an unknown key x holding v: schema errors
// about x are expected, shape errors only past the limits.
func shapeSpec(v string) []byte {
	return []byte("version: 1\nname: n\ntasks: {a: {type: noop}}\nx: " + v + "\n")
}

func TestParseShapeLimits(t *testing.T) {
	t.Parallel()
	v := testValidator(t)
	keys := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "k%d: 1, ", i)
		}
		return b.String() + "}"
	}
	tests := []struct {
		name string
		src  []byte
		want string // "" when no shape error is expected
	}{
		{"63 nested lists", shapeSpec(strings.Repeat("[", 63) + strings.Repeat("]", 63)), ""},
		{"64 nested lists", shapeSpec(strings.Repeat("[", 64) + strings.Repeat("]", 64)), "f.yaml:4:67: error: spec is nested deeper than the limit of 64 levels"},
		{"64 nested mappings", shapeSpec(strings.Repeat("{a: ", 64) + "1" + strings.Repeat("}", 64)), "f.yaml:4:256: error: spec is nested deeper than the limit of 64 levels"},
		{"9990 nested lists", shapeSpec(strings.Repeat("[", 9990) + strings.Repeat("]", 9990)), "f.yaml:4:67: error: spec is nested deeper than the limit of 64 levels"},
		{"10000 keys", shapeSpec(keys(specs.MaxMappingKeys)), ""},
		{"10001 keys", shapeSpec(keys(specs.MaxMappingKeys + 1)), "f.yaml:4:4: error: mapping has 10001 keys, over the limit of 10000 keys"},
		{"10001 tasks", []byte("version: 1\nname: n\ntasks: " + keys(specs.MaxMappingKeys+1) + "\n"), "f.yaml:3:8: error: mapping has 10001 keys, over the limit of 10000 keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := specs.Parse("f.yaml", tt.src, v)
			var shape []string
			for _, d := range specs.AsDiagnostics(err) {
				if strings.Contains(d.Message, "limit") {
					shape = append(shape, d.Pos.String()+": error: "+d.Message)
				}
			}
			switch {
			case tt.want == "" && len(shape) > 0:
				t.Errorf("unexpected shape errors: %q", shape)
			case tt.want != "" && (len(shape) != 1 || shape[0] != tt.want):
				t.Errorf("shape errors %q, want [%q]", shape, tt.want)
			}
		})
	}
}

func TestReadFileRefusesWhatIsNotARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, 2*specs.MaxFileSize), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, want string }{
		{fifo, fifo + ": error: is not a regular file (a named pipe), not a spec file"},
		{"/dev/zero", "/dev/zero: error: is not a regular file (a character device), not a spec file"},
		{dir, dir + ": error: is a directory, not a spec file"},
		{big, big + ": error: spec file is 2097152 bytes; the limit is 1048576 bytes (1.0 MiB)"},
		{filepath.Join(dir, "missing.yaml"), filepath.Join(dir, "missing.yaml") + ": error: cannot read spec: no such file or directory"},
	}
	for _, tt := range tests {
		// A FIFO that is opened for reading blocks until a writer comes;
		// the call must not, so it runs under a guard.
		done := make(chan error, 1)
		go func() { _, err := specs.ReadFile(tt.path); done <- err }()
		select {
		case err := <-done:
			ds := specs.AsDiagnostics(err)
			if len(ds) != 1 || ds[0].Pos.String()+": error: "+ds[0].Message != tt.want {
				t.Errorf("ReadFile(%s) = %v, want %s", tt.path, err, tt.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("ReadFile(%s) blocked", tt.path)
		}
	}
}

func TestParseContextCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := specs.ParseContext(ctx, "f.yaml", []byte("version: 1\nname: n\ntasks: {a: {type: noop}}\n"), testValidator(t))
	if !errors.Is(err, context.Canceled) || errors.Is(err, specs.ErrInvalid) {
		t.Fatalf("ParseContext after cancel: %v, want an error wrapping context.Canceled", err)
	}
	s, err := specs.Parse("f.yaml", []byte("version: 1\nname: n\ntasks: {a: {type: noop, with: {sleep: \"{{ run.date }}\"}}}\n"), testValidator(t))
	if err != nil {
		t.Fatal(err)
	}
	if ds, err := specs.CheckContext(ctx, s, specs.CheckOptions{}); !errors.Is(err, context.Canceled) || ds != nil {
		t.Fatalf("CheckContext after cancel: %v, %v; want context.Canceled and no diagnostics", ds, err)
	}
}

// TestDiagnosticLongLineExcerpt checks that a diagnostic on a very long
// line shows an excerpt around its column, with the caret still under it.
func TestDiagnosticLongLineExcerpt(t *testing.T) {
	t.Parallel()
	src := "version: 1\nname: x\ntasks: {a: {type: noop}}\nx: " + strings.Repeat("[", 64) + strings.Repeat("]", 64) + " # " + strings.Repeat("c", 300) + "\n"
	_, err := specs.Parse("f.yaml", []byte(src), testValidator(t))
	var b strings.Builder
	if perr := specs.AsDiagnostics(err).Print(&b); perr != nil {
		t.Fatal(perr)
	}
	want := "f.yaml:4:67: error: spec is nested deeper than the limit of 64 levels\n" +
		" 4 | …" + strings.Repeat("[", 54) + strings.Repeat("]", 64) + " # " + strings.Repeat("c", 39) + "…\n" +
		"   | " + strings.Repeat(" ", 54) + "^\n"
	if got, _, _ := strings.Cut(b.String(), "  hint:"); got != want {
		t.Errorf("printed\n%s\nwant\n%s", got, want)
	}
}
