package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestCommitReplacesTargetAtomically(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("new data"); err != nil {
		t.Fatal(err)
	}
	// Until Commit the old content is what readers see.
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("before commit target = %q, want old", got)
	}
	if filepath.Dir(f.TempName()) != dir {
		t.Fatalf("temp file %s not in target directory %s", f.TempName(), dir)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new data" {
		t.Fatalf("after commit target = %q", got)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != Mode {
		t.Errorf("mode = %v, want %v", st.Mode().Perm(), Mode)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only out.csv", names)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit = %v, want nil", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Abort after Commit removed the target: %v", err)
	}
}

func TestAbortRemovesTempAndKeepsTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.parquet")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("directory holds %v after Abort, want nothing", names)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Abort = %v, want ErrClosed", err)
	}
}

func TestCreateInMissingDirectoryFails(t *testing.T) {
	t.Parallel()
	_, err := Create(filepath.Join(t.TempDir(), "missing", "out.csv"))
	if err == nil {
		t.Fatal("Create in a missing directory succeeded")
	}
}
