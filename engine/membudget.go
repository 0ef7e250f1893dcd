package engine

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Where the machine's memory and the container's limit are read from.
const (
	meminfoPath = "/proc/meminfo"
	cgroupV2Max = "/sys/fs/cgroup/memory.max"
	cgroupV1Max = "/sys/fs/cgroup/memory/memory.limit_in_bytes"
)

// DefaultMemoryBudget is the memory budget of a run whose spec sets no
// concurrency.memory: half of the memory the process may use, the smaller
// of the machine's (MemTotal in /proc/meminfo) and the cgroup's limit. Half,
// because the Go runtime lets the heap grow to about twice what is live
// before it collects (GOGC=100): outputs that fill half the memory already
// put the peak at all of it. It returns 0 (no budget) where neither is
// readable.
func DefaultMemoryBudget() int64 {
	return machineMemory(meminfoPath, cgroupV2Max, cgroupV1Max) / 2
}

// machineMemory is the memory the process may use given a meminfo file and
// cgroup limit files, or 0 when unknown.
func machineMemory(meminfo string, limits ...string) int64 {
	total := memTotal(meminfo)
	for _, p := range limits {
		if lim := cgroupLimit(p); lim > 0 && (total == 0 || lim < total) {
			total = lim
		}
	}
	return total
}

// memTotal reads MemTotal from a /proc/meminfo file, in bytes.
func memTotal(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb <= 0 {
			return 0
		}
		return kb << 10
	}
	return 0
}

// cgroupLimit reads a cgroup memory limit file; "max" (v2) and the huge
// value v1 reports for "no limit" are 0.
func cgroupLimit(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	s := strings.TrimSpace(string(data))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= 1<<62 {
		return 0
	}
	return n
}
