package atomicfile

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv names the file a helper process writes and never commits.
const helperEnv = "ATOMICFILE_TEST_WRITE"

// TestHelperWriter is not a test on its own: run as a subprocess with
// helperEnv set, it starts writing that file, says "ready" and waits to be
// killed.
func TestHelperWriter(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process only")
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := f.buf.Flush(); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("ready\n")
	time.Sleep(time.Minute)
	os.Exit(3)
}

// startWriter starts a helper process writing path and waits until it has
// its temporary file.
func startWriter(t *testing.T, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("helper writer: %q, %v", line, err)
	}
	return cmd
}

func tempsOf(t *testing.T, dir, base string) []string {
	t.Helper()
	var out []string
	for _, n := range listDir(t, dir) {
		if strings.HasPrefix(n, "."+base+".tmp-") {
			out = append(out, n)
		}
	}
	return out
}

// TestSweepRemovesTempsOfDeadWriters kills a writer with SIGKILL in the
// middle of its write: its temporary file stays, and the next write into
// the directory removes it. The temporary file of a writer that is still
// running is kept.
func TestSweepRemovesTempsOfDeadWriters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	killed := startWriter(t, filepath.Join(dir, "x.xlsx"))
	live := startWriter(t, filepath.Join(dir, "y.xlsx"))
	if err := killed.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = killed.Wait()
	stale := tempsOf(t, dir, "x.xlsx")
	if len(stale) != 1 || !strings.HasPrefix(stale[0], ".x.xlsx.tmp-"+strconv.Itoa(killed.Process.Pid)+"-") {
		t.Fatalf("temporary files of the killed writer: %q, want one named after its pid %d", stale, killed.Process.Pid)
	}
	liveTemps := tempsOf(t, dir, "y.xlsx")
	if len(liveTemps) != 1 {
		t.Fatalf("temporary files of the live writer: %q", liveTemps)
	}

	if err := WriteFile(filepath.Join(dir, "other.csv"), []byte("a\n")); err != nil {
		t.Fatal(err)
	}
	if got := tempsOf(t, dir, "x.xlsx"); len(got) != 0 {
		t.Errorf("the killed writer's temporary file is still there: %q", got)
	}
	if got := tempsOf(t, dir, "y.xlsx"); len(got) != 1 || got[0] != liveTemps[0] {
		t.Errorf("the live writer's temporary file was touched: %q, want %q", got, liveTemps)
	}
	_ = live.Process.Kill()
}

// deadPid returns the id of a process that has ended and been reaped.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestSweep(t *testing.T) {
	t.Parallel()
	dead, self := strconv.Itoa(deadPid(t)), strconv.Itoa(os.Getpid())
	old := time.Now().Add(-LegacyTempAge - time.Hour)
	tests := []struct {
		name  string
		dir   bool
		old   bool
		swept bool
	}{
		{name: ".out.csv.tmp-" + dead + "-123", swept: true},
		{name: ".out.xlsx.tmp-" + dead + "-9", dir: true, swept: true},
		{name: ".out.csv.tmp-" + self + "-123"},
		{name: ".out.csv.tmp-123456789", old: true, swept: true},
		{name: ".out.csv.tmp-123456789"},
		{name: ".dest.tmp-123456789", dir: true, old: true},
		{name: "out.csv.tmp-" + dead + "-1"},
		{name: ".out.csv.tmp-" + dead + "-x"},
		{name: ".out.csv", old: true},
		{name: "out.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := filepath.Join(dir, tt.name)
			if tt.dir {
				if err := os.MkdirAll(filepath.Join(p, "inner"), 0o755); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.old {
				if err := os.Chtimes(p, old, old); err != nil {
					t.Fatal(err)
				}
			}
			Sweep(dir)
			_, err := os.Lstat(p)
			if gone := os.IsNotExist(err); gone != tt.swept {
				t.Errorf("swept = %v, want %v", gone, tt.swept)
			}
		})
	}
}
