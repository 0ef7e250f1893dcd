//go:build unix

package filelock

import (
	"errors"
	"os"
	"syscall"
)

// lock takes an exclusive flock on f, waiting for it. flock locks belong
// to the open file description, so two opens in one process exclude each
// other as two processes do.
func lock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

func unlock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
