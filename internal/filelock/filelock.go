// Package filelock serialises changes to a file across processes: an
// exclusive advisory lock on a sidecar file next to it. Writers that
// read a file, add to it and replace it (atomicfile) need this, or two
// processes doing so at once lose one's lines.
//
// The lock lives on a separate file because the file it guards is
// replaced by rename: a lock on the old inode would not exclude a writer
// that opened the new one. The sidecar is never removed, since removing it
// while another process waits on it would let a third lock a new one.
package filelock

import (
	"fmt"
	"os"
)

// Suffix is appended to a guarded file's name to name its lock file.
const Suffix = ".lock"

// Lock blocks until this process holds the lock guarding path, and returns
// the function that releases it. Locks taken by separate calls exclude
// each other within one process too.
func Lock(path string) (func(), error) {
	lp := path + Suffix
	// Read access suffices for the lock, so a lock file left read-only
	// still works.
	f, err := os.OpenFile(lp, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: open the lock file %s (its directory must be writable): %w", path, lp, err)
	}
	if err := lock(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		// Closing the descriptor drops the lock even if unlock fails.
		_ = unlock(f)
		_ = f.Close()
	}, nil
}
