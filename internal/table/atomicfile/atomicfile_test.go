package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// TestNoReplaceRace commits files to one path from many goroutines at once
// with NoReplace: exactly one lands, the others are told the path exists,
// and no temporary file is left.
func TestNoReplaceRace(t *testing.T) {
	t.Parallel()
	const writers = 16
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	errs := make([]error, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = WriteFile(path, []byte(fmt.Sprintf("writer %d\n", i)), NoReplace())
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner < 0:
			winner = i
		case err == nil:
			t.Errorf("writers %d and %d both committed", winner, i)
		case !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), path+" already exists"):
			t.Errorf("writer %d: %v, want an error wrapping fs.ErrExist naming %s", i, err, path)
		}
	}
	if got, _ := os.ReadFile(path); winner < 0 || string(got) != fmt.Sprintf("writer %d\n", winner) {
		t.Errorf("file holds %q, winner %d", got, winner)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Errorf("directory holds %q, want only out.csv", names)
	}
}

func TestRenameNoReplace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	if err := os.WriteFile(src, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := RenameNoReplace(src, dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "new" {
		t.Errorf("dst = %q", got)
	}
	if _, err := os.Stat(src); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("src still there: %v", err)
	}
	if err := os.WriteFile(src, []byte("newer"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := RenameNoReplace(src, dst); !errors.Is(err, fs.ErrExist) {
		t.Errorf("over an existing file: %v, want fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "new" {
		t.Errorf("dst replaced: %q", got)
	}
}

// ReplaceDir puts a finished tree in place whether or not one is already
// there, and leaves nothing else behind: no temporary name, no old tree.
func TestReplaceDir(t *testing.T) {
	t.Parallel()
	for _, existing := range []bool{false, true} {
		t.Run(fmt.Sprintf("existing=%v", existing), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dest := filepath.Join(dir, "tree")
			if existing {
				if err := os.MkdirAll(filepath.Join(dest, "old"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dest, "old", "a.csv"), []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			tmp, err := TempDir(dest)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, "b.csv"), []byte("new"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := ReplaceDir(tmp, dest); err != nil {
				t.Fatalf("ReplaceDir: %v", err)
			}
			if got := listDir(t, dir); len(got) != 1 || got[0] != "tree" {
				t.Errorf("directory holds %v, want only tree", got)
			}
			if got := listDir(t, dest); len(got) != 1 || got[0] != "b.csv" {
				t.Errorf("tree holds %v, want only b.csv", got)
			}
		})
	}
}

// When the new tree cannot be put in place the old one stays where it was.
func TestReplaceDirKeepsOldTreeOnFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dest := filepath.Join(dir, "tree")
	if err := os.Mkdir(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dest, "a.csv"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, ".tree.tmp-gone")
	if err := ReplaceDir(missing, dest); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReplaceDir(missing) = %v, want ErrNotExist", err)
	}
	if got := listDir(t, dir); len(got) != 1 || got[0] != "tree" {
		t.Errorf("directory holds %v, want only tree", got)
	}
	if b, err := os.ReadFile(filepath.Join(dest, "a.csv")); err != nil || string(b) != "old" {
		t.Errorf("old tree: %q, %v", b, err)
	}
}

// A private file is its owner's alone from the moment its temporary file
// exists, whatever the umask.
func TestPrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "key")
	f, err := Create(path, Private())
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(f.TempName()); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("temporary file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	if _, err := f.WriteString("secret"); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("committed file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
}
