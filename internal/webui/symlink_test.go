package webui_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
)

// A task's log or kept output that is a symlink leading out of the run
// directory is not served: not on the log page, the download, the live
// tail, the output preview or the output download.
func TestRunFilesSymlinkedOutOfTheRunDirectoryAreNotServed(t *testing.T) {
	t.Parallel()
	const planted = "root:x:0:0:PLANTED"
	f := newFixture(t, "")
	dir := runner.RunDir(f.state, f.failedID)
	outside := filepath.Join(t.TempDir(), "passwd")
	must(t, os.WriteFile(outside, []byte(planted+"\n"), 0o644))
	log := engine.TaskLogPath(dir, "dedupe")
	must(t, os.Remove(log))
	if err := os.Symlink(outside, log); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	must(t, os.Symlink(outside, filepath.Join(dir, "clean.parquet")))
	must(t, f.st.RecordTask(context.Background(), store.TaskRun{RunID: f.failedID, TaskID: "clean", Type: "noop", Status: "succeeded",
		Attempts: 1, Output: "clean.parquet"}))

	c := f.client(t)
	base := "/runs/" + f.failedID + "/tasks/"
	for _, path := range []string{base + "dedupe/log", base + "dedupe/log?offset=0", base + "dedupe/log.txt", base + "clean/output", base + "clean/output/download"} {
		r := f.get(t, c, path)
		if strings.Contains(r.body, planted) || r.code == 200 {
			t.Errorf("GET %s: %d, want a refusal without the linked file's content\n%s", path, r.code, r.body)
		}
	}
	// The live tail of the log ends without sending the linked file.
	r := f.get(t, c, base+"dedupe/log/events?offset=0")
	if strings.Contains(r.body, planted) {
		t.Errorf("the log's live tail sent the linked file:\n%s", r.body)
	}
}
