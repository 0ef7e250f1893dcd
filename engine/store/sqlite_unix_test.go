//go:build unix

package store

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// envReadOnlyDB hands the database path to the unprivileged child process
// of TestSQLiteReadOnly.
const envReadOnlyDB = "HOTPASS_STORE_TEST_READONLY_DB"

// checkReadOnly asserts that a database this process cannot write still
// reads, and that writing fails with ErrReadOnly naming the file.
func checkReadOnly(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	s, err := OpenSQLite(ctx, path, SQLiteOptions{})
	if err != nil {
		t.Logf("open: %v", err)
		wantErr(t, err, ErrReadOnly, path, "writable")
		return
	}
	defer s.Close()
	if _, err := s.GetRun(ctx, "r"); err != nil {
		t.Errorf("reading a read-only database: %v", err)
	}
	_, err = s.CreateRun(ctx, Run{ID: "r2", Pipeline: "p"})
	t.Logf("write: %v", err)
	wantErr(t, err, ErrReadOnly, path, "writable")
}

// TestSQLiteReadOnlyChild is the unprivileged half of TestSQLiteReadOnly;
// it does nothing unless started by it.
func TestSQLiteReadOnlyChild(t *testing.T) {
	path := os.Getenv(envReadOnlyDB)
	if path == "" {
		t.Skip("helper process for TestSQLiteReadOnly")
	}
	checkReadOnly(t, path)
}

// TestSQLiteReadOnly opens a database in a directory the process cannot
// write. Root writes anywhere, so as root the check runs in a child process
// with the nobody user's ids.
func TestSQLiteReadOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "db", "hotpass.db")
	s, err := OpenSQLite(context.Background(), path, SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, Run{ID: "r", Pipeline: "p"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	dbDir := filepath.Dir(path)
	entries, err := os.ReadDir(dbDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Chmod(filepath.Join(dbDir, e.Name()), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{filepath.Dir(dir), dir, dbDir} {
		if err := os.Chmod(d, 0o555); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, d := range []string{filepath.Dir(dir), dir, dbDir} {
			_ = os.Chmod(d, 0o755) // so that TempDir's cleanup can remove it
		}
	})
	if os.Geteuid() != 0 {
		checkReadOnly(t, path)
		return
	}

	// Copy the test binary where the child's user can run it.
	binDir := t.TempDir()
	if err := os.Chmod(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(binDir), 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(binDir, "store.test")
	copyFile(t, os.Args[0], bin, 0o755)
	cmd := exec.Command(bin, "-test.run=^TestSQLiteReadOnlyChild$", "-test.v")
	cmd.Env = append(os.Environ(), envReadOnlyDB+"="+path)
	cmd.Dir = binDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	var pe *os.PathError
	if errors.As(err, &pe) || errors.Is(err, syscall.EPERM) {
		t.Skipf("cannot start a process as nobody to check read-only handling: %v", err)
	}
	t.Logf("child process as nobody:\n%s", out)
	if err != nil || !strings.Contains(string(out), "--- PASS: TestSQLiteReadOnlyChild") {
		t.Fatalf("child process as nobody: %v\n%s", err, out)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
