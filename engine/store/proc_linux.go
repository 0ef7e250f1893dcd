//go:build linux

package store

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat start times; it is
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// processStart reads when pid started from /proc. zombie is true for a
// process that has exited but not been reaped. ok is false when /proc
// cannot say.
func processStart(pid int) (start time.Time, zombie, ok bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return time.Time{}, false, false
	}
	// The command name (field 2) is in parentheses and may hold spaces,
	// so fields are counted from the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return time.Time{}, false, false
	}
	fields := bytes.Fields(stat[i+1:])
	// fields[0] is field 3 (state); field 22 (starttime) is fields[19].
	if len(fields) < 20 {
		return time.Time{}, false, false
	}
	if s := fields[0]; len(s) == 1 && (s[0] == 'Z' || s[0] == 'X') {
		return time.Time{}, true, true
	}
	ticks, err := strconv.ParseInt(string(fields[19]), 10, 64)
	if err != nil {
		return time.Time{}, false, false
	}
	boot, ok := bootTime()
	if !ok {
		return time.Time{}, false, false
	}
	return boot.Add(time.Duration(ticks) * time.Second / clockTicks), false, true
}

// bootTime reads the btime line of /proc/stat.
func bootTime() (time.Time, bool) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, false
	}
	for line := range bytes.Lines(stat) {
		if rest, found := bytes.CutPrefix(line, []byte("btime ")); found {
			secs, err := strconv.ParseInt(string(bytes.TrimSpace(rest)), 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			return time.Unix(secs, 0), true
		}
	}
	return time.Time{}, false
}
