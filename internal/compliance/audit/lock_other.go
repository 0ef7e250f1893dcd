//go:build !unix

package audit

import "os"

// lock is a no-op where flock is unavailable: appends from concurrent
// processes are then not serialised.
func lock(*os.File) error { return nil }

func unlock(*os.File) {}
