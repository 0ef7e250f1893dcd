package exec_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks/exec"
)

func prepare(t *testing.T, dir, with string) (engine.Task, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(with), &doc); err != nil {
		t.Fatal(err)
	}
	task := &specs.Task{ID: "job", Type: "exec", Pos: specs.Pos{File: "p.yaml", Line: 1, Col: 1}}
	if len(doc.Content) > 0 {
		task.With = doc.Content[0]
	}
	return exec.Type{}.Prepare(&specs.Spec{Path: "p.yaml", Dir: dir}, task)
}

func TestPrepareErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		with string
		want []string
	}{
		{"both", "command: echo\nargv: [echo]", []string{`p.yaml:2:1: error: task "job": with.command and with.argv cannot both be given (use command for a shell line, or argv to run a program without a shell)`}},
		{"neither", "env: {A: b}", []string{`p.yaml:1:1: error: task "job": exec needs with.command or with.argv (for example with: {command: "make data"} or with: {argv: [make, data]})`}},
		{"no with", "", []string{`p.yaml:1:1: error: task "job": exec needs with.command or with.argv (for example with: {command: "make data"} or with: {argv: [make, data]})`}},
		{"empty command", "command: '  '", []string{`p.yaml:1:10: error: task "job": with.command: is empty (write the shell command to run)`}},
		{"empty argv", "argv: []", []string{`p.yaml:1:7: error: task "job": with.argv: is empty (give the program first, then its arguments)`}},
		{"empty program", "argv: ['', x]", []string{`p.yaml:1:7: error: task "job": with.argv: the program (first element) is empty`}},
		{"bad timeout and typo", "command: x\ntimeout: soon\ndri: /tmp", []string{
			`p.yaml:2:10: error: task "job": with.timeout: invalid duration "soon" (write a duration like 500ms, 30s, 5m or 1h30m)`,
			`p.yaml:3:1: error: task "job": unknown option with.dri for type "exec" (did you mean "dir"?)`,
		}},
		{"argv not a list", "argv: ls", []string{"p.yaml:1:7: error: task \"job\": with.argv: cannot unmarshal !!str `ls` into []string"}},
		{"bad env name", "command: x\nenv: {'A=B': c}", []string{`p.yaml:2:6: error: task "job": with.env: invalid variable name "A=B" (names must be non-empty and contain no '=')`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := prepare(t, ".", tc.with)
			ds := specs.AsDiagnostics(err)
			if len(ds) != len(tc.want) {
				t.Fatalf("got %v, want %d diagnostics", err, len(tc.want))
			}
			ds.Sort()
			for i, d := range ds {
				if d.Error() != tc.want[i] {
					t.Errorf("\n got %s\nwant %s", d.Error(), tc.want[i])
				}
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for exec's stdout and stderr copiers.
// When onDigit is set it is called once, on the first write that starts
// with a digit (the child's pid).
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	onDigit func()
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.onDigit != nil && len(p) > 0 && p[0] >= '0' && p[0] <= '9' {
		s.onDigit()
		s.onDigit = nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(t *testing.T, ctx context.Context, dir, with string) (*engine.Result, string, error) {
	t.Helper()
	return runOut(t, ctx, dir, with, &syncBuffer{})
}

func runOut(t *testing.T, ctx context.Context, dir, with string, out *syncBuffer) (*engine.Result, string, error) {
	t.Helper()
	task, err := prepare(t, dir, with)
	if err != nil {
		t.Fatal(err)
	}
	env := &engine.Env{TaskID: "job", Attempt: 1, SpecDir: dir, Output: out, Log: slog.New(slog.NewTextHandler(out, nil))}
	res, err := task.Run(ctx, env)
	return res, out.String(), err
}

func TestRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	parentPath := os.Getenv("PATH")
	tests := []struct {
		name     string
		with     string
		wantOut  []string
		wantErr  string
		wantCode int
	}{
		{"shell command", `command: "echo out; echo err >&2"`, []string{"out\n", "err\n"}, "", 0},
		{"argv without shell", `argv: [echo, "$HOME", "a b"]`, []string{"$HOME a b\n"}, "", 0},
		{"env added to parent env", `{command: 'echo "$FOO $PATH"', env: {FOO: bar}}`, []string{"bar " + parentPath + "\n"}, "", 0},
		{"env overrides parent", `{command: 'echo "[$HOME]"', env: {HOME: /mine}}`, []string{"[/mine]\n"}, "", 0},
		{"default dir is the spec dir", `command: pwd`, []string{dir + "\n"}, "", 0},
		{"dir relative to spec dir", `{command: pwd, dir: sub}`, []string{filepath.Join(dir, "sub") + "\n"}, "", 0},
		{"exit status with stderr tail", `command: "echo line1 >&2; echo; echo line2 >&2; echo line3 >&2; exit 3"`, nil,
			"exit status 3; stderr: line1 | line2 | line3", 3},
		{"exit status without stderr", `argv: [false]`, nil, "exit status 1", 1},
		{"missing dir", `{command: pwd, dir: nope}`, nil, "working directory " + filepath.Join(dir, "nope") + " does not exist or is not a directory (with.dir is relative to the spec file)", -2},
		{"missing program", `argv: [hotpass-no-such-program]`, nil, `start hotpass-no-such-program: exec: "hotpass-no-such-program": executable file not found in $PATH`, -2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, out, err := run(t, context.Background(), dir, tc.with)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
				t.Fatalf("err = %v, want %q\noutput:\n%s", err, tc.wantErr, out)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tc.wantCode == -2 {
				return // never started: no exit code
			}
			if res == nil || res.Attrs["exit_code"] != tc.wantCode {
				t.Errorf("result %+v, want exit_code %d", res, tc.wantCode)
			}
		})
	}
}

// pidGone reports whether pid has exited (it may linger as a zombie if
// nothing reaps orphans, which is still a dead process).
func pidGone(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

// waitGone waits for pid to exit; a kill is asynchronous, so the check
// polls, bounded by the test's own deadline rather than a timing assertion.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !pidGone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("child %d still running: the process group was not killed", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func childPID(t *testing.T, out string) int {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if pid, err := strconv.Atoi(strings.TrimSpace(line)); err == nil {
			return pid
		}
	}
	t.Fatalf("no child pid in output:\n%s", out)
	return 0
}

// The shell backgrounds `sleep 60` and waits: killing only the shell would
// leave sleep holding the output pipe for a minute.
const sleeper = `command: "sleep 60 & echo $!; wait"`

func TestTimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	// The timeout leaves the shell ample time to report the child's pid.
	res, out, err := run(t, context.Background(), t.TempDir(), sleeper+"\ntimeout: 1s")
	var te *engine.TimeoutError
	if !errors.As(err, &te) || err.Error() != "timed out after 1s" {
		t.Fatalf("err = %v", err)
	}
	if res.Attrs["exit_code"] != -1 {
		t.Errorf("exit_code %v, want -1 (killed)", res.Attrs["exit_code"])
	}
	waitGone(t, childPID(t, out))
}

func TestCancelKillsProcessGroup(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel once the child is known to exist.
	_, out, err := runOut(t, ctx, t.TempDir(), sleeper, &syncBuffer{onDigit: cancel})
	if err == nil || !errors.Is(err, context.Canceled) || err.Error() != "command cancelled: context canceled" {
		t.Fatalf("err = %v", err)
	}
	waitGone(t, childPID(t, out))
}

// Children left in the group when the command exits are killed too.
func TestStrayChildrenKilled(t *testing.T) {
	t.Parallel()
	_, out, err := run(t, context.Background(), t.TempDir(), `command: "sleep 60 >/dev/null 2>&1 & echo $!"`)
	if err != nil {
		t.Fatal(err)
	}
	waitGone(t, childPID(t, out))
}

func TestSchema(t *testing.T) {
	t.Parallel()
	raw := exec.Type{}.Schema()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("exec.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("exec.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		AdditionalProperties *bool `json:"additionalProperties"`
		Properties           map[string]struct {
			Type        string `json:"type"`
			Description string `json:"description"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.AdditionalProperties == nil || *m.AdditionalProperties {
		t.Error("additionalProperties must be false")
	}
	for name, p := range m.Properties {
		if p.Description == "" || p.Type == "" {
			t.Errorf("property %s lacks a type or description", name)
		}
	}
	tests := []struct {
		doc   string
		valid bool
	}{
		{`{"command": "ls"}`, true},
		{`{"argv": ["ls", "-l"], "env": {"A": "b"}, "dir": "x", "timeout": "5s"}`, true},
		{`{"command": "ls", "argv": ["ls"]}`, false},
		{`{}`, false},
		{`{"command": "ls", "extra": 1}`, false},
		{`{"argv": []}`, false},
	}
	for _, tc := range tests {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); (err == nil) != tc.valid {
			t.Errorf("%s: valid=%v, want %v (%v)", tc.doc, err == nil, tc.valid, err)
		}
	}
}
