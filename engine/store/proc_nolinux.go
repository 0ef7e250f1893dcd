//go:build unix && !linux

package store

import "time"

// processStart cannot read start times outside Linux without cgo; the
// pid-exists check alone decides.
func processStart(int) (time.Time, bool, bool) { return time.Time{}, false, false }
