//go:build !unix

package store

import "time"

// probeProcess cannot check processes here; MarkCrashed relies on
// heartbeats alone.
func probeProcess(int, time.Time) procState { return procUnknown }
