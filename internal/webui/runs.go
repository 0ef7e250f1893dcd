package webui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine/store"
)

// pageSize is how many runs one page of the runs list shows.
const pageSize = 50

// scanBatch and scanCap bound the work of a filter the store cannot apply
// itself (tag, trigger, start date): runs are read in keyset batches and
// filtered here, and one page never reads more than scanCap runs; the next
// page continues from where the scan stopped.
const (
	scanBatch = 500
	scanCap   = 5000
)

// Triggers a run list can be filtered by: the two groups (runs started
// directly, runs of a deployment), which hold runs recorded before the
// store kept how each run started, and each way a run starts
// (store.StartedByValues: schedule, api, ui, backfill), read from the
// store's index.
const (
	triggerDirect     = "cli"
	triggerDeployment = "deployment"
)

// startedByTrigger reports whether trigger names one way a run starts
// (other than the cli group).
func startedByTrigger(trigger string) bool {
	return trigger != triggerDirect && slices.Contains(store.StartedByValues, trigger)
}

// runsQuery is the runs list's filter, as kept in the URL.
type runsQuery struct {
	Status     string
	Pipeline   string
	Deployment string
	Tag        string
	Trigger    string
	From       string
	To         string
	before     store.RunCursor
	from, to   time.Time
}

// parseRunsQuery reads the filter from the URL; problems are returned as
// messages naming the field, and the field is then ignored.
func parseRunsQuery(v url.Values) (runsQuery, []string) {
	q := runsQuery{
		Status: v.Get("status"), Pipeline: v.Get("pipeline"), Deployment: v.Get("deployment"),
		Tag: v.Get("tag"), Trigger: v.Get("trigger"), From: v.Get("from"), To: v.Get("to"),
	}
	var bad []string
	if q.Status != "" && !store.RunStatus(q.Status).Valid() {
		bad = append(bad, fmt.Sprintf("status %q: want pending, running, succeeded, failed, cancelled or crashed", q.Status))
		q.Status = ""
	}
	if q.Trigger != "" && q.Trigger != triggerDirect && q.Trigger != triggerDeployment && !startedByTrigger(q.Trigger) {
		bad = append(bad, fmt.Sprintf("trigger %q: want %s (started directly), %s (a deployment's), schedule, api, ui or backfill", q.Trigger, triggerDirect, triggerDeployment))
		q.Trigger = ""
	}
	for _, d := range []struct {
		name string
		raw  *string
		t    *time.Time
	}{{"from", &q.From, &q.from}, {"to", &q.To, &q.to}} {
		if *d.raw == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, *d.raw)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s %q: want a date such as 2026-01-31", d.name, *d.raw))
			*d.raw = ""
			continue
		}
		*d.t = t
	}
	if b := v.Get("before"); b != "" {
		c, err := parseCursor(b)
		if err != nil {
			bad = append(bad, err.Error())
		}
		q.before = c
	}
	return q, bad
}

// values returns the filter as URL parameters, without the cursor.
func (q runsQuery) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"status", q.Status}, {"pipeline", q.Pipeline}, {"deployment", q.Deployment},
		{"tag", q.Tag}, {"trigger", q.Trigger}, {"from", q.From}, {"to", q.To}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

// formatCursor and parseCursor keep a keyset position in the URL as
// "<created_at in µs>_<run id>".
func formatCursor(c store.RunCursor) string {
	return strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "_" + c.ID
}

func parseCursor(s string) (store.RunCursor, error) {
	us, id, ok := strings.Cut(s, "_")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || id == "" {
		return store.RunCursor{}, fmt.Errorf("before %q: not a position from a \"Older\" link; start again from the first page", s)
	}
	return store.RunCursor{CreatedAt: time.UnixMicro(n).UTC(), ID: id}, nil
}

// runRow is a run as the list shows it.
type runRow struct {
	store.Run
	Trigger string
}

func newRunRow(r store.Run) runRow {
	t := r.StartedBy
	switch {
	case t != "":
	case r.Deployment != "":
		t = triggerDeployment
	default:
		t = triggerDirect
	}
	return runRow{Run: r, Trigger: t}
}

// FirstLine is the first line of the run's error, for the list.
func (r runRow) FirstLine() string {
	line, _, _ := strings.Cut(r.Error, "\n")
	if len(line) > 160 {
		line = line[:157] + "..."
	}
	return line
}

// Active reports whether the run may still change.
func (r runRow) Active() bool { return !r.Status.Terminal() }

type runsData struct {
	Q        runsQuery
	Bad      []string
	Runs     []runRow
	Next     string
	Scanned  int
	Capped   bool
	First    string
	Paged    bool
	Active   bool
	Statuses []string
}

func (runsData) title() (string, string) { return "Runs", "runs" }

func (d runsData) live() string {
	if d.Active || !d.Paged {
		return "/events/runs"
	}
	return ""
}

func (u *UI) runsPage(w http.ResponseWriter, r *http.Request, s *session) {
	q, bad := parseRunsQuery(r.URL.Query())
	runs, next, scanned, capped, err := u.listRuns(r.Context(), q)
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	d := runsData{Q: q, Bad: bad, Scanned: scanned, Capped: capped, Paged: !q.before.IsZero(),
		Statuses: []string{"pending", "running", "succeeded", "failed", "cancelled", "crashed"}}
	for _, run := range runs {
		row := newRunRow(run)
		d.Active = d.Active || row.Active()
		d.Runs = append(d.Runs, row)
	}
	v := q.values()
	d.First = "/?" + v.Encode()
	if !next.IsZero() {
		v.Set("before", formatCursor(next))
		d.Next = "/?" + v.Encode()
	}
	u.render(w, r, http.StatusOK, "runs", s, d)
}

// listRuns returns one page of runs matching q, and the cursor of the next
// page (zero at the end). Filters the store understands go to the store;
// the others are applied to keyset batches, reading at most scanCap runs.
func (u *UI) listRuns(ctx context.Context, q runsQuery) (runs []store.Run, next store.RunCursor, scanned int, capped bool, err error) {
	f := store.RunFilter{Status: store.RunStatus(q.Status), Pipeline: q.Pipeline, Deployment: q.Deployment, Before: q.before}
	if !q.to.IsZero() {
		end := store.RunCursor{CreatedAt: q.to.AddDate(0, 0, 1)}
		if f.Before.IsZero() || f.Before.CreatedAt.After(end.CreatedAt) {
			f.Before = end
		}
	}
	if startedByTrigger(q.Trigger) {
		f.StartedBy = q.Trigger
	}
	if q.Tag != "" {
		return u.listTagged(ctx, q, f)
	}
	keep := func(store.Run) bool { return true }
	switch q.Trigger {
	case triggerDirect:
		keep = func(r store.Run) bool { return r.Deployment == "" }
	case triggerDeployment:
		keep = func(r store.Run) bool { return r.Deployment != "" }
	}
	postFilter := q.Trigger == triggerDirect || q.Trigger == triggerDeployment || !q.from.IsZero()
	if !postFilter {
		f.Limit = pageSize + 1
		runs, err = u.c.Runs.ListRuns(ctx, f)
		if err != nil {
			return nil, store.RunCursor{}, 0, false, err
		}
		if len(runs) > pageSize {
			runs = runs[:pageSize]
			next = runs[pageSize-1].Cursor()
		}
		return runs, next, len(runs), false, nil
	}
	f.Limit = scanBatch
	for scanned < scanCap {
		batch, err := u.c.Runs.ListRuns(ctx, f)
		if err != nil {
			return nil, store.RunCursor{}, 0, false, err
		}
		for _, r := range batch {
			if !q.from.IsZero() && r.CreatedAt.Before(q.from) {
				return runs, store.RunCursor{}, scanned, false, nil
			}
			scanned++
			if !keep(r) {
				continue
			}
			if len(runs) == pageSize {
				return runs, runs[pageSize-1].Cursor(), scanned, false, nil
			}
			runs = append(runs, r)
		}
		if len(batch) < scanBatch {
			return runs, store.RunCursor{}, scanned, false, nil
		}
		f.Before = batch[len(batch)-1].Cursor()
	}
	return runs, f.Before, scanned, true, nil
}

// listTagged lists the runs of the deployments carrying q.Tag: one keyset
// query per deployment, each using the store's deployment index, merged
// newest first. A tag is on a few deployments, so this stays a few small
// queries however long the history.
func (u *UI) listTagged(ctx context.Context, q runsQuery, f store.RunFilter) ([]store.Run, store.RunCursor, int, bool, error) {
	deps, err := u.taggedDeployments(ctx, q.Tag)
	if err != nil {
		return nil, store.RunCursor{}, 0, false, err
	}
	if f.Deployment != "" {
		if !slices.Contains(deps, f.Deployment) {
			deps = nil
		} else {
			deps = []string{f.Deployment}
		}
	}
	if q.Trigger == triggerDirect {
		deps = nil // a tagged run is a deployment's run
	}
	var runs []store.Run
	f.Limit = pageSize + 1
	for _, d := range deps {
		f.Deployment = d
		rs, err := u.c.Runs.ListRuns(ctx, f)
		if err != nil {
			return nil, store.RunCursor{}, 0, false, err
		}
		runs = append(runs, rs...)
	}
	slices.SortFunc(runs, func(a, b store.Run) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	scanned := len(runs)
	if !q.from.IsZero() {
		if i := slices.IndexFunc(runs, func(r store.Run) bool { return r.CreatedAt.Before(q.from) }); i >= 0 {
			runs = runs[:i]
		}
	}
	var next store.RunCursor
	if len(runs) > pageSize {
		runs = runs[:pageSize]
		next = runs[pageSize-1].Cursor()
	}
	return runs, next, scanned, false, nil
}

// taggedDeployments names the deployments carrying tag; every deployment
// when tag is empty.
func (u *UI) taggedDeployments(ctx context.Context, tag string) ([]string, error) {
	ds, err := u.c.Deployments.ListDeployments(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range ds {
		if tag == "" || slices.Contains(d.Tags, tag) {
			out = append(out, d.Name)
		}
	}
	return out, nil
}
