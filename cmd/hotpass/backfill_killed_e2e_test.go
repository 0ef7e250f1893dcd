package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/temporaltest"
)

// TestBackfillWorkerKilled runs a backfill of six archives with limit 2 on
// two `hotpass worker` processes and SIGKILLs the worker running a date
// once another date has finished. Every date must end succeeded, and no
// date that had finished before the kill may run again.
func TestBackfillWorkerKilled(t *testing.T) {
	t.Parallel()
	bin := hotpassBinary(t)
	addr := temporaltest.Start(t)
	c := newCluster(t, bin, addr)
	dir := t.TempDir()
	log := filepath.Join(dir, "tasks.log")
	dates := []string{"2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"}
	cfg := filepath.Join(dir, "backfill.yaml")
	config := strings.Replace(backfillConfig, "end_date: 2024-01-04", "end_date: 2024-01-06", 1)
	pipeline := "version: 1\nname: replay\nparams:\n  input_dir: {type: string}\n  output_path: {type: string}\n" +
		"tasks:\n  work:\n    type: exec\n    with:\n      command: '" + recordCommand(log, "{{ run.date }}", "2") + "'\n"
	for name, body := range map[string]string{"backfill.yaml": config, "pipeline.yaml": pipeline, "in/orgs.csv": "id,name\n1,Skyward\n"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range dates {
		stdout, stderr, code := cli(t, "archive", "--config", cfg, "--input-dir", filepath.Join(dir, "in"), "--date", d, "--version", "1")
		if code != exitOK {
			t.Fatalf("archive %s: exit %d\n%s%s", d, code, stdout, stderr)
		}
	}
	c.startWorker("a")
	c.startWorker("b")
	c.waitWorkers(2)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	done := make(chan struct{})
	var stdout, stderr string
	var code int
	go func() {
		defer close(done)
		stdout, stderr, code = c.hotpass(ctx, "backfill", "--config", cfg, "--no-progress", "--engine", "temporal",
			"--task-queue", c.queue, "--concurrency-limit", "2")
	}()

	// Kill the worker of a date still running once some date has finished
	// and both slots are taken again.
	var victim string
	var finished []string
	for victim == "" {
		if data, err := os.ReadFile(log); err == nil {
			running := map[string]string{}
			finished = nil
			for _, line := range strings.Split(string(data), "\n") {
				f := strings.Fields(line)
				switch {
				case len(f) == 4 && f[0] == "start":
					running[f[1]] = f[2]
				case len(f) == 4 && f[0] == "end":
					delete(running, f[1])
					finished = append(finished, f[1])
				}
			}
			// A date's task logs "end" before its worker reports the
			// activity done; killed in between, the date runs again, as it
			// should. With both slots taken after a date ended, every
			// ended date's child run has completed (a slot is handed on
			// only then), so none of them may run again.
			if len(finished) > 0 && len(running) == 2 {
				for _, w := range running {
					victim = w
				}
			}
		}
		if victim != "" {
			break
		}
		select {
		case <-done:
			t.Fatalf("the backfill ended before a worker could be killed: exit %d\n%s%s", code, stdout, stderr)
		case <-ctx.Done():
			t.Fatalf("no date finished while another ran: %v", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := c.workers[victim].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill worker %s: %v", victim, err)
	}
	<-done
	if code != exitOK {
		t.Fatalf("backfill: exit %d after worker %s was killed\n%s\n%s", code, victim, stdout, stderr)
	}
	got := summaryRuns(t, dir)
	var want []string
	for _, d := range dates {
		want = append(want, d+"=succeeded")
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("summary runs %v, want %v", got, want)
	}
	spans := readSpans(t, log)
	for _, d := range dates {
		if s := spans[d]; len(s) == 0 || s[len(s)-1].end == 0 {
			t.Errorf("date %s: attempts %v, want the last one finished", d, s)
		}
	}
	for _, d := range finished {
		if s := spans[d]; len(s) != 1 {
			t.Errorf("date %s finished before worker %s was killed but ran %d times: %v", d, victim, len(s), s)
		}
	}
	if t.Failed() {
		t.Logf("backfill output:\n%s\n%s", stdout, stderr)
	}
}

// summaryRuns reads the backfill summary under dir's restore root and
// returns its runs as DATE=STATUS.
func summaryRuns(t *testing.T, dir string) []string {
	t.Helper()
	var got []string
	for _, r := range readSummary(t, dir).Runs {
		got = append(got, r.Date+"="+string(r.Status))
	}
	return got
}
