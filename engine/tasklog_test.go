package engine

import (
	"fmt"
	"github.com/hotpass/hotpass/internal/runstate"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hotpass/hotpass/internal/redact"
)

func TestLogFileName(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		"load_crm":  "load_crm.log",
		"a-b.c":     "a-b.c.log",
		"../x":      ".._x.log",
		"..":        "_...log",
		"":          "_.log",
		"a/b\\c d":  "a_b_c_d.log",
		"résumé":    "r_sum_.log",
		"x\x00y\nz": "x_y_z.log",
	} {
		got := logFileName(id)
		if got != want {
			t.Errorf("logFileName(%q) = %q, want %q", id, got, want)
		}
		if filepath.Base(got) != got || strings.Trim(strings.TrimSuffix(got, ".log"), ".") == "" {
			t.Errorf("logFileName(%q) = %q is not a plain file name", id, got)
		}
	}
}

func TestTaskLogStreams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		writes  func(l *taskLog)
		want    string // file content; "-" means no file
		created bool
	}{
		{"engine lines alone create no file", func(l *taskLog) {
			l.engine.Write([]byte("started\n"))
			l.engine.Write([]byte("finished\n"))
		}, "-", false},
		{"held engine lines come first", func(l *taskLog) {
			l.engine.Write([]byte("started\n"))
			l.output.Write([]byte("out\n"))
			l.engine.Write([]byte("finished\n"))
		}, "started\nout\nfinished\n", true},
		{"forced file", func(l *taskLog) {
			l.engine.Write([]byte("started\n"))
			l.forceFile()
			l.engine.Write([]byte("failed\n"))
		}, "started\nfailed\n", true},
		{"partial lines are joined and redacted whole", func(l *taskLog) {
			l.output.Write([]byte("key=s3cr"))
			l.output.Write([]byte("et!\nnext"))
			l.records.Write([]byte("rec s3cret!\n"))
		}, "key=***\nrec ***\nnext\n", true},
		{"writes after close are dropped", func(l *taskLog) {
			l.output.Write([]byte("a\n"))
			l.close()
			l.output.Write([]byte("b\n"))
		}, "a\n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			red := &redact.Redactor{}
			red.Add("s3cret!")
			path := filepath.Join(t.TempDir(), "x.log")
			l := newTaskLog(path, red)
			tc.writes(l)
			created, err := l.close()
			if err != nil || created != tc.created {
				t.Fatalf("close: created %v err %v, want created %v", created, err, tc.created)
			}
			data, err := os.ReadFile(path)
			if tc.want == "-" {
				if !os.IsNotExist(err) {
					t.Fatalf("file exists: %q %v", data, err)
				}
				return
			}
			if string(data) != tc.want {
				t.Fatalf("content %q, want %q", data, tc.want)
			}
		})
	}
}

func TestTaskLogConcurrentWriters(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.log")
	l := newTaskLog(path, nil)
	var wg sync.WaitGroup
	for _, s := range []*logStream{l.output, l.records, l.output} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				s.Write([]byte("0123456789\n"))
			}
		}()
	}
	wg.Wait()
	if _, err := l.close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 600 {
		t.Fatalf("%d lines, want 600", len(lines))
	}
	for _, line := range lines {
		if line != "0123456789" {
			t.Fatalf("torn line %q", line)
		}
	}
}

// TaskLogPath is where a task's log is written, so readers find a running
// task's log before run.json names it.
func TestTaskLogPathIsWhereTheLogIsWritten(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id := "load/crm"
	l := newTaskLog(filepath.Join(dir, logRelPath(id)), &redact.Redactor{})
	if err := os.MkdirAll(runstate.LogsPath(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	l.forceFile()
	if _, err := l.engine.Write([]byte("line\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(TaskLogPath(dir, id)); err != nil {
		t.Errorf("TaskLogPath(%q) = %s: %v", id, TaskLogPath(dir, id), err)
	}
	if got := TaskLogPath(dir, id); !strings.HasPrefix(got, dir) || strings.Contains(strings.TrimPrefix(got, dir), "crm/") {
		t.Errorf("TaskLogPath(%q) = %s escapes or nests", id, got)
	}
}

// A task's log lines are slog text, which quotes a value holding a space
// or a quote and escapes what is inside: the secret must be masked before
// that, or it reaches the file escaped, past a mask that looks for it raw.
func TestTaskLogMasksSecretsTheLoggerQuotes(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{`pa ss"word`, "tab\tsecret", `back\slash`, "new\nline", "plain-s3cret"} {
		red := &redact.Redactor{}
		red.Add(secret)
		path := filepath.Join(t.TempDir(), "x.log")
		l := newTaskLog(path, red)
		log := l.logger(l.records)
		log.Info("connecting with "+secret, "password", secret, "dsn", "postgres://u:"+secret+"@db/x",
			"error", fmt.Errorf("login failed for %s", secret), "nested", slog.GroupValue(slog.String("token", secret)))
		if _, err := l.close(); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		quoted := strconv.Quote(secret)
		for _, form := range []string{secret, quoted[1 : len(quoted)-1]} {
			if strings.Contains(string(data), form) {
				t.Errorf("secret %q: the log holds %q:\n%s", secret, form, data)
			}
		}
		if n := strings.Count(string(data), redact.Mask); n != 5 {
			t.Errorf("secret %q: %d masks, want 5 (message and four attributes):\n%s", secret, n, data)
		}
	}
}
