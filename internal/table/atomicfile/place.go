package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

// createTemp creates ".<base>.tmp-<pid>-<random>" in dir with perm (less
// the umask). os.CreateTemp would force mode 0600 and need a chmod that
// ignores the umask.
func createTemp(dir, base string, perm os.FileMode) (*os.File, error) {
	prefix := filepath.Join(dir, tempPrefix(base))
	for try := 0; ; try++ {
		name := prefix + strconv.FormatUint(uint64(randomSuffix()), 10)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if err == nil || !errors.Is(err, fs.ErrExist) || try == 100 {
			return f, err
		}
	}
}

// tempPrefix is the start of the temporary names this process uses for base.
func tempPrefix(base string) string {
	return "." + base + ".tmp-" + strconv.Itoa(os.Getpid()) + "-"
}

// randomSuffix is the random part of a temporary name; O_EXCL makes a
// clash an error, and the caller tries another.
func randomSuffix() uint32 { return rand.Uint32() }

// TempDir creates a directory ".<base>.tmp-<pid>-<random>" next to path,
// for writers that build several files, or a file through a writer of their
// own, before putting the result in place. Like Create it sweeps the
// directory first, and a TempDir left behind by a crash is swept like any
// temporary file.
func TempDir(path string) (string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	sweepIfDue(dir)
	prefix := filepath.Join(dir, tempPrefix(base))
	for try := 0; ; try++ {
		name := prefix + strconv.FormatUint(uint64(randomSuffix()), 10)
		err := os.Mkdir(name, 0o755)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) || try == 100 {
			return "", fmt.Errorf("create temporary directory for %s: %w", path, err)
		}
	}
}

// ReplaceDir puts the finished directory tmp, made by TempDir(dest), at
// dest, so that dest always names a complete tree: renamed into place, or,
// when dest exists, with the old tree moved aside under a temporary name
// (swept like any other after a crash) and removed once tmp is in place. If
// tmp cannot be put in place the old tree is moved back. tmp is left for the
// caller to remove on error.
func ReplaceDir(tmp, dest string) error {
	if _, err := os.Lstat(dest); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(tmp, dest); err != nil {
			return fmt.Errorf("rename into place: %w", err)
		}
		syncDir(filepath.Dir(dest))
		return nil
	}
	old, err := TempDir(dest)
	if err != nil {
		return err
	}
	// Rename cannot move a directory onto a non-empty one; the name TempDir
	// reserved is freed and taken again by the rename.
	if err := os.Remove(old); err != nil {
		return fmt.Errorf("remove %s: %w", old, err)
	}
	if err := os.Rename(dest, old); err != nil {
		return fmt.Errorf("move %s aside: %w", dest, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		_ = os.Rename(old, dest)
		return fmt.Errorf("rename into place: %w", err)
	}
	syncDir(filepath.Dir(dest))
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("remove the replaced %s: %w", old, err)
	}
	return nil
}

// WriteFile writes data to path atomically, with the options of Create.
func WriteFile(path string, data []byte, opts ...Option) error {
	f, err := Create(path, opts...)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Abort()
		return err
	}
	return f.Commit()
}

// place moves the finished temporary file to path, replacing what is there
// unless noReplace.
func place(tmp, path string, noReplace bool) error {
	if noReplace {
		return RenameNoReplace(tmp, path)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	return nil
}

// RenameNoReplace moves oldpath to newpath unless newpath exists, in which
// case it fails with an error wrapping fs.ErrExist that names newpath. It
// hard-links oldpath to newpath, which the kernel refuses atomically when
// newpath exists, then removes oldpath. On a file system without hard links
// it falls back to checking and renaming, which is not atomic.
func RenameNoReplace(oldpath, newpath string) error {
	err := os.Link(oldpath, newpath)
	switch {
	case err == nil:
		if err := os.Remove(oldpath); err != nil {
			return fmt.Errorf("remove %s: %w", oldpath, err)
		}
		return nil
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%s already exists: %w", newpath, fs.ErrExist)
	case !linkUnsupported(err):
		return fmt.Errorf("link into place: %w", err)
	}
	if _, err := os.Lstat(newpath); err == nil {
		return fmt.Errorf("%s already exists: %w", newpath, fs.ErrExist)
	}
	if err := os.Rename(oldpath, newpath); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	return nil
}
