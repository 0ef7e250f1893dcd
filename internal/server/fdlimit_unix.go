//go:build unix

package server

import "syscall"

// FileLimit returns the soft limit on open files of this process, 0 when
// it cannot be read.
func FileLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return uint64(rl.Cur)
}
