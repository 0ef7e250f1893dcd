package runstate

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// fakeRun writes a run directory with a record, kept outputs of size bytes
// each, a log, and a resume.json when resumedFrom is set.
func fakeRun(t *testing.T, l Layout, id, pipeline, status string, started time.Time, outputs int, resumedFrom string) {
	t.Helper()
	dir, err := l.MakeRun(id)
	if err != nil {
		t.Fatal(err)
	}
	rec := fmt.Sprintf(`{"run_id":%q,"pipeline":%q,"status":%q,"started_at":%q,"tasks":[]}`, id, pipeline, status, started.Format(time.RFC3339Nano))
	files := map[string]string{RecordFile: rec, TaskLog("a"): "log\n"}
	for i := range outputs {
		files[fmt.Sprintf("t%d%s", i, OutputExt)] = "0123456789"
	}
	if resumedFrom != "" {
		files[ResumeFile] = fmt.Sprintf(`{"resumed_from":%q,"reused":[]}`, resumedFrom)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(runs []RunInfo) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}

func TestRetention(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Oldest first; p has six runs, q one.
	type run struct{ id, pipeline, status, resumedFrom string }
	runs := []run{
		{"p1", "p", "succeeded", ""},
		{"p2", "p", "failed", ""},
		{"p3", "p", "running", ""}, // crashed: its record still says running
		{"p4", "p", "cancelled", ""},
		{"p5", "p", "succeeded", "p4"},
		{"p6", "p", "succeeded", ""},
		{"q1", "q", "succeeded", ""},
	}
	tests := []struct {
		name   string
		policy Policy
		only   string
		want   []string // runs whose outputs go, newest first
	}{
		{"all, keep 2", Policy{Keep: KeepAll, Runs: 2}, "", []string{"p1"}},
		{"all, keep 1 of p only", Policy{Runs: 1}, "p", []string{"p5", "p1"}},
		{"all, default keeps 20", Policy{}, "", nil},
		{"failed", Policy{Keep: KeepFailed}, "", []string{"q1", "p6", "p5", "p1"}},
		{"none: a resumed run goes too", Policy{Keep: KeepNone}, "p", []string{"p6", "p5", "p4", "p1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := New(t.TempDir())
			for i, r := range runs {
				fakeRun(t, l, r.id, r.pipeline, r.status, t0.Add(time.Duration(i)*time.Hour), 2, r.resumedFrom)
			}
			// A directory without a record is never touched.
			if err := os.MkdirAll(filepath.Join(l.Run("stray")), 0o755); err != nil {
				t.Fatal(err)
			}
			policy := func(string) Policy { return tc.policy }
			dry, err := l.ApplyRetention(tc.only, policy, true)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(dry), tc.want) {
				t.Fatalf("dry run: %v, want %v", ids(dry), tc.want)
			}
			for _, r := range runs {
				if n, _ := KeptSize(l.Run(r.id)); n != 20 {
					t.Fatalf("dry run removed outputs of %s (kept %d)", r.id, n)
				}
			}
			removed, err := l.ApplyRetention(tc.only, policy, false)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(removed), tc.want) {
				t.Errorf("removed %v, want %v", ids(removed), tc.want)
			}
			for _, r := range runs {
				n, err := KeptSize(l.Run(r.id))
				if err != nil {
					t.Fatal(err)
				}
				want := int64(20)
				if slices.Contains(tc.want, r.id) {
					want = 0
				}
				if n != want {
					t.Errorf("%s keeps %d bytes, want %d", r.id, n, want)
				}
				if _, err := os.Stat(l.Record(r.id)); err != nil {
					t.Errorf("%s lost its record: %v", r.id, err)
				}
				if _, err := os.Stat(filepath.Join(l.Run(r.id), TaskLog("a"))); err != nil {
					t.Errorf("%s lost its log: %v", r.id, err)
				}
			}
			// Applying again finds nothing more to remove.
			if again, err := l.ApplyRetention(tc.only, policy, false); err != nil || len(again) != 0 {
				t.Errorf("second pass removed %v (%v)", ids(again), err)
			}
		})
	}
}

func TestKeptSizeMissing(t *testing.T) {
	t.Parallel()
	if n, err := KeptSize(filepath.Join(t.TempDir(), "gone")); n != 0 || err != nil {
		t.Errorf("KeptSize of a missing directory = %d, %v", n, err)
	}
	if runs, err := New(t.TempDir()).ListRuns(); runs != nil || err != nil {
		t.Errorf("ListRuns of an empty state directory = %v, %v", runs, err)
	}
}
