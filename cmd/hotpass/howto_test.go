package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/storetest"
)

// howto runs hotpass with args exactly as an operator types them, in dir,
// and returns its output.
func howto(t *testing.T, bin, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOTPASS_HOME=", store.EnvDatabaseURL+"=")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The operator how-to's deployment, verbatim, in an empty directory: the
// aviation profile deployed nightly, then run now with its contact
// sources refreshed.
func TestHowToDeployProfileRefreshContacts(t *testing.T) {
	t.Parallel()
	bin := hotpassBinary(t)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"deploy", "--name", "hotpass-prod", "--profile", "aviation", "--schedule", "0 2 * * *"},
		{"deployment", "run", "hotpass-prod", "--params", `{"refresh_contacts": true}`},
	} {
		if out, err := howto(t, bin, dir, args...); err != nil {
			t.Fatalf("hotpass %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	st := storetest.OpenAt(t, filepath.Join(dir, ".hotpass", storeFile))
	runs, err := st.ListRuns(context.Background(), store.RunFilter{Deployment: "hotpass-prod"})
	if err != nil || len(runs) != 1 || runs[0].Status != store.RunPending || !strings.Contains(string(runs[0].Params), `"refresh_contacts":true`) {
		t.Errorf("queued runs of hotpass-prod: %+v (%v); want one pending run with refresh_contacts true", runs, err)
	}
}

// refresh_contacts makes a resumed run of a profile's pipeline read the
// sources again instead of reusing the earlier refined table.
func TestRefreshContactsRereadsOnResume(t *testing.T) {
	t.Parallel()
	bin := hotpassBinary(t)
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "data"), os.DirFS("../../examples/aviation/data")); err != nil {
		t.Fatal(err)
	}
	spec, err := exec.Command(bin, "orchestrate", "--profile", "aviation", "--print-spec").Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "aviation.yaml"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		runID string
		args  []string
		// reused says whether refine reused the first run's output.
		reused bool
	}{
		{"first", nil, false},
		{"again", []string{"--resume", "first"}, true},
		{"fresh", []string{"--resume", "first", "--param", "refresh_contacts=true"}, false},
	}
	for _, s := range steps {
		args := append([]string{"run", "--no-progress", "--run-id", s.runID, "aviation.yaml"}, s.args...)
		if out, err := howto(t, bin, dir, args...); err != nil {
			t.Fatalf("hotpass %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		rec, err := engine.ReadRunRecord(filepath.Join(dir, ".hotpass", "runs", s.runID, "run.json"))
		if err != nil {
			t.Fatal(err)
		}
		refine := rec.Task("refine")
		if got := refine != nil && refine.Attrs[engine.ReusedFromAttr] != nil; got != s.reused || refine.Status != engine.StatusSucceeded {
			t.Errorf("run %s: refine reused = %v, status %v; want reused %v and succeeded", s.runID, got, refine.Status, s.reused)
		}
	}
}
