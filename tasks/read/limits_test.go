package read_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLimitsOption sets the limits option of a read task or of its
// datasource: a file past a limit fails the run with the limit named, a
// raised limit lets it through, and a key that is unknown or does not
// apply to the format is a spec error at its position.
func TestLimitsOption(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wide := "a,b,c,d\n1,2,3,4\n"
	long := "id,note\n1," + strings.Repeat("n", 300) + "\n"
	jsonl := `{"id": 1, "note": "` + strings.Repeat("j", 300) + `"}` + "\n"
	for name, content := range map[string]string{"wide.csv": wide, "long.csv": long, "long.jsonl": jsonl} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, with, ds string
		want           []string // in the run error; nil: the read succeeds
		specErr        bool
	}{
		{"columns over the limit", "path: wide.csv, limits: {max_columns: 3}", "", []string{"wide.csv:1", "4 columns", "max_columns"}, false},
		{"columns within the limit", "path: wide.csv, limits: {max_columns: 4}", "", nil, false},
		{"csv value over the limit", "path: long.csv, limits: {max_field_bytes: 100}", "", []string{"long.csv:2", `"note"`, "max_field_bytes"}, false},
		{"csv record over the limit", "path: long.csv, limits: {max_row_bytes: 200}", "", []string{"long.csv:2", "max_row_bytes"}, false},
		{"jsonl value over the limit", "path: long.jsonl, limits: {max_field_bytes: 100}", "", []string{"long.jsonl:1", `"note"`, "max_field_bytes"}, false},
		{"size with a unit", "path: long.csv, limits: {max_field_bytes: 1KiB}", "", nil, false},
		{"datasource limit", "source: src", "{type: csv, path: wide.csv, limits: {max_columns: 2}}", []string{"max_columns"}, false},
		{"task overrides the datasource", "source: src, limits: {max_columns: 10}", "{type: csv, path: wide.csv, limits: {max_columns: 2}}", nil, false},
		{"unknown key", "path: wide.csv, limits: {max_colums: 3}", "", []string{"max_colums", `did you mean "max_columns"`}, true},
		{"key of another format", "path: wide.csv, limits: {max_cells: 3}", "", []string{"max_cells does not apply to csv"}, true},
		{"not a size", "path: wide.csv, limits: {max_field_bytes: lots}", "", []string{"limits.max_field_bytes", `"lots"`}, true},
		{"over the Parquet column limit", "path: wide.csv, limits: {max_columns: 70000}", "", []string{"65535"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sub := t.TempDir()
			for _, f := range []string{"wide.csv", "long.csv", "long.jsonl"} {
				if err := os.Symlink(filepath.Join(dir, f), filepath.Join(sub, f)); err != nil {
					t.Fatal(err)
				}
			}
			src := "version: 1\nname: limits\n"
			if tt.ds != "" {
				src += "datasources:\n  src: " + tt.ds + "\n"
			}
			src += "tasks:\n  load: {type: read, with: {" + tt.with + "}}\n"
			rec, err := runSpec(t, sub, src, nil)
			if tt.specErr {
				if err == nil {
					t.Fatalf("spec accepted, want an error with %q", tt.want)
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("spec error %q lacks %q", err, w)
					}
				}
				return
			}
			if rec == nil {
				t.Fatal(err)
			}
			task := rec.Task("load")
			if tt.want == nil {
				if task.Status != "succeeded" {
					t.Fatalf("read %s: %s", task.Status, task.Error)
				}
				return
			}
			if task.Status != "failed" {
				t.Fatalf("read %s, want failed with %q", task.Status, tt.want)
			}
			t.Log(task.Error)
			for _, w := range tt.want {
				if !strings.Contains(task.Error, w) {
					t.Errorf("error %q lacks %q", task.Error, w)
				}
			}
		})
	}
}
