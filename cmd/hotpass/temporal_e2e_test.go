package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/artifacts"
	"github.com/hotpass/hotpass/internal/pgtest"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/temporaltest"
)

// cluster is a Temporal dev server, hotpass worker processes of the built
// binary, a run history they share (PostgreSQL when the tests have a
// server, otherwise SQLite in one state directory) and a file:// artifact
// store, as an operator would set them up on several machines.
type cluster struct {
	t        *testing.T
	bin      string
	addr     string
	queue    string
	stateDir string
	env      []string
	workers  map[string]*exec.Cmd
}

// newCluster sets up one cluster on the server at addr with its own task
// queue, state directory and artifact store; workers are started with
// startWorker.
func newCluster(t *testing.T, bin, addr string) *cluster {
	t.Helper()
	dir := t.TempDir()
	store := filepath.Join(dir, "artifacts")
	if err := os.Mkdir(store, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), temporaltest.Env(addr)...)
	env = append(env, artifacts.EnvURL+"=file://"+store)
	if os.Getenv(pgtest.EnvURL) != "" {
		env = append(env, runstate.EnvDatabaseURL+"="+pgtest.URL(t))
	}
	return &cluster{t: t, bin: bin, addr: addr, queue: "hotpass-e2e-" + strings.ReplaceAll(t.Name(), "/", "-"),
		stateDir: filepath.Join(dir, "state"), env: env, workers: map[string]*exec.Cmd{}}
}

// startWorker starts `hotpass worker` named name (tasks see it as
// $E2E_WORKER) and stops it when the test ends.
func (c *cluster) startWorker(name string) {
	c.t.Helper()
	logPath := filepath.Join(c.t.TempDir(), "worker-"+name+".log")
	out, err := os.Create(logPath)
	if err != nil {
		c.t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(c.bin, "worker", "--task-queue", c.queue, "--state-dir", c.stateDir, "--max-tasks", "8")
	cmd.Env = append(c.env, "E2E_WORKER="+name)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	c.workers[name] = cmd
	c.t.Cleanup(func() {
		temporaltest.Stop(cmd, exited)
		if c.t.Failed() {
			log, _ := os.ReadFile(logPath)
			c.t.Logf("worker %s output:\n%s", name, log)
		}
	})
}

// waitWorkers returns once n workers poll the cluster's task queue.
func (c *cluster) waitWorkers(n int) {
	c.t.Helper()
	temporaltest.WaitPollers(c.t, temporaltest.Dial(c.t, c.addr), c.queue, n)
}

// twoWorkers writes spec to path, starts workers a and b and returns path
// once both poll.
func (c *cluster) twoWorkers(path, spec string) string {
	c.t.Helper()
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.startWorker("a")
	c.startWorker("b")
	c.waitWorkers(2)
	return path
}

// hotpass runs the CLI against the cluster and returns its output and
// exit status.
func (c *cluster) hotpass(ctx context.Context, args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	cmd := exec.CommandContext(ctx, c.bin, append(args, "--state-dir", c.stateDir)...)
	cmd.Env = c.env
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("hotpass %s: %v", strings.Join(args, " "), err)
	}
	return o.String(), e.String(), 0
}

// submit runs spec on the cluster as run runID and fails the test unless
// it succeeds.
func (c *cluster) submit(ctx context.Context, spec, runID string) {
	c.t.Helper()
	stdout, stderr, code := c.hotpass(ctx, "run", spec, "--engine", "temporal", "--task-queue", c.queue, "--run-id", runID, "--no-progress")
	if code != exitOK {
		c.t.Fatalf("run --engine temporal: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// span is one task attempt as the task itself recorded it.
type span struct {
	task, worker string
	start, end   int64 // unix nanoseconds; end is 0 for an attempt that never finished
}

// recordCommand is an exec task's shell command that appends "start" and
// "end" lines with the task id, the worker and the time to log, sleeping
// in between.
func recordCommand(log, id, sleep string) string {
	line := func(what string) string {
		return fmt.Sprintf(`echo "%s %s $E2E_WORKER $(date +%%s%%N)" >> "%s"`, what, id, log)
	}
	return line("start") + "; sleep " + sleep + "; " + line("end")
}

// readSpans parses the log the tasks wrote into attempts by task, in the
// order they started.
func readSpans(t *testing.T, log string) map[string][]span {
	t.Helper()
	f, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spans := map[string][]span{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) != 4 {
			t.Fatalf("%s:%d: %q is not \"start|end TASK WORKER NANOS\"", log, n, sc.Text())
		}
		ns, err := strconv.ParseInt(fields[3], 10, 64)
		if err != nil {
			t.Fatalf("%s:%d: %v", log, n, err)
		}
		id, worker := fields[1], fields[2]
		switch fields[0] {
		case "start":
			spans[id] = append(spans[id], span{task: id, worker: worker, start: ns})
		case "end":
			open := -1
			for i, s := range spans[id] {
				if s.worker == worker && s.end == 0 {
					open = i
				}
			}
			if open < 0 {
				t.Fatalf("%s:%d: task %s ended on %s without starting there", log, n, id, worker)
			}
			spans[id][open].end = ns
		default:
			t.Fatalf("%s:%d: unknown event %q", log, n, fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return spans
}

// maxOverlap is the largest number of spans running at one instant; a span
// that ends at the instant another starts does not overlap it.
func maxOverlap(spans []span) int {
	type event struct {
		at    int64
		delta int
	}
	var evs []event
	for _, s := range spans {
		evs = append(evs, event{s.start, 1}, event{s.end, -1})
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].at != evs[j].at {
			return evs[i].at < evs[j].at
		}
		return evs[i].delta < evs[j].delta
	})
	n, most := 0, 0
	for _, e := range evs {
		n += e.delta
		most = max(most, n)
	}
	return most
}

func TestMaxOverlap(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		spans []span
		want  int
	}{
		{"none", nil, 0},
		{"disjoint", []span{{start: 1, end: 2}, {start: 3, end: 4}}, 1},
		{"touching", []span{{start: 1, end: 2}, {start: 2, end: 3}}, 1},
		{"nested", []span{{start: 1, end: 10}, {start: 2, end: 3}, {start: 4, end: 5}}, 2},
		{"three at once", []span{{start: 1, end: 5}, {start: 2, end: 6}, {start: 3, end: 7}, {start: 6, end: 8}}, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := maxOverlap(tc.spans); got != tc.want {
				t.Fatalf("maxOverlap = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestTemporalCluster runs specs end to end on a real Temporal server with
// `hotpass worker` processes.
func TestTemporalCluster(t *testing.T) {
	t.Parallel()
	bin := hotpassBinary(t)
	addr := temporaltest.Start(t)
	t.Run("keyed DAG on two workers", func(t *testing.T) {
		t.Parallel()
		testKeyedDAG(t, bin, addr)
	})
	t.Run("worker killed mid-task", func(t *testing.T) {
		t.Parallel()
		testWorkerKilled(t, bin, addr)
	})
	t.Run("orchestrate", func(t *testing.T) {
		t.Parallel()
		testOrchestrateOnTemporal(t, bin, addr)
	})
	t.Run("unknown namespace", func(t *testing.T) {
		t.Parallel()
		testUnknownNamespace(t, addr)
	})
}

// testUnknownNamespace submits and starts a worker against a namespace the
// server does not have: both stop at once with exit 2, naming the
// namespace and how to create it, and no run is recorded.
func testUnknownNamespace(t *testing.T, addr string) {
	spec := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(spec, []byte("version: 1\nname: p\ntasks:\n  a: {type: noop}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	for _, args := range [][]string{
		{"run", spec, "--engine", "temporal"},
		{"worker", "--artifacts", "file://" + t.TempDir()},
	} {
		args = append(args, "--temporal-address", addr, "--namespace", "no-such-namespace", "--state-dir", state)
		_, stderr, code := cli(t, args...)
		if code != exitInvalid {
			t.Errorf("%s: exit %d, want %d\n%s", args[0], code, exitInvalid, stderr)
		}
		for _, want := range []string{`namespace "no-such-namespace" does not exist`, "temporal operator namespace create", "--namespace"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: stderr does not mention %q:\n%s", args[0], want, stderr)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(state, "runs")); !os.IsNotExist(err) {
		t.Errorf("a run directory was made for a run that never started (stat: %v)", err)
	}
}

// testKeyedDAG runs 200 exec tasks, 60 of them on a key limited to 3 and
// half of them needing one of the others, on two workers, and checks from
// the times the tasks recorded that the limit held, that every task ran
// exactly once after what it needs, and that the run history shows the run
// as a local one.
func testKeyedDAG(t *testing.T, bin, addr string) {
	const n, keyed, limit = 200, 60, 3
	c := newCluster(t, bin, addr)
	dir := t.TempDir()
	log := filepath.Join(dir, "tasks.log")
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nname: keyed-dag\nconcurrency:\n  max: 16\n  keys: {crm: %d}\ntasks:\n", limit)
	for i := range n {
		id := fmt.Sprintf("t%03d", i)
		fmt.Fprintf(&b, "  %s:\n    type: exec\n", id)
		sleep := "0"
		if i < keyed {
			// Long enough that keyed tasks queue for permits.
			sleep = "0.1"
			b.WriteString("    concurrency_key: crm\n")
		}
		if i >= n/2 {
			fmt.Fprintf(&b, "    needs: [t%03d]\n", i-n/2)
		}
		fmt.Fprintf(&b, "    with:\n      command: '%s'\n", recordCommand(log, id, sleep))
	}
	spec := c.twoWorkers(filepath.Join(dir, "dag.yaml"), b.String())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const runID = "20261207T220000Z-keyed"
	c.submit(ctx, spec, runID)

	spans := readSpans(t, log)
	var crm []span
	workers := map[string]int{}
	for i := range n {
		id := fmt.Sprintf("t%03d", i)
		s := spans[id]
		if len(s) != 1 || s[0].end == 0 {
			t.Errorf("task %s: %d attempts %v, want exactly one that finished", id, len(s), s)
			continue
		}
		workers[s[0].worker]++
		if i < keyed {
			crm = append(crm, s[0])
		}
		if i >= n/2 {
			need := spans[fmt.Sprintf("t%03d", i-n/2)]
			if len(need) == 1 && s[0].start < need[0].end {
				t.Errorf("task %s started before t%03d, which it needs, ended", id, i-n/2)
			}
		}
	}
	if got := maxOverlap(crm); got > limit {
		t.Errorf("%d tasks with concurrency_key crm ran at once, the limit is %d", got, limit)
	}
	if workers["a"] == 0 || workers["b"] == 0 {
		t.Errorf("tasks by worker = %v, want both workers to have run tasks", workers)
	}

	stdout, stderr, code := c.hotpass(ctx, "runs", "ls", "--format", "json")
	if code != exitOK {
		t.Fatalf("runs ls: exit %d\n%s", code, stderr)
	}
	var ls runListJSON
	if err := json.Unmarshal([]byte(stdout), &ls); err != nil {
		t.Fatalf("runs ls --format json: %v\n%s", err, stdout)
	}
	if len(ls.Runs) != 1 || ls.Runs[0].ID != runID || ls.Runs[0].Status != "succeeded" || ls.Runs[0].Pipeline != "keyed-dag" {
		t.Errorf("runs ls = %+v, want the one succeeded run %s of keyed-dag", ls.Runs, runID)
	}
	stdout, stderr, code = c.hotpass(ctx, "runs", "show", runID, "--format", "json")
	if code != exitOK {
		t.Fatalf("runs show: exit %d\n%s", code, stderr)
	}
	var show struct {
		Status     string     `json:"status"`
		WorkflowID string     `json:"workflow_id"`
		Tasks      []taskJSON `json:"tasks"`
	}
	if err := json.Unmarshal([]byte(stdout), &show); err != nil {
		t.Fatalf("runs show --format json: %v\n%s", err, stdout)
	}
	if show.Status != "succeeded" || show.WorkflowID != "hotpass-"+runID || len(show.Tasks) != n {
		t.Errorf("runs show: status %s, workflow %q, %d tasks; want succeeded, hotpass-%s, %d", show.Status, show.WorkflowID, len(show.Tasks), runID, n)
	}
	for _, tr := range show.Tasks {
		if tr.Status != "succeeded" || tr.Attempts != 1 {
			t.Errorf("runs show: task %s %s after %d attempts, want succeeded after 1", tr.ID, tr.Status, tr.Attempts)
		}
	}
	stdout, _, _ = c.hotpass(ctx, "runs", "show", runID)
	if !strings.Contains(stdout, "hotpass-"+runID) {
		t.Errorf("runs show does not name the workflow hotpass-%s:\n%s", runID, stdout)
	}
}

// testWorkerKilled SIGKILLs the worker running a task and checks that the
// run completes on the other worker and that no task that had succeeded
// ran again.
func testWorkerKilled(t *testing.T, bin, addr string) {
	c := newCluster(t, bin, addr)
	dir := t.TempDir()
	log := filepath.Join(dir, "tasks.log")
	var b strings.Builder
	b.WriteString("version: 1\nname: killed-worker\ntasks:\n")
	var before []string
	for i := range 6 {
		id := fmt.Sprintf("before%d", i)
		before = append(before, id)
		fmt.Fprintf(&b, "  %s:\n    type: exec\n    with:\n      command: '%s'\n", id, recordCommand(log, id, "0"))
	}
	// No retries: an attempt lost with its worker is not one of the
	// task's own, so the default retries: 0 still finishes on the other.
	fmt.Fprintf(&b, "  slow:\n    type: exec\n    needs: [%s]\n    with:\n      command: '%s'\n",
		strings.Join(before, ", "), recordCommand(log, "slow", "3"))
	fmt.Fprintf(&b, "  after:\n    type: exec\n    needs: [slow]\n    with:\n      command: '%s'\n", recordCommand(log, "after", "0"))
	spec := c.twoWorkers(filepath.Join(dir, "killed.yaml"), b.String())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	done := make(chan struct{})
	var stdout, stderr string
	var code int
	go func() {
		defer close(done)
		stdout, stderr, code = c.hotpass(ctx, "run", spec, "--engine", "temporal", "--task-queue", c.queue, "--run-id", "20261207T220000Z-killed", "--no-progress")
	}()

	victim := waitStart(t, ctx, log, "slow", done)
	if err := c.workers[victim].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill worker %s: %v", victim, err)
	}
	<-done
	if code != exitOK {
		t.Fatalf("run: exit %d after worker %s was killed\n%s\n%s", code, victim, stdout, stderr)
	}
	spans := readSpans(t, log)
	for _, id := range append(before, "after") {
		if s := spans[id]; len(s) != 1 || s[0].end == 0 {
			t.Errorf("task %s: attempts %v, want exactly one that finished", id, s)
		}
	}
	if s := spans["after"]; len(s) == 1 && s[0].worker == victim {
		t.Errorf("task after ran on worker %s, which was killed before it started", victim)
	}
	// The first attempt's shell may still finish: SIGKILL ends the worker,
	// not the processes its exec tasks started.
	slow := spans["slow"]
	if len(slow) != 2 || slow[0].worker != victim || slow[1].end == 0 || slow[1].worker == victim {
		t.Errorf("task slow: attempts %v, want one on %s and one that finished on the other worker", slow, victim)
	}
}

// waitStart waits until task has recorded its start in log and returns the
// worker it started on. It fails the test if the run ends first.
func waitStart(t *testing.T, ctx context.Context, log, task string, runDone <-chan struct{}) string {
	t.Helper()
	for {
		if data, err := os.ReadFile(log); err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if f := strings.Fields(line); len(f) == 4 && f[0] == "start" && f[1] == task {
					return f[2]
				}
			}
		}
		select {
		case <-runDone:
			t.Fatalf("the run ended before task %s started", task)
		case <-ctx.Done():
			t.Fatalf("task %s did not start: %v", task, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// testOrchestrateOnTemporal runs the aviation profile on one worker and
// checks that the workbook was written.
func testOrchestrateOnTemporal(t *testing.T, bin, addr string) {
	c := newCluster(t, bin, addr)
	c.startWorker("a")
	c.waitWorkers(1)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	data, err := filepath.Abs("../../examples/aviation/data")
	if err != nil {
		t.Fatal(err)
	}
	workbook := filepath.Join(out, "refined.xlsx")
	stdout, stderr, code := c.hotpass(ctx, "orchestrate", "--engine", "temporal", "--task-queue", c.queue, "--no-progress",
		"--profile", "aviation", "--input-dir", data, "--output", workbook)
	if code != exitOK {
		t.Fatalf("orchestrate --engine temporal: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if fi, err := os.Stat(workbook); err != nil || fi.Size() == 0 {
		t.Fatalf("workbook %s not written: %v", workbook, err)
	}
	if !strings.Contains(stdout, "workbook: "+workbook) {
		t.Errorf("output does not say where the workbook landed:\n%s", stdout)
	}
}
