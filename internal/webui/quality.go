package webui

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/quality"
)

// qualityRuns is how many recent runs the quality page looks through;
// rejectRows how many rejected rows it shows per task.
const (
	qualityRuns = 50
	rejectRows  = 20
)

// validation is one validate task's outcome in one run.
type validation struct {
	Run     store.Run
	TaskID  string
	Status  string
	Policy  string
	Report  *quality.Report
	Problem string
	Dropped int64
	Rejects [][]string
	Header  []string
}

type qualityData struct{ Validations []validation }

func (qualityData) title() (string, string) { return "Quality", "quality" }

// validateAttrs are the attributes the validate task records.
type validateAttrs struct {
	Policy     string `json:"policy"`
	ReportJSON string `json:"report_json"`
	Rejects    string `json:"rejects"`
	Dropped    int64  `json:"rows_dropped"`
}

// qualityPage shows the quality reports of the validate tasks of recent
// runs: each expectation's pass rate against its threshold, examples of
// failing values, column completeness and the first rejected rows.
func (u *UI) qualityPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	runs, err := u.c.Runs.ListRuns(ctx, store.RunFilter{Limit: qualityRuns})
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	var d qualityData
	for _, run := range runs {
		trs, err := u.c.Runs.ListTasks(ctx, run.ID)
		if err != nil {
			u.fail(w, r, s, err)
			return
		}
		for _, t := range trs {
			if t.Type != "validate" {
				continue
			}
			v := validation{Run: run, TaskID: t.TaskID, Status: string(t.Status)}
			var a validateAttrs
			if len(t.Attrs) > 0 {
				_ = json.Unmarshal(t.Attrs, &a) // the store holds valid JSON
			}
			v.Policy, v.Dropped = a.Policy, a.Dropped
			v.Report, v.Problem = readQualityReport(a.ReportJSON)
			if a.Rejects != "" {
				v.Header, v.Rejects = readRejects(a.Rejects)
			}
			d.Validations = append(d.Validations, v)
		}
	}
	u.render(w, r, http.StatusOK, "quality", s, d)
}

// readQualityReport reads a report the validate task wrote, or says why
// there is none to show.
func readQualityReport(path string) (*quality.Report, string) {
	if path == "" {
		return nil, "The task wrote no report (set with.report to keep one)."
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "The report " + path + " is gone."
	}
	if err != nil {
		return nil, "The report " + path + " cannot be read: " + err.Error()
	}
	var rep quality.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, "The report " + path + " is not a quality report: " + err.Error()
	}
	return &rep, ""
}

// readRejects reads the header and first rows of a rejects CSV; nothing
// when it is gone.
func readRejects(path string) ([]string, [][]string) {
	f, err := os.Open(filepath.Clean(path))
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil
	}
	var rows [][]string
	for len(rows) < rejectRows {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) || err != nil {
			break
		}
		rows = append(rows, rec)
	}
	return header, rows
}
