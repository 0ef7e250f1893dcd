package webui

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"

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

type qualityData struct {
	Validations []validation
	Enrichments []enrichment
}

// enrichment is one enrich task's coverage in one run: per column, how
// many rows had a value before the task and after it.
type enrichment struct {
	Run     store.Run
	TaskID  string
	Status  string
	Fields  []coverageRow
	Problem string
}

// coverageRow is one column's coverage, with the bar widths drawn for it.
type coverageRow struct {
	Field                       string
	Rows, Before, After, Gained int64
	BeforePct, AfterPct         float64
	BeforeW, AfterW, Max        int
}

// coverageBarW is the width of a full coverage bar.
const coverageBarW = 240

// enrichAttrs are the attributes the enrich task records: per column, the
// rows filled before and after it, of how many.
type enrichAttrs struct {
	Coverage map[string]struct {
		Before int64 `json:"before"`
		After  int64 `json:"after"`
		Rows   int64 `json:"rows"`
	} `json:"coverage"`
}

// newEnrichment reads an enrich task's coverage from its attributes.
func newEnrichment(run store.Run, t store.TaskRun) enrichment {
	e := enrichment{Run: run, TaskID: t.TaskID, Status: string(t.Status)}
	var a enrichAttrs
	if len(t.Attrs) > 0 {
		_ = json.Unmarshal(t.Attrs, &a) // the store holds valid JSON
	}
	if len(a.Coverage) == 0 {
		e.Problem = "The task recorded no coverage (it did not finish, or ran before coverage was kept)."
		return e
	}
	for _, field := range slices.Sorted(maps.Keys(a.Coverage)) {
		c := a.Coverage[field]
		row := coverageRow{Field: field, Rows: c.Rows, Before: c.Before, After: c.After, Gained: c.After - c.Before, Max: coverageBarW}
		if c.Rows > 0 {
			row.BeforePct, row.AfterPct = float64(c.Before)/float64(c.Rows), float64(c.After)/float64(c.Rows)
		}
		row.BeforeW = int(min(row.BeforePct, 1) * coverageBarW)
		row.AfterW = int(min(row.AfterPct, 1) * coverageBarW)
		e.Fields = append(e.Fields, row)
	}
	return e
}

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
// failing values, column completeness and the first rejected rows; and
// the coverage each enrich task reached, per column, before and after.
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
			if t.Type == "enrich" {
				d.Enrichments = append(d.Enrichments, newEnrichment(run, t))
			}
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
