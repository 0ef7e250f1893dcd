package engine

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMachineMemory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	meminfo := write("meminfo", "MemTotal:       16384000 kB\nMemFree:         1000 kB\n")
	tests := []struct {
		name    string
		meminfo string
		limits  []string
		want    int64
	}{
		{"machine only", meminfo, nil, 16384000 << 10},
		{"cgroup v2 smaller", meminfo, []string{write("v2", "2147483648\n")}, 2 << 30},
		{"cgroup v2 unlimited", meminfo, []string{write("v2max", "max\n")}, 16384000 << 10},
		{"cgroup v1 unlimited", meminfo, []string{write("v1", "9223372036854771712\n")}, 16384000 << 10},
		{"cgroup larger than the machine", meminfo, []string{write("big", "99999999999999\n")}, 16384000 << 10},
		{"no meminfo, cgroup limit", filepath.Join(dir, "absent"), []string{write("v2b", "1073741824")}, 1 << 30},
		{"nothing readable", filepath.Join(dir, "absent"), []string{filepath.Join(dir, "absent2")}, 0},
		{"garbled meminfo", write("bad", "MemTotal: lots kB\n"), nil, 0},
	}
	for _, tc := range tests {
		if got := machineMemory(tc.meminfo, tc.limits...); got != tc.want {
			t.Errorf("%s: machineMemory = %d, want %d", tc.name, got, tc.want)
		}
	}
}
