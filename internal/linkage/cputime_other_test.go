//go:build !unix

package linkage

import "time"

// cpuTime is unavailable here; CPU figures then read zero.
func cpuTime() time.Duration { return 0 }
