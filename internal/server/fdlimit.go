package server

// fdReserve is how many file descriptors serve keeps for everything but API
// connections: the store, run records, task logs and the files tasks read
// and write.
const fdReserve = 128

// FitFileLimit lowers MaxConns (and MaxConnsPerIP with it) so that API
// connections cannot use up the file descriptors the process may open
// (nofile, the soft RLIMIT_NOFILE; 0 means unknown). Without this a flood
// of connections would make Accept fail for everyone, health checks
// included, and runs fail to open their files. It reports whether it
// lowered anything.
func (l Limits) FitFileLimit(nofile uint64) (Limits, bool) {
	if nofile == 0 {
		return l, false
	}
	var room int
	if nofile > 2*fdReserve {
		room = int(min(nofile-fdReserve, uint64(l.MaxConns)))
	} else {
		room = max(1, int(nofile/2))
	}
	if room >= l.MaxConns {
		return l, false
	}
	l.MaxConns = room
	l.MaxConnsPerIP = min(l.MaxConnsPerIP, max(1, room/2))
	return l, true
}
