package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

// cli runs the hotpass command in-process and returns what it printed and its exit code.
func cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = execute(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// volatile matches what changes from run to run (ids, timings, temp dirs).
var volatile = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`\d{8}T\d{6}Z-[0-9a-f]+`), "RUNID"},
	{regexp.MustCompile(`\d\d:\d\d:\d\d `), "HH:MM:SS "},
	{regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s|m)\b`), "DUR"},
	{regexp.MustCompile(`go1\.[0-9.]+`), "GOVERSION"},
	// Column widths follow the durations; compare the cells, not the padding.
	{regexp.MustCompile(` {2,}`), "  "},
}

func normalize(s, tmp string) string {
	if tmp != "" {
		s = strings.ReplaceAll(s, tmp, "TMP")
	}
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.repl)
	}
	return s
}

// golden compares got with testdata/golden/<name>.golden, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden file (run go test -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run `go test ./cmd/hotpass -update` if the change is intended)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func transcript(stdout, stderr string, code int) string {
	return "exit: " + itoa(code) + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestValidateBadInput checks that each kind of mistake gives one clear error
// pointing at its line and column, and exit status 2.
func TestValidateBadInput(t *testing.T) {
	t.Setenv("HOTPASS_TEST_SURELY_UNSET", "")
	os.Unsetenv("HOTPASS_TEST_SURELY_UNSET")
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad specs found: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			args := []string{"validate", f}
			if name == "env_unset" {
				args = []string{"validate", "--strict", f}
			}
			stdout, stderr, code := cli(t, args...)
			if code != exitInvalid {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitInvalid, stdout, stderr)
			}
			if !strings.Contains(stdout, f+":") {
				t.Errorf("output does not name the file %s:\n%s", f, stdout)
			}
			golden(t, "validate_"+name, transcript(stdout, stderr, code))
		})
	}
}

// TestRunBadInputRunsNothing checks that `run` rejects an invalid spec with
// exit status 2 before creating any run directory.
func TestRunBadInputRunsNothing(t *testing.T) {
	os.Unsetenv("HOTPASS_TEST_SURELY_UNSET")
	files, _ := filepath.Glob("testdata/bad/*.yaml")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			state := t.TempDir()
			_, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, f)
			if code != exitInvalid {
				t.Fatalf("exit code = %d, want %d\n%s", code, exitInvalid, stderr)
			}
			if !regexp.MustCompile(`:\d+(:\d+)?: error: `).MatchString(stderr) && !strings.Contains(stderr, f+": error:") {
				t.Errorf("error has no position:\n%s", stderr)
			}
			if _, err := os.Stat(filepath.Join(state, "runs")); !os.IsNotExist(err) {
				t.Errorf("a run directory was created for an invalid spec")
			}
			assertPrintedOnce(t, stderr)
		})
	}
}

// TestRunMissingSpecPrintsOnce checks that a spec that cannot be read is
// reported once, with exit status 2.
func TestRunMissingSpecPrintsOnce(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nosuch.yaml")
	_, stderr, code := cli(t, "run", "--no-progress", "--state-dir", t.TempDir(), missing)
	if code != exitInvalid || !strings.Contains(stderr, missing+": error: cannot read spec") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	assertPrintedOnce(t, stderr)
}

// assertPrintedOnce fails when an error line of stderr appears more than
// once: each diagnostic is printed by one place only.
func assertPrintedOnce(t *testing.T, stderr string) {
	t.Helper()
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, ": error: ") && strings.Count(stderr, line+"\n") > 1 {
			t.Errorf("%q is printed %d times:\n%s", line, strings.Count(stderr, line+"\n"), stderr)
		}
	}
}

// TestValidateHugeAndBinaryFiles covers inputs too large or not text to commit.
func TestValidateHugeAndBinaryFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.yaml")
	var b strings.Builder
	b.WriteString("version: 1\nname: huge\ntasks:\n")
	for b.Len() < 10<<20 {
		b.WriteString("  # padding padding padding padding padding padding padding padding padding\n")
	}
	if err := os.WriteFile(huge, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "binary.yaml")
	if err := os.WriteFile(bin, []byte("version: 1\nname: x\x00\x01\x02\xff\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
	}{
		{huge, "the limit is 1048576 bytes (1.0 MiB)"},
		{bin, "file is binary (NUL byte at offset 18)"},
	}
	for _, tt := range tests {
		stdout, _, code := cli(t, "validate", tt.path)
		if code != exitInvalid {
			t.Errorf("%s: exit code = %d, want 2", tt.path, code)
		}
		if !strings.Contains(stdout, tt.want) || !strings.Contains(stdout, tt.path) {
			t.Errorf("%s: output lacks %q:\n%s", tt.path, tt.want, stdout)
		}
	}
}

func TestValidateGoodSpecs(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/good/*.yaml")
	files = append(files, "../../examples/demo/pipeline.yaml", "../../examples/aviation/pipeline.yaml")
	builtin, _ := filepath.Glob("../../profiles/*.pipeline.yaml")
	if len(builtin) == 0 {
		t.Fatal("no built-in pipeline specs found")
	}
	files = append(files, builtin...)
	for _, f := range files {
		stdout, stderr, code := cli(t, "validate", f)
		if code != exitOK {
			t.Errorf("%s: exit code = %d\n%s%s", f, code, stdout, stderr)
		}
	}
}

func TestValidateJSON(t *testing.T) {
	t.Parallel()
	stdout, _, code := cli(t, "validate", "--format", "json", "testdata/bad/misspelled_option.yaml", "testdata/good/diamond.yaml")
	if code != exitInvalid {
		t.Fatalf("exit code = %d, want 2", code)
	}
	var got struct {
		Files []struct {
			Path        string `json:"path"`
			Valid       bool   `json:"valid"`
			Diagnostics []struct {
				Pos struct {
					File         string
					Line, Column int
				} `json:"pos"`
				Severity string `json:"severity"`
				Message  string `json:"message"`
				Hint     string `json:"hint"`
			} `json:"diagnostics"`
		} `json:"files"`
		Errors int `json:"errors"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if len(got.Files) != 2 || got.Files[0].Valid || !got.Files[1].Valid || got.Errors != 1 {
		t.Fatalf("unexpected result: %+v", got)
	}
	d := got.Files[0].Diagnostics[0]
	if d.Pos.Line != 7 || d.Pos.Column != 7 || d.Severity != "error" || !strings.Contains(d.Hint, `"command"`) {
		t.Errorf("diagnostic = %+v, want line 7 col 7 with a hint naming \"command\"", d)
	}
}

func TestRunDiamond(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	stdout, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "testdata/good/diamond.yaml")
	if code != exitOK {
		t.Fatalf("exit code = %d\n%s\n%s", code, stdout, stderr)
	}
	golden(t, "run_diamond", normalize(stdout, state))
	recs, _ := filepath.Glob(filepath.Join(state, "runs", "*", engine.RunRecordFile))
	if len(recs) != 1 {
		t.Fatalf("want one run record, found %v", recs)
	}
	rec, err := engine.ReadRunRecord(recs[0])
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != engine.StatusSucceeded || len(rec.Tasks) != 4 {
		t.Errorf("record: status %s, %d tasks", rec.Status, len(rec.Tasks))
	}
}

func TestRunFailureExitCodeAndSkips(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	stdout, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "testdata/good/failing.yaml")
	if code != exitFailed {
		t.Fatalf("exit code = %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	golden(t, "run_failing", normalize(stdout, state))
	if !strings.Contains(stderr, "task boom failed") || !strings.Contains(stderr, "exit status 3") {
		t.Errorf("stderr does not explain the failure:\n%s", stderr)
	}
}

func TestRunParamsAndTemplates(t *testing.T) {
	t.Setenv("HOTPASS_TEST_GREETING", "s3cr3t-greeting")
	state := t.TempDir()
	stdout, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state,
		"--param", "region=us", "--params", `{"limit": 41}`, "testdata/good/params.yaml")
	if code != exitOK {
		t.Fatalf("exit code = %d\n%s\n%s", code, stdout, stderr)
	}
	logs, _ := filepath.Glob(filepath.Join(state, "runs", "*", "logs", "show.log"))
	if len(logs) != 1 {
		t.Fatalf("task log not found")
	}
	data, _ := os.ReadFile(logs[0])
	if !strings.Contains(string(data), "US 42 a+b ***") {
		t.Errorf("task log should hold the rendered command output with the secret masked:\n%s", data)
	}
	if strings.Contains(string(data), "s3cr3t-greeting") {
		t.Errorf("secret leaked into the task log")
	}
}

func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no spec", []string{"run"}, "accepts 1 arg"},
		{"bad param", []string{"run", "--param", "novalue", "testdata/good/params.yaml"}, "--param takes name=value"},
		{"unknown param", []string{"run", "--param", "regoin=x", "testdata/good/params.yaml"}, `did you mean "region"`},
		{"bad param type", []string{"run", "--param", "limit=ten", "testdata/good/params.yaml"}, "must be an integer"},
		{"bad json", []string{"run", "--params", "{", "testdata/good/params.yaml"}, "--params must be a JSON object"},
		{"unknown flag", []string{"run", "--bogus", "testdata/good/params.yaml"}, "unknown flag"},
		{"missing file", []string{"run", "testdata/good/nope.yaml"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := cli(t, append(tt.args[:1:1], append([]string{"--state-dir", t.TempDir()}, tt.args[1:]...)...)...)
			if code != exitInvalid {
				t.Errorf("exit code = %d, want 2\n%s", code, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestGraph(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"mermaid", "dot"} {
		stdout, stderr, code := cli(t, "graph", "--format", format, "testdata/good/diamond.yaml")
		if code != exitOK {
			t.Fatalf("exit code = %d\n%s", code, stderr)
		}
		golden(t, "graph_"+format, stdout)
	}
}

// TestSchemaFileUpToDate keeps the committed schema (used by editors) equal to
// the one composed from the registered task types.
func TestSchemaFileUpToDate(t *testing.T) {
	t.Parallel()
	stdout, _, code := cli(t, "schema")
	if code != exitOK {
		t.Fatalf("exit code = %d", code)
	}
	committed, err := os.ReadFile("../../schemas/pipeline.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(committed) {
		t.Errorf("schemas/pipeline.schema.json is stale: run `make schema`")
	}
	var doc map[string]any
	if err := json.Unmarshal(committed, &doc); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("schema is not draft 2020-12: %v", doc["$schema"])
	}
}

// TestExamplesDeclareSchema checks the editor hint on every example pipeline spec.
func TestExamplesDeclareSchema(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../examples/*/*.yaml")
	if len(files) == 0 {
		t.Fatal("no example specs")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "\ntasks:") {
			continue // not a pipeline spec (e.g. a linkage model config)
		}
		if !strings.HasPrefix(string(data), "# yaml-language-server: $schema=") {
			t.Errorf("%s does not start with the yaml-language-server $schema comment", f)
		}
	}
}

// TestRunCancelled interrupts a run (as Ctrl-C does through the signal
// context in main): the running command is killed, the run is recorded as
// cancelled, and the exit status is 130.
func TestRunCancelled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := filepath.Join(dir, "slow.yaml")
	if err := os.WriteFile(spec, []byte("version: 1\nname: slow\ntasks:\n  sleep:\n    type: exec\n    with: {command: \"sleep 60\"}\n  after: {type: noop, needs: [sleep]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var out, errb bytes.Buffer
	go func() {
		done <- execute(ctx, []string{"run", "--no-progress", "--state-dir", state, spec}, &out, &errb)
	}()
	// Cancel once the task has started, as a user pressing Ctrl-C would.
	for i := 0; ; i++ {
		if logs, _ := filepath.Glob(filepath.Join(state, "runs", "*", "logs", "sleep.log")); len(logs) == 1 {
			break
		}
		if i > 1000 {
			t.Fatal("task never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	cancel()
	code := <-done
	if code != exitCancelled {
		t.Fatalf("exit code = %d, want %d\n%s", code, exitCancelled, errb.String())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("cancellation took %s", d)
	}
	recs, _ := filepath.Glob(filepath.Join(state, "runs", "*", engine.RunRecordFile))
	rec, err := engine.ReadRunRecord(recs[0])
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != engine.StatusCancelled || rec.Task("sleep").Status != engine.StatusCancelled || rec.Task("after").Status == engine.StatusSucceeded {
		t.Errorf("record after cancel: run %s, sleep %s, after %s", rec.Status, rec.Task("sleep").Status, rec.Task("after").Status)
	}
}

// TestMissingRequiredFlagIsUsageError checks that a required flag left out
// exits 2 and names the flag, as every other usage error does.
func TestMissingRequiredFlagIsUsageError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"resolve", "--no-progress", "--input", "x.csv"}, "required flag(s) --output not set"},
		{[]string{"resolve", "--no-progress"}, "required flag(s) --input, --output not set"},
		{[]string{"linkage", "evaluate"}, "required flag(s) --predictions not set"},
		{[]string{"linkage", "blocking-stats", "--input", "x.csv"}, "required flag(s) --config not set"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			_, stderr, code := cli(t, append(tt.args, "--state-dir", t.TempDir())...)
			if code != exitInvalid || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and %q", code, stderr, exitInvalid, tt.want)
			}
		})
	}
}
