package backfill

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/tasks"
	_ "github.com/hotpass/hotpass/tasks/exec"
)

// TestBackfillParamsAreOneShellWord runs a backfill's pipeline with an
// input directory whose name holds shell syntax, as an archive's date and
// version may: the exec command must get it as one word.
func TestBackfillParamsAreOneShellWord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := filepath.Join(dir, "pipeline.yaml")
	src := "version: 1\nname: p\nparams:\n  input_dir: {type: string}\n  output_path: {type: string}\n" +
		"tasks:\n  ls:\n    type: exec\n    with: {command: \"printf '%s\\\\n' {{ params.input_dir }} > seen.txt\"}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		t.Fatal(err)
	}
	p := runnerPipeline(t, l, filepath.Join(dir, "state"))
	input := "restore/2024-03-01--1; touch injected"
	rec, err := p.Run(context.Background(), Request{
		Pipeline: PipelineRef{Spec: spec}, Date: "2024-03-01", RunID: "backfill-x",
		Params: map[string]any{ParamInputDir: input, ParamOutputPath: "out.xlsx"},
	})
	if err != nil || rec.Status != engine.StatusSucceeded {
		t.Fatalf("run: %v %+v", err, rec)
	}
	if _, err := os.Stat(filepath.Join(dir, "injected")); !os.IsNotExist(err) {
		t.Errorf("the input directory's name ran a command (%v)", err)
	}
	seen, err := os.ReadFile(filepath.Join(dir, "seen.txt"))
	if err != nil || strings.TrimSuffix(string(seen), "\n") != input {
		t.Errorf("the command saw %q (%v), want %q", seen, err, input)
	}
}
