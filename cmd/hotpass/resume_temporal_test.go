package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/temporaltest"
)

// TestResumeOnTemporal resumes a failed Temporal run: the task that
// succeeded, unchanged, is reused from the table it kept in the artifact
// store (its input file is gone by then, so running it again would fail),
// and the failed task, fixed by a new param value, runs.
func TestResumeOnTemporal(t *testing.T) {
	t.Parallel()
	addr := temporaltest.Start(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	conn := startTemporalWorker(t, addr, state, filepath.Join(dir, "artifacts"), "resume-cli")
	spec := filepath.Join(dir, "pipeline.yaml")
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pipeline.yaml", `version: 1
name: resumable
params:
  out: {type: string}
tasks:
  load:
    type: read
    with: {path: in.csv}
  publish:
    type: write
    with: {input: load, path: "{{ params.out }}"}
`)
	write("in.csv", "id,name\n1,Acme\n2,Globex\n")
	// A directory where the file should go makes publish fail.
	blocked := filepath.Join(dir, "blocked.csv")
	if err := os.Mkdir(blocked, 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, int) {
		return cli(t, append(append([]string{"--state-dir", state, "run", spec, "--engine", "temporal", "--no-progress"}, conn...), args...)...)
	}
	stdout, stderr, code := run("--param", "out="+blocked)
	if code != exitFailed {
		t.Fatalf("first run: exit %d, want 1 (publish fails)\n%s%s", code, stdout, stderr)
	}
	id := regexp.MustCompile(`\d{8}T\d{6}Z-[0-9a-f]+`).FindString(stdout + stderr)
	if id == "" {
		t.Fatalf("no run id in the output:\n%s%s", stdout, stderr)
	}
	if err := os.Remove(filepath.Join(dir, "in.csv")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	stdout, stderr, code = run("--param", "out="+out, "--resume", id)
	if code != 0 {
		t.Fatalf("resumed run: exit %d, want 0 (load reused from the artifact store)\n%s%s", code, stdout, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "Globex") {
		t.Errorf("published %q, want the rows load read in the first run", data)
	}

	// A run that succeeded has nothing to resume.
	resumed := regexp.MustCompile(`\d{8}T\d{6}Z-[0-9a-f]+`).FindAllString(stdout+stderr, -1)
	if len(resumed) == 0 {
		t.Fatalf("no run id in the resumed run's output:\n%s%s", stdout, stderr)
	}
	_, stderr, code = run("--param", "out="+out, "--resume", resumed[0])
	if code != exitInvalid || !strings.Contains(stderr, "nothing to resume") {
		t.Errorf("resuming a succeeded run: exit %d, want %d and a message saying there is nothing to resume\n%s", code, exitInvalid, stderr)
	}
}
