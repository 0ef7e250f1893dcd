package specs_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/specgen"
	"github.com/hotpass/hotpass/tasks"
	_ "github.com/hotpass/hotpass/tasks/builtin"
)

// BenchmarkValidate1000 loads, renders and compiles a 1,000-task noop
// spec as `hotpass validate` does: the schema, the spec decoder and each
// task's option decoding. With options, every task has a duration, a
// boolean and a templated number to decode.
func BenchmarkValidate1000(b *testing.B) {
	empty := specgen.RandomDAG(1000, 3, 1, "noop")
	withOptions := bytes.ReplaceAll(empty, []byte("with: {}"), []byte(`with: {sleep: 1ms, fail: false, fail_times: "{{ params.n }}"}`))
	withOptions = bytes.Replace(withOptions, []byte("tasks:\n"), []byte("params: {n: {type: integer, default: 0}}\ntasks:\n"), 1)
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		src  []byte
	}{{"empty", empty}, {"options", withOptions}} {
		b.Run(bc.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "spec.yaml")
			if err := os.WriteFile(path, bc.src, 0o644); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				spec, _, err := l.LoadContext(context.Background(), path, false, nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := l.Prepare(spec, engine.PrepareOptions{Lenient: true, Placeholders: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
