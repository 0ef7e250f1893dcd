//go:build !linux

package exec

import "syscall"

// procAttr puts the command in its own process group, so that cancelling
// kills everything it started. Only Linux can also tie the command's life
// to the hotpass process's.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
