package engine

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/hotpass/hotpass/internal/redact"
	"github.com/hotpass/hotpass/internal/runstate"
)

// maxPartialLine bounds how much of an unterminated line a log stream holds
// back: output without newlines (progress bars) is written in chunks of this
// size. A secret straddling such a chunk boundary could escape redaction;
// secrets never contain newlines, so line-terminated output is always safe.
const maxPartialLine = 64 << 10

// logFileName maps a task id to its log file name (see runstate).
func logFileName(id string) string { return runstate.LogFileName(id) }

// taskLog is one task's log file for one attempt. Lines come from the
// engine (attempt started/finished) and from the task (Env.Log records and
// raw Env.Output). Every stream is line-buffered so that each complete line
// is redacted whole.
//
// The file is created on the first line the task itself writes, or when an
// attempt fails; the engine's lines are held in memory until then and
// written first. A task that succeeds without writing anything therefore
// has no log file (TaskRecord.Log is empty): creating one file per task
// made a 10,000-task noop run about ten times slower (BenchmarkRun: ~280 µs
// against ~28 µs of CPU per task on the development machine), and what such
// a file would hold (attempt start, end, duration) is all in run.json.
type taskLog struct {
	mu     sync.Mutex
	path   string
	f      *os.File
	red    Redactor
	err    error
	closed bool
	held   []byte // engine lines waiting for the file

	engine  *logStream // the engine's own lines
	records *logStream // Env.Log, slog text lines
	output  *logStream // Env.Output, raw stdout/stderr
}

// newTaskLog prepares the log at path; nothing touches the disk until a
// line is written. The file is opened for appending, so retries add to it.
func newTaskLog(path string, red Redactor) *taskLog {
	if red == nil {
		red = noSecrets{}
	}
	l := &taskLog{path: path, red: red}
	l.engine = &logStream{log: l}
	l.records = &logStream{log: l, fromTask: true}
	l.output = &logStream{log: l, fromTask: true}
	return l
}

// forceFile makes the engine's next lines create the file.
func (l *taskLog) forceFile() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.engine.fromTask = true
}

// logger returns a text logger writing to one of the log's streams. Its
// records are masked before the text handler quotes them: write masks the
// encoded line too, but would miss a secret the handler escaped.
func (l *taskLog) logger(s *logStream) *slog.Logger {
	return slog.New(redact.Handler(slog.NewTextHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}), l.red))
}

// write sends p to the file, redacted. The caller holds l.mu.
func (l *taskLog) write(p []byte, fromTask bool) {
	if l.closed || l.err != nil || len(p) == 0 {
		return
	}
	if !l.red.Empty() {
		p = []byte(l.red.String(string(p)))
	}
	if l.f == nil {
		if !fromTask {
			l.held = append(l.held, p...)
			return
		}
		f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			l.err = err
			return
		}
		l.f = f
		if len(l.held) > 0 {
			p = append(l.held, p...)
			l.held = nil
		}
	}
	if _, err := l.f.Write(p); err != nil {
		l.err = err
	}
}

// close flushes partial lines and closes the file, and reports whether the
// file exists. Writes after close are dropped: a task's stray goroutine
// must not fail the engine.
func (l *taskLog) close() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return l.f != nil, l.err
	}
	l.records.flushLocked()
	l.output.flushLocked()
	l.engine.flushLocked()
	l.closed = true
	if l.f != nil {
		if err := l.f.Close(); err != nil && l.err == nil {
			l.err = err
		}
	}
	if l.err != nil {
		return l.f != nil, fmt.Errorf("task log %s: %w", l.path, l.err)
	}
	return l.f != nil, nil
}

// logStream is one line-buffered writer into a taskLog. It is safe for
// concurrent use, as exec's stdout and stderr copiers need.
type logStream struct {
	log      *taskLog
	fromTask bool
	buf      []byte // an unterminated line
}

// Write buffers p and writes every complete line. It never fails: losing a
// log line must not fail the task (the error is reported when the log is
// closed).
func (s *logStream) Write(p []byte) (int, error) {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	data := p
	if len(s.buf) > 0 {
		s.buf = append(s.buf, p...)
		data = s.buf
	}
	end := bytes.LastIndexByte(data, '\n') + 1
	if end == 0 && len(data) >= maxPartialLine {
		end = len(data)
	}
	s.log.write(data[:end], s.fromTask)
	rest := data[end:]
	if len(rest) == 0 {
		s.buf = s.buf[:0]
	} else {
		s.buf = append(s.buf[:0], rest...)
	}
	return len(p), nil
}

// flushLocked writes a trailing partial line. The caller holds the lock.
func (s *logStream) flushLocked() {
	if len(s.buf) > 0 {
		s.buf = append(s.buf, '\n')
		s.log.write(s.buf, s.fromTask)
		s.buf = s.buf[:0]
	}
}

// logRelPath is the log's path relative to the run directory.
func logRelPath(id string) string { return runstate.TaskLog(id) }

// TaskLogPath is the file the engine writes task id's log to inside runDir,
// so that readers (the web UI) find a running task's log before run.json
// names it.
func TaskLogPath(runDir, id string) string { return filepath.Join(runDir, logRelPath(id)) }
