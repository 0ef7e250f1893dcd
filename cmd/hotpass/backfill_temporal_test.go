package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/temporaltest"
)

// TestBackfillOnTemporal runs the backfill fixture through `backfill
// --engine temporal` and a `hotpass worker` in this process, on a real
// Temporal dev server: the outcome, the summary and the children under the
// backfill in `runs ls --parent` are those of a local backfill; a second
// backfill redoes only the run that failed.
func TestBackfillOnTemporal(t *testing.T) {
	t.Parallel()
	dir, backfillArgs := temporalBackfill(t, "backfill-cli", "--concurrency-limit", "2")
	state := filepath.Join(dir, "state")
	stdout, stderr, code := cli(t, backfillArgs...)
	if code != exitFailed {
		t.Fatalf("backfill: exit %d, want 1 (one run of the fixture fails)\n%s%s", code, stdout, stderr)
	}
	got := summaryRuns(t, dir)
	if want := "2024-01-01=succeeded 2024-01-02=failed 2024-01-03=succeeded 2024-01-04=missing"; strings.Join(got, " ") != want {
		t.Fatalf("summary runs %v, want %s\n%s", got, want, stdout)
	}
	list := func(args ...string) runListJSON { return listRuns(t, state, args...) }
	parents := list("--pipeline", "backfill").Runs
	if len(parents) != 1 || parents[0].Status != "failed" {
		t.Fatalf("backfill runs: %+v, want one failed run", parents)
	}
	var children []string
	for _, r := range list("--parent", parents[0].ID).Runs {
		children = append(children, strings.TrimPrefix(r.ID, parents[0].ID+"-")+"="+r.Status)
	}
	sort.Strings(children)
	if got, want := strings.Join(children, " "), "2024-01-01-1=succeeded 2024-01-02-1=failed 2024-01-03-1=succeeded"; got != want {
		t.Errorf("children of the backfill: %s, want %s", got, want)
	}

	// Again: the succeeded dates are skipped, the failed one runs again.
	stdout, stderr, code = cli(t, backfillArgs...)
	if code != exitFailed {
		t.Fatalf("second backfill: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	if sum := readSummary(t, dir); sum.Skipped != 2 || sum.Failed != 1 {
		t.Errorf("second backfill: %d skipped, %d failed; want 2 skipped (already succeeded), 1 failed\n%s", sum.Skipped, sum.Failed, stdout)
	}
}

// temporalBackfill starts a Temporal dev server and a worker on queue
// for a new backfill fixture, and returns the fixture's directory and the
// arguments of `backfill --engine temporal` on it, flags appended.
func temporalBackfill(t *testing.T, queue string, flags ...string) (string, []string) {
	t.Helper()
	addr := temporaltest.Start(t)
	dir := backfillDir(t)
	state := filepath.Join(dir, "state")
	conn := startTemporalWorker(t, addr, state, filepath.Join(dir, "artifacts"), queue)
	args := append([]string{"--state-dir", state, "backfill", "--config", filepath.Join(dir, "backfill.yaml"),
		"--no-progress", "--engine", "temporal"}, flags...)
	return dir, append(args, conn...)
}

// startTemporalWorker runs `hotpass worker` in this process until the test
// ends, with a new artifact store directory art, and returns the flags
// that submit to it.
func startTemporalWorker(t *testing.T, addr, state, art, queue string) []string {
	t.Helper()
	if err := os.Mkdir(art, 0o755); err != nil {
		t.Fatal(err)
	}
	conn := []string{"--temporal-address", addr, "--task-queue", queue, "--artifacts", "file://" + art}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		var out, errb bytes.Buffer
		execute(ctx, append([]string{"--state-dir", state, "worker"}, conn...), &out, &errb)
	}()
	t.Cleanup(func() {
		stop()
		<-done
	})
	return conn
}
