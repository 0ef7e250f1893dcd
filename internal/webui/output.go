package webui

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
)

// previewRows is how many rows of a kept output the preview shows.
const previewRows = 100

type outputData struct {
	RunID, TaskID, Run string
	File, Download     string
	Columns            []table.Field
	Rows               [][]string
	Total              int64
	Problem            string
}

func (d outputData) title() (string, string) { return d.TaskID + " · output", "runs" }

// outputFile is where a task kept its output table, or "" when it kept
// none or names a path outside the run directory.
func (u *UI) outputFile(runID, output string) string {
	if output == "" || !filepath.IsLocal(output) {
		return ""
	}
	return filepath.Join(u.runDir(runID), output)
}

// outputPage previews a task's kept output: its columns and types and
// the first rows. Only Parquet (the format runs keep) is previewed; any
// file can be downloaded.
func (u *UI) outputPage(w http.ResponseWriter, r *http.Request, s *session) {
	run, t, _, ok := u.taskLog(r.Context(), w, r, s)
	if !ok {
		return
	}
	path := u.outputFile(run.ID, t.Output)
	if path == "" {
		u.notFound(w, r, s, "Task "+t.TaskID+" of run "+run.ID+" kept no output table.")
		return
	}
	base := "/runs/" + url.PathEscape(run.ID) + "/tasks/" + url.PathEscape(t.TaskID) + "/output"
	d := outputData{RunID: run.ID, TaskID: t.TaskID, Run: "/runs/" + url.PathEscape(run.ID), File: t.Output, Download: base + "/download"}
	if !strings.EqualFold(filepath.Ext(path), ".parquet") {
		d.Problem = "Only Parquet outputs are previewed; download the file to read it."
		u.render(w, r, http.StatusOK, "output", s, d)
		return
	}
	f, info, err := openLog(u.runDir(run.ID), t.Output)
	if errors.Is(err, os.ErrNotExist) {
		u.notFound(w, r, s, "The output "+t.Output+" is gone: the run's directory was pruned or is on another machine.")
		return
	}
	if err != nil {
		u.fail(w, r, s, fmt.Errorf("output of task %s: %w", t.TaskID, err))
		return
	}
	defer f.Close()
	rd, err := parquetio.NewReader(f, info.Size(), path)
	if err != nil {
		u.fail(w, r, s, fmt.Errorf("output of task %s: %w", t.TaskID, err))
		return
	}
	defer rd.Close()
	d.Columns, d.Total = rd.Schema().Fields(), rd.NumRows()
	// Row groups are read whole; reading stops once the preview is full.
	for len(d.Rows) < previewRows {
		tb, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			u.fail(w, r, s, fmt.Errorf("output of task %s: %w", t.TaskID, err))
			return
		}
		for i := 0; i < tb.NumRows() && len(d.Rows) < previewRows; i++ {
			row := make([]string, tb.NumCols())
			for c := range row {
				row[c] = tb.Column(c).Format(i)
			}
			d.Rows = append(d.Rows, row)
		}
	}
	u.render(w, r, http.StatusOK, "output", s, d)
}

// outputDownload sends a task's kept output file as is.
func (u *UI) outputDownload(w http.ResponseWriter, r *http.Request, s *session) {
	run, t, _, ok := u.taskLog(r.Context(), w, r, s)
	if !ok {
		return
	}
	path := u.outputFile(run.ID, t.Output)
	if path == "" {
		u.notFound(w, r, s, "Task "+t.TaskID+" of run "+run.ID+" has no output file here.")
		return
	}
	f, info, err := openLog(u.runDir(run.ID), t.Output)
	if errors.Is(err, os.ErrNotExist) {
		u.notFound(w, r, s, "Task "+t.TaskID+" of run "+run.ID+" has no output file here.")
		return
	}
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	defer f.Close()
	name := filepath.Base(path)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(name, `"`, "_")+`"`)
	http.ServeContent(w, r, name, info.ModTime(), f)
}
