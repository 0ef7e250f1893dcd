package webui

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/backfill"
)

// Bounds of the overview: the days charted, the window of the duration
// and task tables, and how much history one page view may read.
const (
	overviewDays     = 14
	overviewWindow   = 7 * 24 * time.Hour
	overviewMaxRuns  = 20_000
	overviewTaskRuns = 300
	overviewTop      = 8
)

type dayBar struct {
	Day   string
	X     int
	Segs  []daySeg
	Total int
}

type daySeg struct {
	Status string
	Y, H   int
	N      int
}

type pipelineStat struct {
	Pipeline string
	Runs     int
	P50, P95 string
	Failed   int
}

type taskStat struct {
	Task, Pipeline string
	Runs, Failed   int
	Slowest        time.Duration
	SlowestText    string
}

type overviewData struct {
	Days      []dayBar
	ChartH    int
	ChartW    int
	Max       int
	Pipelines []pipelineStat
	Slowest   []taskStat
	Failing   []taskStat
	Read      int
	Capped    bool
	TaskRuns  int
	Statuses  []string
}

func (overviewData) title() (string, string) { return "Overview", "overview" }

// chartStatuses are stacked bottom to top.
var chartStatuses = []string{"succeeded", "failed", "crashed", "cancelled", "running", "pending"}

// overviewPage charts the run history: runs per day by status, duration
// percentiles per pipeline, and the slowest and most-failing tasks.
func (u *UI) overviewPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	now := time.Now().UTC()
	from := now.Truncate(24*time.Hour).AddDate(0, 0, -(overviewDays - 1))
	var runs []store.Run
	f := store.RunFilter{Limit: 1000}
	d := overviewData{ChartH: 160, Statuses: chartStatuses}
scan:
	for len(runs) < overviewMaxRuns {
		batch, err := u.c.Runs.ListRuns(ctx, f)
		if err != nil {
			u.fail(w, r, s, err)
			return
		}
		for _, run := range batch {
			if run.CreatedAt.Before(from) {
				break scan
			}
			runs = append(runs, run)
		}
		if len(batch) < f.Limit {
			break
		}
		f.Before = batch[len(batch)-1].Cursor()
	}
	d.Read, d.Capped = len(runs), len(runs) >= overviewMaxRuns

	perDay := map[string]map[string]int{}
	for _, run := range runs {
		day := run.CreatedAt.Format(time.DateOnly)
		if perDay[day] == nil {
			perDay[day] = map[string]int{}
		}
		perDay[day][string(run.Status)]++
	}
	for i := range overviewDays {
		day := from.AddDate(0, 0, i).Format(time.DateOnly)
		total := 0
		for _, n := range perDay[day] {
			total += n
		}
		d.Max = max(d.Max, total)
		d.Days = append(d.Days, dayBar{Day: day, X: 40 + i*44, Total: total})
	}
	d.ChartW = 40 + overviewDays*44
	for i := range d.Days {
		y := d.ChartH
		for _, st := range chartStatuses {
			n := perDay[d.Days[i].Day][st]
			if n == 0 {
				continue
			}
			h := max(n*(d.ChartH-10)/max(d.Max, 1), 1)
			y -= h
			d.Days[i].Segs = append(d.Days[i].Segs, daySeg{Status: st, Y: y, H: h, N: n})
		}
	}

	recent := runs
	if i := slices.IndexFunc(runs, func(r store.Run) bool { return r.CreatedAt.Before(now.Add(-overviewWindow)) }); i >= 0 {
		recent = runs[:i]
	}
	durations := map[string][]time.Duration{}
	failed := map[string]int{}
	for _, run := range recent {
		if run.Status.Terminal() && !run.StartedAt.IsZero() && !run.EndedAt.IsZero() {
			durations[run.Pipeline] = append(durations[run.Pipeline], run.EndedAt.Sub(run.StartedAt))
		}
		if run.Status == store.RunFailed || run.Status == store.RunCrashed {
			failed[run.Pipeline]++
		}
	}
	for p, ds := range durations {
		slices.Sort(ds)
		d.Pipelines = append(d.Pipelines, pipelineStat{Pipeline: p, Runs: len(ds), Failed: failed[p],
			P50: backfill.FormatDuration(percentile(ds, 50)), P95: backfill.FormatDuration(percentile(ds, 95))})
	}
	slices.SortFunc(d.Pipelines, func(a, b pipelineStat) int { return cmp.Compare(a.Pipeline, b.Pipeline) })

	// Task statistics read each run's tasks, so they cover the latest
	// runs of the window only.
	tasks := map[[2]string]*taskStat{}
	for _, run := range recent[:min(len(recent), overviewTaskRuns)] {
		trs, err := u.c.Runs.ListTasks(ctx, run.ID)
		if err != nil {
			u.fail(w, r, s, err)
			return
		}
		d.TaskRuns++
		for _, t := range trs {
			k := [2]string{run.Pipeline, t.TaskID}
			ts := tasks[k]
			if ts == nil {
				ts = &taskStat{Task: t.TaskID, Pipeline: run.Pipeline}
				tasks[k] = ts
			}
			ts.Runs++
			if t.Status == "failed" {
				ts.Failed++
			}
			if !t.StartedAt.IsZero() && !t.EndedAt.IsZero() {
				ts.Slowest = max(ts.Slowest, t.EndedAt.Sub(t.StartedAt))
			}
		}
	}
	for _, ts := range tasks {
		ts.SlowestText = backfill.FormatDuration(ts.Slowest)
		if ts.Slowest > 0 {
			d.Slowest = append(d.Slowest, *ts)
		}
		if ts.Failed > 0 {
			d.Failing = append(d.Failing, *ts)
		}
	}
	slices.SortFunc(d.Slowest, func(a, b taskStat) int { return cmp.Or(cmp.Compare(b.Slowest, a.Slowest), cmp.Compare(a.Task, b.Task)) })
	slices.SortFunc(d.Failing, func(a, b taskStat) int { return cmp.Or(cmp.Compare(b.Failed, a.Failed), cmp.Compare(a.Task, b.Task)) })
	d.Slowest = d.Slowest[:min(len(d.Slowest), overviewTop)]
	d.Failing = d.Failing[:min(len(d.Failing), overviewTop)]
	u.render(w, r, http.StatusOK, "overview", s, d)
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted) + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

// short is a day label for the chart's axis: "07 Dec".
func short(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.Format("02 Jan")
}
