package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
)

// historyVolatile matches what changes between runs in history output.
var historyVolatile = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ`), "TIME"},
	{regexp.MustCompile(`time=\S+`), "time=T"},
	{regexp.MustCompile(`\{"[^\n]*\}`), "PARAMS"},
}

// jsonVolatile matches what changes between runs in --format json output.
var jsonVolatile = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)"`), `"TIME"`},
	{regexp.MustCompile(`("[a-z_]*seconds"): [0-9.e+-]+`), `$1: SECONDS`},
}

// normalizeJSON hides times and durations in --format json output, after
// checking that the output is one JSON document.
func normalizeJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Errorf("--format json printed invalid JSON: %v\n%s", err, s)
	}
	for _, v := range jsonVolatile {
		s = v.re.ReplaceAllString(s, v.repl)
	}
	return s
}

func normalizeHistory(s, tmp string) string {
	cwd, _ := os.Getwd()
	s = strings.ReplaceAll(s, cwd, "CWD")
	for _, v := range historyVolatile {
		s = v.re.ReplaceAllString(s, v.repl)
	}
	return normalize(s, tmp)
}

// lastRunID returns the newest run id in the state directory's store.
func lastRunID(t *testing.T, state string) string {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(state, storeFile), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.ListRuns(context.Background(), store.RunFilter{Limit: 1})
	if err != nil || len(runs) != 1 {
		t.Fatalf("no run recorded: %v", err)
	}
	return runs[0].ID
}

func TestRunsCommands(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	if _, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "testdata/good/diamond.yaml"); code != exitOK {
		t.Fatalf("run: %d %s", code, stderr)
	}
	if _, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "testdata/good/failing.yaml"); code != exitFailed {
		t.Fatalf("run failing: %d %s", code, stderr)
	}
	id := lastRunID(t, state)
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"runs_ls", []string{"runs", "ls"}, exitOK},
		{"runs_ls_failed", []string{"runs", "ls", "--status", "failed"}, exitOK},
		{"runs_ls_pipeline", []string{"runs", "ls", "--pipeline", "diamond", "--limit", "5"}, exitOK},
		{"runs_ls_none", []string{"runs", "ls", "--deployment", "nope"}, exitOK},
		{"runs_ls_bad_status", []string{"runs", "ls", "--status", "exploded"}, exitInvalid},
		{"runs_show", []string{"runs", "show", id}, exitOK},
		{"runs_show_unknown", []string{"runs", "show", "20200101T000000Z-000000"}, exitInvalid},
		{"runs_ls_json", []string{"runs", "ls", "--format", "json"}, exitOK},
		{"runs_ls_none_json", []string{"runs", "ls", "--deployment", "nope", "--format", "json"}, exitOK},
		{"runs_ls_bad_format", []string{"runs", "ls", "--format", "yaml"}, exitInvalid},
		{"runs_show_json", []string{"runs", "show", id, "--format", "json"}, exitOK},
		{"runs_show_bad_format", []string{"runs", "show", id, "--format", "yaml"}, exitInvalid},
		{"runs_logs", []string{"runs", "logs", id}, exitOK},
		{"runs_logs_task", []string{"runs", "logs", id, "--task", "boom"}, exitOK},
		{"runs_logs_unknown_task", []string{"runs", "logs", id, "--task", "bom"}, exitInvalid},
		{"runs_logs_unknown_run", []string{"runs", "logs", "nope"}, exitInvalid},
		{"runs_prune_none", []string{"runs", "prune", "--older-than", "30d"}, exitOK},
		{"runs_prune_bad_age", []string{"runs", "prune", "--older-than", "30x"}, exitInvalid},
	}
	for _, tt := range tests {
		args := append(tt.args[:len(tt.args):len(tt.args)], "--state-dir", state)
		stdout, stderr, code := cli(t, args...)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", tt.name, code, tt.code, stdout, stderr)
		}
		if strings.HasSuffix(tt.name, "_json") {
			stdout = normalizeJSON(t, stdout)
		}
		golden(t, tt.name, normalizeHistory(transcript(stdout, stderr, code), state))
	}
}

// TestRunsLogsFollow follows a run's log while it runs and returns when
// the run ends.
func TestRunsLogsFollow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	spec := filepath.Join(dir, "talk.yaml")
	src := "version: 1\nname: talk\ntasks:\n  talk:\n    type: exec\n    with: {command: \"echo one; sleep 0.5; echo two\"}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan int)
	go func() {
		_, _, code := cli(t, "run", "--no-progress", "--state-dir", state, "--run-id", "follow-me", spec)
		done <- code
	}()
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(state, "runs", "follow-me", "logs", "talk.log")); err == nil {
			break
		}
		if i > 1000 {
			t.Fatal("task never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stdout, stderr, code := cli(t, "runs", "logs", "--follow", "--state-dir", state, "follow-me")
	if code != exitOK || !strings.Contains(stdout, "one\n") || !strings.Contains(stdout, "two\n") {
		t.Errorf("follow: exit %d\n%s%s", code, stdout, stderr)
	}
	if c := <-done; c != exitOK {
		t.Errorf("run exit %d", c)
	}
}

func TestRunsPruneRemovesOldRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	state := t.TempDir()
	st, err := store.OpenSQLite(ctx, filepath.Join(state, storeFile), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-40 * 24 * time.Hour)
	for _, r := range []store.Run{
		{ID: "old-done", Status: store.RunSucceeded, CreatedAt: old},
		{ID: "old-running", Status: store.RunPending, CreatedAt: old},
		{ID: "new-done", Status: store.RunFailed},
	} {
		r.Pipeline = "p"
		if _, err := st.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(state, "runs", r.ID, "logs"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	_ = st.Close()
	stdout, stderr, code := cli(t, "runs", "prune", "--older-than", "30d", "--state-dir", state)
	if code != exitOK || !strings.HasPrefix(stdout, "pruned 1 runs") {
		t.Fatalf("prune: %d %s %s", code, stdout, stderr)
	}
	for id, want := range map[string]bool{"old-done": false, "old-running": true, "new-done": true} {
		_, err := os.Stat(filepath.Join(state, "runs", id))
		if (err == nil) != want {
			t.Errorf("run directory %s exists = %v, want %v", id, err == nil, want)
		}
	}
}

// resumeSpec writes a three-task spec: first echoes firstMsg, middle fails
// until the marker file exists, last runs after middle.
func resumeSpec(t *testing.T, dir, firstMsg string) string {
	t.Helper()
	path := filepath.Join(dir, "resume.yaml")
	src := fmt.Sprintf(`version: 1
name: resumable
tasks:
  first:
    type: exec
    with: {command: "echo %s"}
  middle:
    type: exec
    needs: [first]
    with: {command: "test -f marker || { echo no marker >&2; exit 1; }"}
  last:
    type: exec
    needs: [middle]
    with: {command: "echo last"}
`, firstMsg)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// taskRuns reads the task runs of a run from the state directory's store.
func taskRuns(t *testing.T, state, id string) map[string]store.TaskRun {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(state, storeFile), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	trs, err := st.ListTasks(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.TaskRun{}
	for _, tr := range trs {
		out[tr.TaskID] = tr
	}
	return out
}

func reusedFrom(tr store.TaskRun) string {
	var attrs map[string]any
	_ = json.Unmarshal(tr.Attrs, &attrs)
	s, _ := attrs[engine.ReusedFromAttr].(string)
	return s
}

func TestRunResume(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	spec := resumeSpec(t, dir, "hello")
	if _, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "--run-id", "r1", spec); code != exitFailed {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "marker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "--run-id", "r2", "--resume", "r1", spec); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	r2 := taskRuns(t, state, "r2")
	if reusedFrom(r2["first"]) != "r1" || r2["first"].Attempts != 0 {
		t.Errorf("first was not reused: %+v", r2["first"])
	}
	for _, id := range []string{"middle", "last"} {
		if tr := r2[id]; tr.Status != "succeeded" || tr.Attempts != 1 || reusedFrom(tr) != "" {
			t.Errorf("%s: %+v, want it run again", id, tr)
		}
	}
	stdout, _, _ := cli(t, "runs", "show", "--state-dir", state, "r2")
	golden(t, "runs_show_resumed", normalizeHistory(stdout, dir))

	// Changing the first task's options invalidates it and, through the
	// definition hashes, everything downstream.
	spec = resumeSpec(t, dir, "changed")
	if _, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "--run-id", "r3", "--resume", "r1", spec); code != exitOK {
		t.Fatalf("resume after change: exit %d\n%s", code, stderr)
	}
	for id, tr := range taskRuns(t, state, "r3") {
		if reusedFrom(tr) != "" || tr.Attempts != 1 {
			t.Errorf("%s reused after its upstream changed: %+v", id, tr)
		}
	}
}

func TestRunResumeErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	if _, _, code := cli(t, "run", "--no-progress", "--state-dir", state, "--run-id", "d1", "testdata/good/diamond.yaml"); code != exitOK {
		t.Fatal("diamond run failed")
	}
	tests := []struct {
		name, resume, want string
	}{
		{"unknown run", "nope", `--resume nope: no such run`},
		{"other pipeline", "d1", `that run is of pipeline "diamond", this spec is "resumable"`},
	}
	for _, tt := range tests {
		_, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "--resume", tt.resume, resumeSpec(t, dir, "x"))
		if code != exitInvalid || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q, want 2 and %q", tt.name, code, stderr, tt.want)
		}
	}
}

// TestCrashAndResume kills `hotpass run` with SIGKILL in the middle of a
// task, then checks that the run shows as crashed, can be resumed, and
// left the database intact.
func TestCrashAndResume(t *testing.T) {
	t.Parallel()
	bin := hotpassBinary(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	spec := filepath.Join(dir, "slow.yaml")
	src := `version: 1
name: slow
tasks:
  first: {type: exec, with: {command: "echo first"}}
  slow:
    type: exec
    needs: [first]
    with: {command: "echo $$ > sleeper.pid; test -f marker || exec sleep 60"}
  last: {type: noop, needs: [slow]}
`
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "--no-progress", "--state-dir", state, "--run-id", "victim", spec)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dir, "sleeper.pid")
	for i := 0; ; i++ {
		if data, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(data), "\n") {
			break
		}
		if i > 2000 {
			_ = cmd.Process.Kill()
			t.Fatal("slow task never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Let the history writer record that first succeeded, then kill.
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// The orphaned sleep would outlive the test: end it by its own pid.
	if data, err := os.ReadFile(pidFile); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}

	stdout, stderr, code := cli(t, "runs", "ls", "--state-dir", state)
	if code != exitOK || !regexp.MustCompile(`victim\s+slow\s+crashed`).MatchString(stdout) {
		t.Fatalf("runs ls after kill: exit %d\n%s%s", code, stdout, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "marker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "run", "--no-progress", "--state-dir", state, "--run-id", "rescue", "--resume", "victim", spec).CombinedOutput()
	if err != nil {
		t.Fatalf("resume of the crashed run: %v\n%s", err, out)
	}
	trs := taskRuns(t, state, "rescue")
	if reusedFrom(trs["first"]) != "victim" || trs["slow"].Attempts != 1 || trs["last"].Status != "succeeded" {
		t.Errorf("resumed tasks: %+v", trs)
	}
	db, err := sql.Open("sqlite", filepath.Join(state, storeFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q %v", check, err)
	}
}

// BenchmarkRunsLs100k lists runs from a store holding 100,000 of them
// (target: under 200 ms per command).
func BenchmarkRunsLs100k(b *testing.B) {
	state := b.TempDir()
	seedRuns(b, state, 100000)
	for _, args := range [][]string{
		{"runs", "ls"},
		{"runs", "ls", "--status", "failed", "--limit", "50"},
		{"runs", "ls", "--pipeline", "p7"},
	} {
		b.Run(strings.Join(args[1:], "_"), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_, stderr, code := cliB(append(args, "--state-dir", state)...)
				if code != exitOK {
					b.Fatal(stderr)
				}
			}
		})
	}
}

func cliB(args ...string) (string, string, int) {
	var out, errb strings.Builder
	code := execute(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// seedRuns fills the state directory's store with n finished runs, in one
// transaction (through CreateRun it would take minutes).
func seedRuns(b *testing.B, state string, n int) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(state, storeFile)
	st, err := store.OpenSQLite(ctx, path, store.SQLiteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	_ = st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	ins, err := tx.Prepare(`INSERT INTO runs (id, pipeline, status, created_at, started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now().Add(-time.Duration(n) * time.Minute)
	statuses := []string{"succeeded", "succeeded", "succeeded", "failed", "cancelled"}
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * time.Minute)
		if _, err := ins.Exec(engine.NewRunID(at), fmt.Sprintf("p%d", i%10), statuses[i%len(statuses)],
			at.UnixMicro(), at.UnixMicro(), at.Add(time.Second).UnixMicro()); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
