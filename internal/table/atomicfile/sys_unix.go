//go:build unix

package atomicfile

import (
	"errors"
	"syscall"
)

// processAlive tells whether a process with this id exists. Signal 0 checks
// without sending anything; EPERM means it exists under another user.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// linkUnsupported tells a file system without hard links (FAT, some FUSE
// and network mounts) from a link that failed for another reason.
func linkUnsupported(err error) bool {
	for _, e := range []syscall.Errno{syscall.EPERM, syscall.ENOTSUP, syscall.EOPNOTSUPP, syscall.ENOSYS, syscall.EMLINK, syscall.EXDEV} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
