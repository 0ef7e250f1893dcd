package atomicfile

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// tempName matches the temporary names of this package,
// ".<name>.tmp-<pid>-<random>", and (without the pid) those of earlier
// versions, ".<name>.tmp-<random>".
var tempName = regexp.MustCompile(`^\..+\.tmp-(?:(\d+)-)?\d+$`)

// LegacyTempAge is how old a temporary file without a process id (from an
// earlier version, which did not record its writer) must be before a sweep
// removes it: no write takes that long.
const LegacyTempAge = 24 * time.Hour

// Sweep removes from dir the temporary files and directories left by
// writers that are gone: those named after a process id that no longer
// exists, and files without a process id older than LegacyTempAge. Create
// and TempDir sweep the directory they write into (at most once per
// SweepInterval), so a stray is removed by the next write next to it.
//
// A process id is looked up on this machine: writers sharing a directory
// are taken to share the machine's process ids. A process id reused by a
// new process keeps the file until that process is gone too. Sweep is best
// effort: what it cannot list or remove is left.
func Sweep(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	_ = d.Close()
	self := os.Getpid()
	for _, name := range names {
		m := tempName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		p := filepath.Join(dir, name)
		if m[1] == "" {
			if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > LegacyTempAge {
				_ = os.Remove(p)
			}
			continue
		}
		pid, err := strconv.Atoi(m[1])
		if err != nil || pid <= 0 || pid == self || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(p)
	}
}

// SweepInterval is how long after sweeping a directory Create and TempDir
// leave it alone: a directory written thousands of times in a run (a run
// directory, an output folder) is listed once a minute, not at every write.
const SweepInterval = time.Minute

// recentSweeps remembers when this process last swept each directory. It
// is a cache of work done, not configuration: losing it only costs a
// listing.
var recentSweeps = struct {
	sync.Mutex
	at map[string]time.Time
}{at: map[string]time.Time{}}

// maxRecentSweeps bounds the cache; past it, entries older than
// SweepInterval are dropped.
const maxRecentSweeps = 1024

// sweepIfDue sweeps dir unless this process did within SweepInterval.
func sweepIfDue(dir string) {
	dir = filepath.Clean(dir)
	now := time.Now()
	recentSweeps.Lock()
	if at, ok := recentSweeps.at[dir]; ok && now.Sub(at) < SweepInterval {
		recentSweeps.Unlock()
		return
	}
	if len(recentSweeps.at) >= maxRecentSweeps {
		for d, at := range recentSweeps.at {
			if now.Sub(at) >= SweepInterval {
				delete(recentSweeps.at, d)
			}
		}
	}
	recentSweeps.at[dir] = now
	recentSweeps.Unlock()
	Sweep(dir)
}
