package webui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runstate"
)

// logChunk is how much of a log one page shows, and the most a live tail
// sends at once: memory stays bounded whatever the log's size.
const logChunk = 64 << 10

// logData is one page of a task's log.
type logData struct {
	RunID, TaskID, Status string
	Text                  string
	Offset, End, Size     int64
	Missing               string
	Head, Older, Newer    string
	Tail, Download, Run   string
	AtEnd, Running        bool
}

func (d logData) title() (string, string) { return d.TaskID + " · log", "runs" }

func (d logData) live() string {
	if d.Running && d.AtEnd {
		return "/runs/" + url.PathEscape(d.RunID) + "/tasks/" + url.PathEscape(d.TaskID) + "/log/events?offset=" + strconv.FormatInt(d.End, 10)
	}
	return ""
}

// taskLog finds run's task and its log file, relative to the run
// directory. The log is looked for where run.json says, else where the
// engine writes it while the task runs.
func (u *UI) taskLog(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) (store.Run, store.TaskRun, string, bool) {
	run, ok := u.getRun(ctx, w, r, s)
	if !ok {
		return run, store.TaskRun{}, "", false
	}
	id := r.PathValue("task")
	trs, err := u.c.Runs.ListTasks(ctx, run.ID)
	if err != nil {
		u.fail(w, r, s, err)
		return run, store.TaskRun{}, "", false
	}
	for _, t := range trs {
		if t.TaskID != id {
			continue
		}
		dir := u.runDir(run.ID)
		rel := engine.TaskLogPath("", id)
		if rec, err := engine.ReadRunRecord(filepath.Join(dir, engine.RunRecordFile)); err == nil {
			if tr := rec.Task(id); tr != nil && tr.Log != "" && filepath.IsLocal(tr.Log) {
				rel = tr.Log
			}
		}
		return run, t, rel, true
	}
	u.notFound(w, r, s, "Run "+run.ID+" has no task "+strconv.Quote(id)+".")
	return run, store.TaskRun{}, "", false
}

func (u *UI) logPage(w http.ResponseWriter, r *http.Request, s *session) {
	run, t, rel, ok := u.taskLog(r.Context(), w, r, s)
	if !ok {
		return
	}
	base := "/runs/" + url.PathEscape(run.ID) + "/tasks/" + url.PathEscape(t.TaskID)
	d := logData{RunID: run.ID, TaskID: t.TaskID, Status: string(t.Status), Run: "/runs/" + url.PathEscape(run.ID),
		Running: t.Status == "running" || t.Status == "retrying" || t.Status == "pending",
		Head:    base + "/log?offset=0", Tail: base + "/log", Download: base + "/log.txt"}
	f, info, err := openLog(u.runDir(run.ID), rel)
	if errors.Is(err, os.ErrNotExist) {
		d.Missing = missingLog(run, t, u.runDir(run.ID))
		d.AtEnd = true
		u.render(w, r, http.StatusOK, "log", s, d)
		return
	}
	if err != nil {
		u.fail(w, r, s, fmt.Errorf("the log of task %s: %w", t.TaskID, err))
		return
	}
	defer f.Close()
	d.Size = info.Size()
	start := max(d.Size-logChunk, 0)
	if o := r.URL.Query().Get("offset"); o != "" {
		n, err := strconv.ParseInt(o, 10, 64)
		if err != nil || n < 0 {
			u.errorPage(w, r, s, http.StatusBadRequest, "Bad offset", "offset "+strconv.Quote(o)+" is not a byte position; use the Head, Older, Newer and Tail links.")
			return
		}
		start = min(n, d.Size)
	}
	text, first, end, err := readLines(f, start, d.Size)
	if err != nil {
		u.fail(w, r, s, fmt.Errorf("read the log of task %s: %w", t.TaskID, err))
		return
	}
	d.Text, d.Offset, d.End, d.AtEnd = text, first, end, end >= d.Size
	if first > 0 {
		d.Older = base + "/log?offset=" + strconv.FormatInt(max(first-logChunk, 0), 10)
	}
	if !d.AtEnd {
		d.Newer = base + "/log?offset=" + strconv.FormatInt(end, 10)
	}
	u.render(w, r, http.StatusOK, "log", s, d)
}

// openLog opens the file rel inside the run directory dir and reports its
// size and time; the caller closes it. Like every file of a run the page
// shows, it is read through runstate.OpenInRun, so a symlink planted in
// the run directory cannot serve a file from elsewhere.
func openLog(dir, rel string) (*os.File, os.FileInfo, error) {
	f, err := runstate.OpenInRun(dir, rel)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// readLines reads up to logChunk bytes of f from start, widened or cut to
// whole lines: a chunk that starts mid-line skips to the next line, and
// one that stops short of size ends at its last newline. It returns the
// text and the byte range it covers.
func readLines(f io.ReaderAt, start, size int64) (string, int64, int64, error) {
	n := min(logChunk, size-start)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return "", 0, 0, err
	}
	first, end := start, start+n
	if start > 0 {
		var prev [1]byte
		if _, err := f.ReadAt(prev[:], start-1); err == nil && prev[0] != '\n' {
			if i := bytes.IndexByte(buf, '\n'); i >= 0 && i+1 < len(buf) {
				buf, first = buf[i+1:], first+int64(i+1)
			}
		}
	}
	if end < size {
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			end -= int64(len(buf) - i - 1)
			buf = buf[:i+1]
		}
	}
	return strings.ToValidUTF8(string(buf), "\uFFFD"), first, end, nil
}

// missingLog explains why a task has no log file.
func missingLog(run store.Run, t store.TaskRun, dir string) string {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) && run.Status != store.RunPending {
		return "The run's directory " + dir + " is gone (pruned or on another machine), and its logs with it."
	}
	switch t.Status {
	case "pending":
		return "The task has not started yet."
	case "skipped":
		return "The task was skipped, so it wrote no log."
	case "succeeded":
		return "The task succeeded without writing anything; its attempts and timings are in the run's record."
	}
	return "The task wrote no log."
}

// logDownload sends the whole log as text. http.ServeContent streams the
// file and honours Range, so a large log costs no memory.
func (u *UI) logDownload(w http.ResponseWriter, r *http.Request, s *session) {
	run, t, rel, ok := u.taskLog(r.Context(), w, r, s)
	if !ok {
		return
	}
	f, info, err := openLog(u.runDir(run.ID), rel)
	if errors.Is(err, os.ErrNotExist) {
		u.notFound(w, r, s, missingLog(run, t, u.runDir(run.ID)))
		return
	}
	if err != nil {
		u.fail(w, r, s, fmt.Errorf("the log of task %s: %w", t.TaskID, err))
		return
	}
	defer f.Close()
	name := filepath.Base(engine.TaskLogPath("", run.ID+"-"+t.TaskID))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	http.ServeContent(w, r, name, info.ModTime(), f)
}

// logEvents streams what a running task appends to its log, from ?offset=,
// in chunks of at most logChunk bytes. The stream ends once the task has
// finished and everything written was sent.
func (u *UI) logEvents(w http.ResponseWriter, r *http.Request, s *session) {
	run, t, rel, ok := u.taskLog(r.Context(), w, r, s)
	if !ok {
		return
	}
	offset, err := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	if err != nil || offset < 0 {
		offset = 0
	}
	u.stream(w, r, "log", func(ctx context.Context) (string, bool, error) {
		trs, err := u.c.Runs.ListTasks(ctx, run.ID)
		if err != nil {
			return "", false, err
		}
		status := t.Status
		for _, x := range trs {
			if x.TaskID == t.TaskID {
				status = x.Status
			}
		}
		finished := engine.Status(status).Terminal()
		var text string
		if f, info, err := openLog(u.runDir(run.ID), rel); err == nil {
			if info.Size() > offset {
				text, _, offset, err = readLines(f, offset, info.Size())
			}
			f.Close()
			if err != nil {
				return "", false, err
			}
		}
		b, err := json.Marshal(struct {
			Offset int64  `json:"offset"`
			Text   string `json:"text"`
			Status string `json:"status"`
		}{offset, text, string(status)})
		return string(b), finished && text == "", err
	})
}
