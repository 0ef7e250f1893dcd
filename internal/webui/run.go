package webui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/backfill"
	"github.com/hotpass/hotpass/internal/redact"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/server"
	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs"
)

// taskPage is how many tasks one page of a run's task table shows.
const taskPage = 200

// maxGanttRows bounds the timeline; a larger run shows its earliest
// starters and says how many are left out.
const maxGanttRows = 300

// ganttW is the width of the timeline's bar area.
const ganttW = 720

type param struct{ Name, Value string }

// taskRow is one task of a run as the page shows it.
type taskRow struct {
	store.TaskRun
	SkipReason string
	HasLog     bool
	LogHref    string
	OutputHref string
	Anchor     string
}

type ganttBar struct {
	ID, Status, Label string
	X, W, Y           int
}

type ganttView struct {
	Bars    []ganttBar
	H       int
	Total   string
	Omitted int
	W       int
}

type runData struct {
	Run      runRow
	Params   []param
	Tasks    []taskRow
	DAG      *dagView
	DAGNote  string
	Gantt    *ganttView
	Counts   []param
	TraceURL string
	Pruned   bool
	Notice   string
	Page     int
	Pages    int
	PrevPage string
	NextPage string
	// CanCancel, CanRerun say which buttons are offered; RerunWhy says why
	// re-running is not.
	CanCancel bool
	CanRerun  bool
	CanResume bool
	RerunWhy  string
	// SpecChanged warns that a direct run's spec is no longer the one it
	// ran, so Re-run and Resume ask first.
	SpecChanged bool
	Live        bool
}

func (d runData) title() (string, string) { return "Run " + d.Run.ID, "runs" }

func (d runData) live() string {
	if d.Live {
		return "/runs/" + url.PathEscape(d.Run.ID) + "/events"
	}
	return ""
}

// runDir is where run id's files are.
func (u *UI) runDir(id string) string { return runner.RunDir(u.c.StateDir, id) }

func (u *UI) getRun(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) (store.Run, bool) {
	id := r.PathValue("id")
	run, err := u.c.Runs.GetRun(ctx, id)
	return run, u.found(w, r, s, err, "There is no run "+strconv.Quote(id)+" in the history; it may have been pruned.")
}

// found answers a store lookup's error: 404 with missing for
// store.ErrNotFound, 500 for any other. It reports whether err was nil.
func (u *UI) found(w http.ResponseWriter, r *http.Request, s *session, err error, missing string) bool {
	switch {
	case errors.Is(err, store.ErrNotFound):
		u.notFound(w, r, s, missing)
	case err != nil:
		u.fail(w, r, s, err)
	}
	return err == nil
}

func (u *UI) runPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	run, ok := u.getRun(ctx, w, r, s)
	if !ok {
		return
	}
	trs, err := u.c.Runs.ListTasks(ctx, run.ID)
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	d := runData{Run: newRunRow(run), Notice: notices[r.URL.Query().Get("notice")], Live: !run.Status.Terminal()}
	d.Params = runParams(run.Params)
	if u.c.TraceURL != "" && run.TraceID != "" {
		d.TraceURL = strings.ReplaceAll(u.c.TraceURL, "{trace_id}", url.PathEscape(run.TraceID))
	}
	dir := u.runDir(run.ID)
	var rec *engine.RunRecord
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		d.Pruned = run.Status != store.RunPending
	} else {
		rec, _ = engine.ReadRunRecord(filepath.Join(dir, engine.RunRecordFile)) // absent while running
	}
	counts := map[string]int{}
	for _, t := range trs {
		counts[string(t.Status)]++
	}
	for _, st := range []string{"failed", "running", "retrying", "pending", "cancelled", "skipped", "succeeded"} {
		if counts[st] > 0 {
			d.Counts = append(d.Counts, param{st, strconv.Itoa(counts[st])})
		}
	}
	deps, note := u.specDeps(r.Context(), run)
	d.DAGNote = note
	dts := make([]dagTask, len(trs))
	for i, t := range trs {
		dts[i] = dagTask{ID: t.TaskID, Status: string(t.Status), Deps: deps[t.TaskID]}
	}
	base := "/runs/" + url.PathEscape(run.ID)
	taskHref := func(id string) string { return base + "/tasks/" + url.PathEscape(id) + "/log" }
	if d.DAG, err = layoutDAG(dts, taskHref); err != nil {
		d.DAGNote = err.Error()
	}
	d.Gantt = gantt(trs)
	d.Pages = max(1, (len(trs)+taskPage-1)/taskPage)
	d.Page = min(max(atoiOr(r.URL.Query().Get("tasks"), 1), 1), d.Pages)
	if d.Page > 1 {
		d.PrevPage = base + "?tasks=" + strconv.Itoa(d.Page-1) + "#tasks"
	}
	if d.Page < d.Pages {
		d.NextPage = base + "?tasks=" + strconv.Itoa(d.Page+1) + "#tasks"
	}
	for _, t := range trs[(d.Page-1)*taskPage : min(d.Page*taskPage, len(trs))] {
		row := taskRow{TaskRun: t, LogHref: taskHref(t.TaskID), Anchor: "task-" + t.TaskID,
			OutputHref: base + "/tasks/" + url.PathEscape(t.TaskID) + "/output"}
		if rec != nil {
			if tr := rec.Task(t.TaskID); tr != nil {
				row.SkipReason = tr.SkipReason
			}
		}
		row.HasLog = !d.Pruned && t.Status != "pending" && t.Status != "skipped"
		d.Tasks = append(d.Tasks, row)
	}
	d.CanCancel = !run.Status.Terminal()
	d.CanRerun, d.RerunWhy = u.rerunnable(ctx, run)
	d.CanResume = d.CanRerun && resumableStatus(run.Status)
	if d.CanRerun && run.Deployment == "" {
		cur, err := u.specEntry(ctx, run)
		d.SpecChanged = err == nil && cur.hash != run.SpecHash
	}
	u.render(w, r, http.StatusOK, "run", s, d)
}

// runParams lists a run's params sorted by name, values as JSON.
func runParams(raw json.RawMessage) []param {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return []param{{"(params)", string(raw)}}
	}
	out := make([]param, 0, len(m))
	for k, v := range m {
		out = append(out, param{k, string(v)})
	}
	slices.SortFunc(out, func(a, b param) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// specDeps reads the dependencies of run's tasks from its spec file, and a
// note when they may not be the run's own (the spec changed or is gone).
func (u *UI) specDeps(ctx context.Context, run store.Run) (map[string][]string, string) {
	if u.c.Loader == nil || run.SpecPath == "" {
		return nil, "The spec is not known, so the tasks are drawn without their dependencies."
	}
	e, err := u.specEntry(ctx, run)
	switch {
	case err != nil && strings.HasPrefix(run.SpecPath, runner.ProfilePrefix):
		return nil, "The profile's pipeline could not be loaded (" + err.Error() + "), so the tasks are drawn without their dependencies."
	case err != nil:
		return nil, "The spec " + run.SpecPath + " no longer loads, so the tasks are drawn without their dependencies."
	case run.SpecHash != "" && e.hash != run.SpecHash:
		return e.deps, "The spec has changed since this run; the dependencies drawn are the current file's."
	}
	return e.deps, ""
}

// specEntry loads the spec run was started from as it is now: a built-in
// profile's pipeline, or its file (a relative path meaning serve's
// working directory).
func (u *UI) specEntry(ctx context.Context, run store.Run) (specDepsEntry, error) {
	if u.c.Loader == nil {
		return specDepsEntry{}, errors.New("this server loads no specs")
	}
	if name, ok := strings.CutPrefix(run.SpecPath, runner.ProfilePrefix); ok {
		// A built-in pipeline is small and inside the binary: no cache.
		spec, _, err := runner.Profile(name).Load(ctx, u.c.Loader, false, nil)
		if err != nil {
			return specDepsEntry{}, err
		}
		return specDepsOf(spec), nil
	}
	// Loading and validating a spec of 1,000 tasks costs more than
	// drawing its run, hence the cache.
	return u.specs.get(run.SpecPath, loadSpecDeps(u.c.Loader))
}

// specDepsEntry is what the DAG needs of a spec: each task's dependencies
// and the file's hash, to tell whether it changed since the run.
type specDepsEntry struct {
	deps map[string][]string
	hash string
}

// loadSpecDeps loads a spec and keeps its dependencies.
func loadSpecDeps(l *engine.Loader) func(string) (specDepsEntry, error) {
	return func(file string) (specDepsEntry, error) {
		spec, _, err := l.Load(file, false, nil)
		if err != nil {
			return specDepsEntry{}, err
		}
		return specDepsOf(spec), nil
	}
}

// specDepsOf lists each task's dependencies.
func specDepsOf(spec *specs.Spec) specDepsEntry {
	e := specDepsEntry{deps: make(map[string][]string, len(spec.Tasks)), hash: spec.Hash}
	for _, t := range spec.Tasks {
		for _, ref := range t.Deps() {
			e.deps[t.ID] = append(e.deps[t.ID], ref.ID)
		}
	}
	return e
}

// gantt draws when each task ran, on a common time axis.
func gantt(trs []store.TaskRun) *ganttView {
	var started []store.TaskRun
	var t0, t1 time.Time
	for _, t := range trs {
		if t.StartedAt.IsZero() {
			continue
		}
		started = append(started, t)
		end := t.EndedAt
		if end.IsZero() {
			end = time.Now()
		}
		if t0.IsZero() || t.StartedAt.Before(t0) {
			t0 = t.StartedAt
		}
		if end.After(t1) {
			t1 = end
		}
	}
	if len(started) == 0 {
		return nil
	}
	slices.SortStableFunc(started, func(a, b store.TaskRun) int { return a.StartedAt.Compare(b.StartedAt) })
	g := &ganttView{Total: backfill.FormatDuration(t1.Sub(t0)), W: ganttW}
	if len(started) > maxGanttRows {
		g.Omitted = len(started) - maxGanttRows
		started = started[:maxGanttRows]
	}
	span := max(t1.Sub(t0), time.Millisecond)
	for i, t := range started {
		end := t.EndedAt
		if end.IsZero() {
			end = t1
		}
		x := int(float64(t.StartedAt.Sub(t0)) / float64(span) * ganttW)
		wd := max(int(float64(end.Sub(t.StartedAt))/float64(span)*ganttW), 2)
		label := t.TaskID
		if t.Attempts > 1 {
			label += " (" + strconv.Itoa(t.Attempts) + " attempts)"
		}
		g.Bars = append(g.Bars, ganttBar{ID: t.TaskID, Status: string(t.Status), Label: label + " · " + backfill.FormatDuration(end.Sub(t.StartedAt)),
			X: x, W: min(wd, ganttW-x+2), Y: i * 20})
	}
	g.H = len(g.Bars) * 20
	return g
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

// runEvents streams a run's state to its open page: the run's status and
// every task's, as JSON. The stream ends once the run has finished.
func (u *UI) runEvents(w http.ResponseWriter, r *http.Request, s *session) {
	run, ok := u.getRun(r.Context(), w, r, s)
	if !ok {
		return
	}
	u.stream(w, r, "state", func(ctx context.Context) (string, bool, error) {
		cur, err := u.c.Runs.GetRun(ctx, run.ID)
		if err != nil {
			return "", false, err
		}
		trs, err := u.c.Runs.ListTasks(ctx, run.ID)
		if err != nil {
			return "", false, err
		}
		st := struct {
			Status string            `json:"status"`
			Tasks  map[string]string `json:"tasks"`
		}{Status: string(cur.Status), Tasks: make(map[string]string, len(trs))}
		for _, t := range trs {
			st.Tasks[t.TaskID] = string(t.Status)
		}
		b, err := json.Marshal(st)
		return string(b), cur.Status.Terminal(), err
	})
}

// cancelRun cancels a run: a pending one at once, a running one by asking
// the process that runs it (this serve's worker directly; any other process
// through the store, which it polls every second or so).
func (u *UI) cancelRun(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	run, ok := u.getRun(ctx, w, r, s)
	if !ok {
		return
	}
	if run.Status.Terminal() {
		u.errorPage(w, r, s, http.StatusConflict, "Run already finished", "Run "+run.ID+" is "+string(run.Status)+"; there is nothing to cancel.")
		return
	}
	if run.Status == store.RunRunning && u.c.Cancel != nil && u.c.Cancel(run.ID) {
		u.log.Info("web ui: run cancellation requested", "run_id", run.ID)
		redirectNotice(w, r, "/runs/"+url.PathEscape(run.ID), "cancelling")
		return
	}
	got, err := u.c.Runs.RequestCancel(ctx, run.ID)
	switch {
	case errors.Is(err, store.ErrInvalidTransition):
		u.errorPage(w, r, s, http.StatusConflict, "Run already finished", "Run "+run.ID+" finished meanwhile; there is nothing to cancel.")
	case err != nil:
		u.fail(w, r, s, err)
	case got.Status == store.RunCancelled:
		u.log.Info("web ui: run cancelled", "run_id", run.ID)
		redirectNotice(w, r, "/runs/"+url.PathEscape(run.ID), "cancelled")
	default:
		u.log.Info("web ui: run cancellation requested", "run_id", run.ID)
		redirectNotice(w, r, "/runs/"+url.PathEscape(run.ID), "cancelling")
	}
}

// rerunnable says whether run can be queued again from the interface.
func (u *UI) rerunnable(ctx context.Context, run store.Run) (bool, string) {
	switch {
	case u.c.Enqueue == nil:
		return false, "This server does not queue runs."
	case !run.Status.Terminal():
		return false, "The run has not finished."
	}
	if name := maskedParam(run.Params); name != "" {
		// Replaying the mask would run with "***" in place of the secret.
		return false, "Its param " + strconv.Quote(name) + " held a secret and was recorded masked (" + redact.Mask +
			"), so it cannot be replayed; start the run again with the value (hotpass run --param, or Run now on its deployment)."
	}
	if run.Deployment == "" {
		if run.SpecPath == "" {
			return false, "The run did not record its spec, so nothing says what to run."
		}
		return true, ""
	}
	if _, err := u.c.Deployments.GetDeployment(ctx, run.Deployment); err != nil {
		return false, "Its deployment " + strconv.Quote(run.Deployment) + " no longer exists."
	}
	return true, ""
}

// maskedParam names a param whose recorded value holds the redaction mask
// (a secret was in it), or returns "" when there is none.
func maskedParam(raw json.RawMessage) string {
	var m map[string]any
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return ""
	}
	names := slices.Sorted(maps.Keys(m))
	for _, k := range names {
		if holdsMask(m[k]) {
			return k
		}
	}
	return ""
}

func holdsMask(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, redact.Mask)
	case []any:
		return slices.ContainsFunc(v, holdsMask)
	case map[string]any:
		for _, x := range v {
			if holdsMask(x) {
				return true
			}
		}
	}
	return false
}

// rerun queues a new run with the same params: of the same deployment, or
// for a run started directly, of the same spec.
func (u *UI) rerun(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	run, ok := u.getRun(ctx, w, r, s)
	if !ok {
		return
	}
	if ok, why := u.rerunnable(ctx, run); !ok {
		u.errorPage(w, r, s, http.StatusConflict, "Cannot re-run", why)
		return
	}
	params, err := recordedParams(run)
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	if run.Deployment == "" {
		u.requeueSpec(w, r, s, run, params, "")
		return
	}
	d, err := u.c.Deployments.GetDeployment(ctx, run.Deployment)
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	u.enqueue(w, r, s, d, params, nil, "")
}

// recordedParams decodes the params run recorded.
func recordedParams(run store.Run) (map[string]any, error) {
	var params map[string]any
	if len(run.Params) > 0 {
		if err := json.Unmarshal(run.Params, &params); err != nil {
			return nil, fmt.Errorf("run %s: params are not a JSON object: %w", run.ID, err)
		}
	}
	return params, nil
}

// resumableStatus says whether a run that can be re-run can also be
// resumed (a re-run reusing what succeeded): it failed, was cancelled or
// crashed.
func resumableStatus(s store.RunStatus) bool {
	return s == store.RunFailed || s == store.RunCancelled || s == store.RunCrashed
}

// resume queues a run of the same deployment, or the same spec, that
// reuses the unchanged successful tasks of run (as `hotpass run --resume`
// does) and runs the rest, with the same params.
func (u *UI) resume(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	run, ok := u.getRun(ctx, w, r, s)
	if !ok {
		return
	}
	ok, why := u.rerunnable(ctx, run)
	if ok && !resumableStatus(run.Status) {
		ok, why = false, "Run "+run.ID+" is "+string(run.Status)+"; only a failed, cancelled or crashed run is resumed."
	}
	if !ok {
		u.errorPage(w, r, s, http.StatusConflict, "Cannot resume", why)
		return
	}
	if run.Deployment == "" {
		// The runner would take them from the run resumed too, but the
		// queue checks them first and has no deployment to supply them.
		params, err := recordedParams(run)
		if err != nil {
			u.fail(w, r, s, err)
			return
		}
		u.requeueSpec(w, r, s, run, params, run.ID)
		return
	}
	d, err := u.c.Deployments.GetDeployment(ctx, run.Deployment)
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	u.enqueue(w, r, s, d, nil, nil, run.ID)
}

// confirmData is the page asking whether to run a spec that changed since
// the run being repeated.
type confirmData struct {
	Run      store.Run
	Action   string
	Verb     string
	SpecHash string
	Why      string
}

func (d confirmData) title() (string, string) { return d.Verb + " run " + d.Run.ID + "?", "runs" }

// requeueSpec queues run's spec again, as `hotpass run` would run it, with
// params, resuming resumeFrom when set. When the spec is no longer the one
// the run used, it asks first: the form carries the hash of the spec the
// person agreed to, so a second change asks again.
func (u *UI) requeueSpec(w http.ResponseWriter, r *http.Request, s *session, run store.Run, params map[string]any, resumeFrom string) {
	verb, action := "Re-run", "rerun"
	if resumeFrom != "" {
		verb, action = "Resume", "resume"
	}
	cur, err := u.specEntry(r.Context(), run)
	if err != nil {
		u.errorPage(w, r, s, http.StatusUnprocessableEntity, "Cannot "+strings.ToLower(verb),
			"The spec "+run.SpecPath+" the run was started from does not load here: "+server.Describe(err))
		return
	}
	if cur.hash != run.SpecHash && r.PostForm.Get("spec_hash") != cur.hash {
		why := "The spec file has changed since this run: its hash was " + shorten(run.SpecHash, 13) + ", it is now " + shorten(cur.hash, 13) + "."
		if run.SpecHash == "" {
			why = "The run did not record its spec's hash, so whether the spec changed since is not known."
		}
		u.render(w, r, http.StatusConflict, "confirm", s, confirmData{Run: run, Action: action, Verb: verb, SpecHash: cur.hash, Why: why})
		return
	}
	src := runner.LabelSource(run.SpecPath)
	if src.Path != "" {
		// Relative paths meant serve's working directory above; the queued
		// run records where it found the file.
		if abs, err := filepath.Abs(src.Path); err == nil {
			src = runner.File(abs)
		}
	}
	queued, err := u.c.Enqueue(r.Context(), runner.QueueRequest{Spec: src, Params: params, Strict: true, StartedBy: store.StartedUI, ResumeFrom: resumeFrom})
	if err != nil {
		var pe *specs.ParamError
		if errors.As(err, &pe) || errors.Is(err, specs.ErrInvalid) || errors.Is(err, profiles.ErrUnknown) {
			u.errorPage(w, r, s, http.StatusUnprocessableEntity, "Cannot "+strings.ToLower(verb), server.Describe(err))
			return
		}
		u.fail(w, r, s, err)
		return
	}
	if u.c.Queued != nil {
		u.c.Queued(queued)
	}
	u.log.Info("web ui: run queued", "run_id", queued.ID, "spec", src.Label(), "resume_from", resumeFrom)
	redirectNotice(w, r, "/runs/"+url.PathEscape(queued.ID), "queued")
}

// enqueue queues a run of d and opens it; a spec or param error is shown
// on the deployment's page with the field at fault.
func (u *UI) enqueue(w http.ResponseWriter, r *http.Request, s *session, d store.Deployment, params map[string]any, form map[string]string, resumeFrom string) {
	run, err := u.c.Enqueue(r.Context(), runner.QueueRequest{Deployment: d, Params: params, Strict: true, StartedBy: store.StartedUI, ResumeFrom: resumeFrom})
	if err != nil {
		var pe *specs.ParamError
		if errors.As(err, &pe) || errors.Is(err, specs.ErrInvalid) || errors.Is(err, profiles.ErrUnknown) {
			u.renderDeployment(w, r, s, http.StatusUnprocessableEntity, d, form, err)
			return
		}
		u.fail(w, r, s, err)
		return
	}
	if u.c.Queued != nil {
		u.c.Queued(run)
	}
	u.log.Info("web ui: run queued", "run_id", run.ID, "deployment", d.Name)
	redirectNotice(w, r, "/runs/"+url.PathEscape(run.ID), "queued")
}

// notices are the one-line confirmations a page shows after an action.
// The URL carries only the key, so a crafted link cannot put words on the
// page.
var notices = map[string]string{
	"cancelled":  "Run cancelled before it started.",
	"cancelling": "Cancellation requested; running tasks are being stopped.",
	"queued":     "Run queued; this page follows it live.",
	"paused":     "Schedule paused.",
	"resumed":    "Schedule resumed.",
	"deleted":    "Deployment deleted; its run history is kept.",
}

// redirectNotice sends the browser to path with the notice called key.
func redirectNotice(w http.ResponseWriter, r *http.Request, path, key string) {
	http.Redirect(w, r, path+"?notice="+key, http.StatusSeeOther)
}
