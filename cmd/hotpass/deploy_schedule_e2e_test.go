package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runstate"
	hptemporal "github.com/hotpass/hotpass/internal/temporal"
	"github.com/hotpass/hotpass/internal/temporaltest"
)

// startWorker starts a `hotpass worker` subprocess on queue with its own
// state directory, recording into the SQLite history at db, and stops it
// when the test ends.
func startWorker(t *testing.T, bin, addr, queue, arts, db string) {
	t.Helper()
	cmd := exec.Command(bin, "worker", "--temporal-address", addr, "--task-queue", queue, "--artifacts", arts,
		"--state-dir", t.TempDir())
	cmd.Env = append(os.Environ(), runstate.EnvDatabaseURL+"="+db)
	logf, err := os.Create(filepath.Join(t.TempDir(), "worker.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			out, _ := os.ReadFile(logf.Name())
			t.Logf("worker log:\n%s", out)
		}
		logf.Close()
	})
}

// deploymentRuns lists the runs of deployment name as `hotpass runs ls`
// prints them.
func deploymentRuns(t *testing.T, state, name string) []runJSON {
	t.Helper()
	stdout, stderr, code := cli(t, "runs", "ls", "--format", "json", "--state-dir", state)
	if code != exitOK {
		t.Fatalf("runs ls: exit %d\n%s", code, stderr)
	}
	var out struct {
		Runs []runJSON `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("runs ls: %v\n%s", err, stdout)
	}
	var mine []runJSON
	for _, r := range out.Runs {
		if r.Deployment != nil && *r.Deployment == name {
			mine = append(mine, r)
		}
	}
	return mine
}

// TestDeploymentFiredByTemporalSchedule deploys on the temporal engine with
// a schedule that fires every second, lets a real worker subprocess run
// the fires, then pauses and deletes the deployment and checks the
// Temporal Schedule follows.
func TestDeploymentFiredByTemporalSchedule(t *testing.T) {
	addr := temporaltest.Start(t)
	bin := hotpassBinary(t)
	state := t.TempDir()
	db := runstate.New(state).Database()
	if err := runstate.New(state).MakeHome(); err != nil {
		t.Fatal(err)
	}
	arts := "file://" + t.TempDir()
	queue := "deploy-schedule-e2e"
	spec := filepath.Join(t.TempDir(), "tick.yaml")
	src := "version: 1\nname: tick\ntasks:\n  hello:\n    type: exec\n    with: {command: \"echo fired by the schedule\"}\n  after: {type: noop, needs: [hello]}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	startWorker(t, bin, addr, queue, arts, db)
	conn := []string{"--temporal-address", addr, "--task-queue", queue, "--state-dir", state}

	stdout, stderr, code := cli(t, append([]string{"deploy", "--name", "tick", "--spec", spec, "--schedule", "@every 1s",
		"--engine", "temporal"}, conn...)...)
	if code != exitOK {
		t.Fatalf("deploy: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, hptemporal.ScheduleID("tick")) {
		t.Errorf("deploy does not name the Temporal schedule:\n%s", stdout)
	}
	stdout, _, _ = cli(t, "deployment", "show", "tick", "--state-dir", state)
	if !strings.Contains(stdout, "engine:") || !strings.Contains(stdout, "temporal") {
		t.Errorf("deployment show does not say the engine:\n%s", stdout)
	}

	// A fire runs on the worker and is recorded with its deployment, how
	// it started and the workflow the schedule started.
	var done runJSON
	deadline := time.Now().Add(90 * time.Second)
	for done.ID == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no succeeded run of deployment tick within 90s; runs: %+v", deploymentRuns(t, state, "tick"))
		}
		for _, r := range deploymentRuns(t, state, "tick") {
			if r.Status == string(store.RunSucceeded) {
				done = r
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	if done.WorkflowID == nil || !strings.HasPrefix(*done.WorkflowID, hptemporal.ScheduleID("tick")) {
		t.Errorf("run %s: workflow id %v, want one started by schedule %s", done.ID, done.WorkflowID, hptemporal.ScheduleID("tick"))
	}
	if done.SpecPath == nil || *done.SpecPath != spec {
		t.Errorf("run %s: spec path %v, want %s", done.ID, done.SpecPath, spec)
	}
	stdout, stderr, code = cli(t, "runs", "logs", done.ID, "hello", "--state-dir", state, "--artifacts", arts)
	if code != exitOK || !strings.Contains(stdout, "fired by the schedule") {
		t.Errorf("runs logs of a scheduled run: exit %d\n%s%s", code, stdout, stderr)
	}

	// Paused: once a run that was already starting has been recorded, no
	// further fires.
	if _, stderr, code := cli(t, append([]string{"deployment", "pause", "tick"}, conn...)...); code != exitOK {
		t.Fatalf("pause: exit %d\n%s", code, stderr)
	}
	c := dialTemporal(t, addr)
	desc, err := c.ScheduleClient().GetHandle(context.Background(), hptemporal.ScheduleID("tick")).Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !desc.Schedule.State.Paused {
		t.Error("the Temporal schedule is not paused after deployment pause")
	}
	time.Sleep(3 * time.Second)
	before := len(deploymentRuns(t, state, "tick"))
	time.Sleep(4 * time.Second)
	if after := len(deploymentRuns(t, state, "tick")); after != before {
		t.Errorf("%d runs started while paused", after-before)
	}

	// Run now, without --wait: started on the cluster, not queued for
	// serve, and it runs under its own workflow while the schedule sleeps.
	stdout, stderr, code = cli(t, append([]string{"deployment", "run", "tick"}, conn...)...)
	m := regexp.MustCompile(`started run (\S+) on Temporal \(workflow (\S+),`).FindStringSubmatch(stdout)
	if code != exitOK || m == nil {
		t.Fatalf("deployment run without --wait: exit %d\n%s%s", code, stdout, stderr)
	}
	manual := m[1]
	if m[2] != hptemporal.WorkflowID(manual) {
		t.Errorf("deployment run started workflow %s, want %s", m[2], hptemporal.WorkflowID(manual))
	}
	var got runJSON
	for deadline := time.Now().Add(90 * time.Second); got.Status != string(store.RunSucceeded); time.Sleep(300 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("run %s did not succeed within 90s: %+v", manual, got)
		}
		for _, r := range deploymentRuns(t, state, "tick") {
			if r.ID == manual {
				got = r
			}
		}
	}
	if got.WorkflowID == nil || *got.WorkflowID != hptemporal.WorkflowID(manual) {
		t.Errorf("run %s: workflow id %v, want %s", manual, got.WorkflowID, hptemporal.WorkflowID(manual))
	}

	if _, stderr, code := cli(t, append([]string{"deployment", "rm", "tick"}, conn...)...); code != exitOK {
		t.Fatalf("rm: exit %d\n%s", code, stderr)
	}
	_, err = c.ScheduleClient().GetHandle(context.Background(), hptemporal.ScheduleID("tick")).Describe(context.Background())
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("describe after rm: %v, want the schedule gone", err)
	}
}

// dialTemporal connects to the dev server at addr for the test's checks.
func dialTemporal(t *testing.T, addr string) client.Client {
	t.Helper()
	c, err := hptemporal.Conn{Address: addr}.Dial(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestDeployTemporalUnreachableSavesNothing: a temporal deployment whose
// schedule cannot be made is not saved, so that nothing looks deployed
// that will never fire, and an embedded one moved to temporal stays as it
// was.
func TestDeployTemporalUnreachableSavesNothing(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	spec := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(spec, []byte("version: 1\nname: p\ntasks:\n  a: {type: noop}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := closedAddr(t)
	_, stderr, code := cli(t, "deploy", "--name", "nightly", "--spec", spec, "--schedule", "@daily", "--engine", "temporal",
		"--temporal-address", addr, "--state-dir", state)
	if code != exitInvalid || !strings.Contains(stderr, "cannot reach Temporal at "+addr) {
		t.Fatalf("deploy with Temporal down: exit %d, want %d naming %s\n%s", code, exitInvalid, addr, stderr)
	}
	stdout, _, _ := cli(t, "deployment", "ls", "--state-dir", state)
	if strings.Contains(stdout, "nightly") {
		t.Errorf("deployment saved although its schedule was not made:\n%s", stdout)
	}

	// Saved as embedded, then moved to temporal while Temporal is down:
	// the record keeps its engine.
	if _, stderr, code := cli(t, "deploy", "--name", "nightly", "--spec", spec, "--schedule", "@daily", "--state-dir", state); code != exitOK {
		t.Fatalf("deploy embedded: exit %d\n%s", code, stderr)
	}
	cli(t, "deploy", "--name", "nightly", "--spec", spec, "--schedule", "@daily", "--engine", "temporal",
		"--temporal-address", addr, "--state-dir", state)
	stdout, _, _ = cli(t, "deployment", "show", "nightly", "--format", "json", "--state-dir", state)
	var d deploymentJSON
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if d.Engine != engineEmbedded {
		t.Errorf("engine after a failed move to temporal = %q, want %q", d.Engine, engineEmbedded)
	}
	if _, stderr, code := cli(t, "deploy", "--name", "nightly", "--spec", spec, "--engine", "kubernetes", "--state-dir", state); code != exitInvalid || !strings.Contains(stderr, "--engine") {
		t.Errorf("unknown engine: exit %d\n%s", code, stderr)
	}
}

// A temporal deployment run with --wait goes to the cluster unless
// --engine says otherwise; embedded is still a choice.
func TestDeploymentRunWaitFollowsItsEngine(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	spec := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(spec, []byte("version: 1\nname: p\ntasks:\n  a: {type: noop}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := cli(t, "deploy", "--name", "nightly", "--spec", spec, "--state-dir", state); code != exitOK {
		t.Fatalf("deploy: exit %d\n%s", code, stderr)
	}
	// Made temporal behind the CLI's back: deploy would need a server.
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(state, storeFile), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.GetDeployment(ctx, "nightly")
	if err != nil {
		t.Fatal(err)
	}
	d.Engine = store.EngineTemporal
	if _, err := st.PutDeployment(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	addr := closedAddr(t)
	if _, stderr, code := cli(t, "deployment", "run", "nightly", "--wait", "--no-progress", "--temporal-address", addr, "--state-dir", state); code != exitInvalid || !strings.Contains(stderr, "cannot reach Temporal at "+addr) {
		t.Errorf("--wait on a temporal deployment: exit %d, want %d naming %s\n%s", code, exitInvalid, addr, stderr)
	}
	if _, stderr, code := cli(t, "deployment", "run", "nightly", "--wait", "--no-progress", "--engine", "embedded", "--state-dir", state); code != exitOK {
		t.Errorf("--engine embedded --wait: exit %d\n%s", code, stderr)
	}
	// Without --wait a temporal deployment is started on the cluster, not
	// queued for serve, which never runs it: no server, no run.
	before := len(deploymentRuns(t, state, "nightly"))
	if _, stderr, code := cli(t, "deployment", "run", "nightly", "--temporal-address", addr, "--state-dir", state); code != exitInvalid || !strings.Contains(stderr, "cannot reach Temporal at "+addr) {
		t.Errorf("a temporal deployment without --wait: exit %d, want %d naming %s\n%s", code, exitInvalid, addr, stderr)
	}
	if after := len(deploymentRuns(t, state, "nightly")); after != before {
		t.Errorf("%d runs queued for a temporal deployment that could not start", after-before)
	}
	stdout, stderr, code := cli(t, "deployment", "run", "nightly", "--engine", "embedded", "--state-dir", state)
	if code != exitOK || !strings.Contains(stdout, "queued run") {
		t.Errorf("--engine embedded without --wait: exit %d, want the run queued for serve\n%s%s", code, stdout, stderr)
	}
}
