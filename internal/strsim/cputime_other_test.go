//go:build !linux

package strsim

import "time"

// threadCPUTime is unavailable here; the benchmarks then report wall-clock
// figures only.
func threadCPUTime() (time.Duration, bool) { return 0, false }
