package runstate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLayoutPaths(t *testing.T) {
	t.Parallel()
	j := filepath.Join
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"default home", New("").Home(), DefaultHome},
		{"zero layout home", Layout{}.Home(), DefaultHome},
		{"home", New("/srv/hp").Home(), "/srv/hp"},
		{"database", New("/srv/hp").Database(), j("/srv/hp", "hotpass.db")},
		{"default database", New("").Database(), DefaultDatabase},
		{"runs", New("st").Runs(), j("st", "runs")},
		{"run", New("st").Run("r1"), j("st", "runs", "r1")},
		{"zero layout run", Layout{}.Run("r1"), j(".hotpass", "runs", "r1")},
		{"record", New("st").Record("r1"), j("st", "runs", "r1", "run.json")},
		{"record path", RecordPath(j("st", "runs", "r1")), j("st", "runs", "r1", "run.json")},
		{"resume path", ResumePath("d"), j("d", "resume.json")},
		{"logs path", LogsPath("d"), j("d", "logs")},
		{"task log", TaskLog("load"), j("logs", "load.log")},
		{"task output", TaskOutput(j("st", "runs", "r1"), "load"), j("st", "runs", "r1", "load.parquet")},
		{"state of run", OfRun(New("/a/b").Run("x")).Home(), "/a/b"},
		{"state of relative run", OfRun(New("st").Run("x")).Run("y"), j("st", "runs", "y")},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// Whatever a task id holds, its log stays a plain file in the logs
// directory of its run.
func TestTaskLogStaysInLogs(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"load_crm", "../x", "...", "", "a/b c", "/etc/passwd", "x\x00y"} {
		got := TaskLog(id)
		if filepath.Dir(got) != LogsDir || !strings.HasSuffix(got, ".log") || strings.Trim(strings.TrimSuffix(filepath.Base(got), ".log"), ".") == "" {
			t.Errorf("TaskLog(%q) = %q, want a plain .log file in %s", id, got, LogsDir)
		}
	}
}

// HOTPASS_HOME moves the state directory; unset means the default.
// Not parallel: it sets the environment.
func TestHome(t *testing.T) {
	t.Setenv(EnvHome, "")
	if got := Home(); got != DefaultHome {
		t.Errorf("unset: Home() = %q, want %q", got, DefaultHome)
	}
	t.Setenv(EnvHome, "/var/lib/hotpass")
	if got := Home(); got != "/var/lib/hotpass" {
		t.Errorf("set: Home() = %q, want /var/lib/hotpass", got)
	}
}

// HOTPASS_DATABASE_URL wins over the SQLite file of any state directory.
// Not parallel: it sets the environment.
func TestDatabaseTarget(t *testing.T) {
	t.Setenv(EnvDatabaseURL, "")
	if got, want := DatabaseTarget("st"), filepath.Join("st", DatabaseFile); got != want {
		t.Errorf("unset: %q, want %q", got, want)
	}
	if got := DatabaseTarget(""); got != filepath.FromSlash(DefaultDatabase) {
		t.Errorf("unset, default home: %q, want %q", got, DefaultDatabase)
	}
	t.Setenv(EnvDatabaseURL, "postgres://u@h/db")
	if got := DatabaseTarget("st"); got != "postgres://u@h/db" {
		t.Errorf("set: %q, want the URL", got)
	}
}

func TestMakeRun(t *testing.T) {
	t.Parallel()
	l := New(filepath.Join(t.TempDir(), "state"))
	if l.RunExists("r1") {
		t.Fatal("RunExists before MakeRun")
	}
	dir, err := l.MakeRun("r1")
	if err != nil {
		t.Fatal(err)
	}
	if dir != l.Run("r1") {
		t.Errorf("MakeRun returned %q, want %q", dir, l.Run("r1"))
	}
	if fi, err := os.Stat(LogsPath(dir)); err != nil || !fi.IsDir() {
		t.Errorf("logs directory not created: %v", err)
	}
	if !l.RunExists("r1") {
		t.Error("RunExists after MakeRun is false")
	}
	_, err = l.MakeRun("r1")
	if err == nil || !strings.Contains(err.Error(), "run r1 already exists in "+l.Runs()+": choose another run id") {
		t.Errorf("second MakeRun: %v, want an error naming the run and what to do", err)
	}
}

func TestMakeHome(t *testing.T) {
	t.Parallel()
	l := New(filepath.Join(t.TempDir(), "a", "b"))
	for range 2 { // creating an existing home is not an error
		if err := l.MakeHome(); err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(l.Home()); err != nil || !fi.IsDir() {
		t.Errorf("home not created: %v", err)
	}
}

func ExampleLayout() {
	l := New("/var/lib/hotpass")
	fmt.Println(filepath.ToSlash(l.Record("20260101T000000-abcd")))
	fmt.Println(filepath.ToSlash(l.Database()))
	// Output:
	// /var/lib/hotpass/runs/20260101T000000-abcd/run.json
	// /var/lib/hotpass/hotpass.db
}

// OpenInRun reads files of the run directory, through symlinks that stay
// inside it, and refuses any way out of it.
func TestOpenInRun(t *testing.T) {
	t.Parallel()
	runDir := filepath.Join(t.TempDir(), "run")
	outside := filepath.Join(filepath.Dir(runDir), "outside.log")
	for path, data := range map[string]string{filepath.Join(runDir, LogsDir, "a.log"): "inside", outside: "outside"} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range map[string]string{"in.log": "a.log", "out.log": outside, "up.log": "../../outside.log"} {
		if err := os.Symlink(target, filepath.Join(runDir, LogsDir, name)); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
	}
	for _, tc := range []struct {
		rel, want string
		missing   bool
	}{
		{rel: "logs/a.log", want: "inside"},
		{rel: "logs/in.log", want: "inside"},
		{rel: "logs/none.log", missing: true},
		{rel: "logs/out.log"},
		{rel: "logs/up.log"},
		{rel: "../outside.log"},
	} {
		f, err := OpenInRun(runDir, tc.rel)
		switch {
		case tc.want != "":
			if err != nil {
				t.Errorf("%s: %v", tc.rel, err)
				continue
			}
			data, _ := io.ReadAll(f)
			f.Close()
			if string(data) != tc.want {
				t.Errorf("%s reads %q, want %q", tc.rel, data, tc.want)
			}
		case tc.missing:
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: %v, want a not-exist error", tc.rel, err)
			}
		default:
			if err == nil {
				f.Close()
				t.Errorf("%s: read a file outside the run directory", tc.rel)
			} else if errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), runDir) {
				t.Errorf("%s: %v, want an error naming the run directory", tc.rel, err)
			}
		}
	}
}
