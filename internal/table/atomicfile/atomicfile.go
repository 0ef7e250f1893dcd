// Package atomicfile writes a file so that it appears at its final path
// complete or not at all.
//
// Data goes to a temporary file in the target directory (the same file
// system, so the final rename is atomic); Commit flushes, fsyncs and renames
// it into place, and Abort deletes it. A crash leaves at most a stray
// temporary file next to the target, never a truncated target. Temporary
// names carry the writer's process id, ".<name>.tmp-<pid>-<random>", so that
// the next write into the directory can tell a stray left by a writer that
// is gone from one still being written, and remove it (see Sweep).
//
// Every project writer that replaces a file atomically goes through this
// package, so that one sweep covers all their temporary files and every
// committed file has the same mode.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Mode is the permission committed files are created with, less the
// process's umask, as os.WriteFile would give them: 0644 under the usual
// umask 022, 0600 under 077.
const Mode os.FileMode = 0o644

const bufferSize = 256 << 10

// File is a buffered, atomically committed output file. It is not safe for
// concurrent use.
type File struct {
	path      string
	tmp       *os.File
	buf       *bufio.Writer
	noReplace bool
	perm      os.FileMode
	done      bool
	err       error
}

// Option changes how a File is committed.
type Option func(*File)

// NoReplace makes Commit refuse to replace a file that exists at the final
// path, with an error wrapping fs.ErrExist. The check and the placing of
// the file are one atomic step (see RenameNoReplace), so of several writers
// racing for one path exactly one succeeds.
func NoReplace() Option { return func(f *File) { f.noReplace = true } }

// Private makes the file readable and writable by its owner only (0600)
// from the moment its temporary file exists, for files that hold secrets
// or personal data.
func Private() Option { return func(f *File) { f.perm = 0o600 } }

// Create opens a temporary file next to path. The directory must exist.
// Stray temporary files of writers that are gone are swept from it first.
func Create(path string, opts ...Option) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	sweepIfDue(dir)
	f := &File{path: path, perm: Mode}
	for _, o := range opts {
		o(f)
	}
	tmp, err := createTemp(dir, base, f.perm)
	if err != nil {
		return nil, fmt.Errorf("create temporary file for %s: %w", path, err)
	}
	f.tmp, f.buf = tmp, bufio.NewWriterSize(tmp, bufferSize)
	return f, nil
}

// Name returns the final path.
func (f *File) Name() string { return f.path }

// TempName returns the path of the temporary file being written.
func (f *File) TempName() string { return f.tmp.Name() }

// Write buffers p. After a failed write every later call fails too, so a
// caller that checks only Commit still sees the first error.
func (f *File) Write(p []byte) (int, error) {
	if f.done {
		return 0, fmt.Errorf("write %s: %w", f.path, os.ErrClosed)
	}
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.buf.Write(p)
	if err != nil {
		f.err = fmt.Errorf("write %s: %w", f.path, err)
	}
	return n, f.err
}

// WriteString is Write for strings without a conversion.
func (f *File) WriteString(s string) (int, error) {
	if f.done {
		return 0, fmt.Errorf("write %s: %w", f.path, os.ErrClosed)
	}
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.buf.WriteString(s)
	if err != nil {
		f.err = fmt.Errorf("write %s: %w", f.path, err)
	}
	return n, f.err
}

// Commit flushes, fsyncs and renames the temporary file to the final path,
// then fsyncs the directory so the rename survives a crash. On any failure
// the temporary file is removed. Calling Commit or Abort again is a no-op.
func (f *File) Commit() error {
	if f.done {
		return nil
	}
	f.done = true
	err := f.err
	if err == nil {
		if err = f.buf.Flush(); err != nil {
			err = fmt.Errorf("write %s: %w", f.path, err)
		}
	}
	if err == nil {
		if err = f.tmp.Sync(); err != nil {
			err = fmt.Errorf("fsync %s: %w", f.tmp.Name(), err)
		}
	}
	if cerr := f.tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", f.tmp.Name(), cerr)
	}
	if err == nil {
		err = place(f.tmp.Name(), f.path, f.noReplace)
	}
	if err != nil {
		_ = os.Remove(f.tmp.Name())
		return err
	}
	syncDir(filepath.Dir(f.path))
	return nil
}

// Close commits; it makes File an io.WriteCloser for code that finishes
// output with Close. Error paths must call Abort instead.
func (f *File) Close() error { return f.Commit() }

// Abort discards the temporary file. It is safe to defer after Commit.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	cerr := f.tmp.Close()
	rerr := os.Remove(f.tmp.Name())
	if rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", f.tmp.Name(), rerr)
	}
	if cerr != nil && !errors.Is(cerr, os.ErrClosed) {
		return fmt.Errorf("close %s: %w", f.tmp.Name(), cerr)
	}
	return nil
}

// syncDir makes a rename durable. Failures are ignored: some file systems do
// not support fsync on directories, and the data itself is already synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// Finish ends a format writer that may own f (nil when it writes to a
// caller's io.Writer): unless the writer already failed (err), flush writes
// out what is buffered; then f is committed, or discarded if anything
// failed. It returns the writer's first error, naming the output as name.
func Finish(f *File, name string, err error, flush func() error) error {
	if err == nil && flush != nil {
		if ferr := flush(); ferr != nil {
			err = fmt.Errorf("write %s: %w", name, ferr)
		}
	}
	if f == nil {
		return err
	}
	if err != nil {
		return errors.Join(err, f.Abort())
	}
	return f.Commit()
}
