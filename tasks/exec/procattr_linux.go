package exec

import "syscall"

// procAttr puts the command in its own process group, so that cancelling
// kills everything it started, and has the kernel kill the command when
// the hotpass process dies without cancelling it (kill -9, a crash, the
// OOM killer): a Temporal worker's task is then retried elsewhere, and an
// orphaned command would run beside the retry.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
