package webui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/scheduler"
	"github.com/hotpass/hotpass/internal/server"
	"github.com/hotpass/hotpass/specs"
)

// sparkRuns is how many recent runs a deployment's sparkline shows.
const sparkRuns = 20

// nextFires is how many upcoming fire times a deployment shows.
const nextFires = 5

// paramField is the form prefix of a param's input: param.NAME.
const paramField = "param."

type deploymentRow struct {
	store.Deployment
	Words    string
	Next     []time.Time
	BadSched string
	Recent   []runRow
	Href     string
}

type deploymentsData struct {
	Deployments []deploymentRow
	Notice      string
}

func (deploymentsData) title() (string, string) { return "Deployments", "deployments" }

// formParam is one input of the "Run now" form.
type formParam struct {
	Name, Type, Description string
	Input                   string // text, number, date, select
	Value                   string
	Options                 []string
	Required                bool
	Default                 string
	Error                   string
	Hint                    string
}

type deploymentData struct {
	D       deploymentRow
	Params  []formParam
	SpecErr string
	FormErr string
	Notice  string
	Unknown []string
	Delete  bool
}

func (d deploymentData) title() (string, string) { return "Deployment " + d.D.Name, "deployments" }

func (u *UI) deploymentRow(ctx context.Context, d store.Deployment, now time.Time) (deploymentRow, error) {
	row := deploymentRow{Deployment: d, Href: "/deployments/" + url.PathEscape(d.Name)}
	if d.Schedule != "" {
		sch, err := scheduler.ParseSchedule(d.Schedule, d.Timezone)
		if err != nil {
			row.BadSched = err.Error()
		} else {
			row.Words = describeCron(d.Schedule)
			t := now
			for range nextFires {
				t = sch.Next(t)
				if t.IsZero() {
					break
				}
				row.Next = append(row.Next, t)
			}
		}
	}
	runs, err := u.c.Runs.ListRuns(ctx, store.RunFilter{Deployment: d.Name, Limit: sparkRuns})
	if err != nil {
		return row, err
	}
	for i := len(runs) - 1; i >= 0; i-- { // oldest first, left to right
		row.Recent = append(row.Recent, newRunRow(runs[i]))
	}
	return row, nil
}

func (u *UI) deploymentsPage(w http.ResponseWriter, r *http.Request, s *session) {
	ds, err := u.c.Deployments.ListDeployments(r.Context())
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	data := deploymentsData{Notice: notices[r.URL.Query().Get("notice")]}
	now := time.Now()
	for _, d := range ds {
		row, err := u.deploymentRow(r.Context(), d, now)
		if err != nil {
			u.fail(w, r, s, err)
			return
		}
		data.Deployments = append(data.Deployments, row)
	}
	u.render(w, r, http.StatusOK, "deployments", s, data)
}

// getDeployment loads the deployment named in the path, or answers 404.
func (u *UI) getDeployment(w http.ResponseWriter, r *http.Request, s *session) (store.Deployment, bool) {
	name := r.PathValue("name")
	d, err := u.c.Deployments.GetDeployment(r.Context(), name)
	return d, u.found(w, r, s, err, "There is no deployment "+strconv.Quote(name)+". Deployments are created with `hotpass deploy`.")
}

func (u *UI) deploymentPage(w http.ResponseWriter, r *http.Request, s *session) {
	d, ok := u.getDeployment(w, r, s)
	if !ok {
		return
	}
	u.renderDeployment(w, r, s, http.StatusOK, d, nil, nil)
}

func (u *UI) deleteConfirmPage(w http.ResponseWriter, r *http.Request, s *session) {
	d, ok := u.getDeployment(w, r, s)
	if !ok {
		return
	}
	row, err := u.deploymentRow(r.Context(), d, time.Now())
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	u.render(w, r, http.StatusOK, "delete", s, deploymentData{D: row, Delete: true})
}

// renderDeployment shows a deployment and its "Run now" form; form holds
// the values sent back after a refused submission, failure why.
func (u *UI) renderDeployment(w http.ResponseWriter, r *http.Request, s *session, code int, d store.Deployment, form map[string]string, failure error) {
	row, err := u.deploymentRow(r.Context(), d, time.Now())
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	data := deploymentData{D: row, Notice: notices[r.URL.Query().Get("notice")]}
	spec, err := u.deploymentSpec(r.Context(), d)
	if err != nil {
		data.SpecErr = server.Describe(err)
	}
	var pe *specs.ParamError
	errors.As(failure, &pe)
	if failure != nil && (pe == nil || pe.Unknown) {
		data.FormErr = server.Describe(failure)
	}
	var stored map[string]any
	if len(d.Params) > 0 {
		_ = json.Unmarshal(d.Params, &stored) // the store checked it is JSON
	}
	if spec != nil {
		for _, p := range spec.Params {
			data.Params = append(data.Params, newFormParam(p, stored, form, pe))
		}
	}
	u.render(w, r, code, "deployment", s, data)
}

// deploymentSpec loads the spec a deployment's runs use.
func (u *UI) deploymentSpec(ctx context.Context, d store.Deployment) (*specs.Spec, error) {
	if u.c.Loader == nil {
		return nil, errors.New("this server cannot load specs")
	}
	spec, _, err := runner.DeploymentSource(d).Load(ctx, u.c.Loader, false, nil)
	return spec, err
}

// newFormParam builds a param's input: its type decides the widget, an
// enum gives a list, and the value shown is what was sent, else the
// deployment's stored value, else the spec's default.
func newFormParam(p *specs.Param, stored map[string]any, form map[string]string, pe *specs.ParamError) formParam {
	f := formParam{Name: p.Name, Type: string(p.Type), Description: p.Description, Required: p.Required && !p.HasDefault, Input: "text"}
	if p.HasDefault {
		f.Default = paramText(p.Default)
	}
	switch p.Type {
	case specs.ParamInteger, specs.ParamNumber:
		f.Input = "number"
	case specs.ParamDate:
		f.Input = "date"
	case specs.ParamBoolean:
		f.Input, f.Options = "select", []string{"true", "false"}
	case specs.ParamList:
		f.Hint = "comma-separated"
	}
	for _, e := range p.Constraints.Enum {
		f.Options = append(f.Options, paramText(e))
	}
	if len(p.Constraints.Enum) > 0 {
		f.Input = "select"
	}
	if v, ok := stored[p.Name]; ok {
		f.Default = paramText(v)
	}
	if v, ok := form[p.Name]; ok {
		f.Value = v
	}
	if pe != nil && !pe.Unknown && pe.Name == p.Name {
		f.Error = pe.Error()
	}
	return f
}

// paramText shows a param value as a form holds it.
func paramText(v any) string {
	switch x := v.(type) {
	case []string:
		return strings.Join(x, ",")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ",")
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// runDeployment queues a run with the form's params. Empty inputs keep
// the deployment's or the spec's value; the rest are checked against the
// spec, as `hotpass deployment run --param` checks them, before anything
// is queued.
func (u *UI) runDeployment(w http.ResponseWriter, r *http.Request, s *session) {
	d, ok := u.getDeployment(w, r, s)
	if !ok {
		return
	}
	if u.c.Enqueue == nil {
		u.errorPage(w, r, s, http.StatusConflict, "Cannot queue runs", "This server does not queue runs.")
		return
	}
	form := map[string]string{}
	for k, vs := range r.PostForm {
		name, ok := strings.CutPrefix(k, paramField)
		if !ok || len(vs) == 0 || strings.TrimSpace(vs[0]) == "" {
			continue
		}
		form[name] = strings.TrimSpace(vs[0])
	}
	spec, err := u.deploymentSpec(r.Context(), d)
	if err != nil {
		u.renderDeployment(w, r, s, http.StatusUnprocessableEntity, d, form, err)
		return
	}
	var stored map[string]any
	if len(d.Params) > 0 {
		_ = json.Unmarshal(d.Params, &stored)
	}
	resolved, err := specs.ResolveParams(spec, stored, form)
	if err != nil {
		u.renderDeployment(w, r, s, http.StatusUnprocessableEntity, d, form, err)
		return
	}
	given := make(map[string]any, len(form))
	for k := range form {
		given[k] = resolved[k]
	}
	// Queued params are JSON values, as the API receives them; a round
	// trip turns the typed values into those.
	var params map[string]any
	b, err := json.Marshal(given)
	if err == nil {
		err = json.Unmarshal(b, &params)
	}
	if err != nil {
		u.fail(w, r, s, fmt.Errorf("deployment %s: encode params: %w", d.Name, err))
		return
	}
	u.enqueue(w, r, s, d, params, form, "")
}

func (u *UI) pauseDeployment(paused bool) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		d, ok := u.getDeployment(w, r, s)
		if !ok {
			return
		}
		if err := u.c.Deployments.SetPaused(r.Context(), d.Name, paused); err != nil {
			u.fail(w, r, s, err)
			return
		}
		key := "resumed"
		if paused {
			key = "paused"
		}
		u.log.Info("web ui: deployment "+key, "deployment", d.Name)
		redirectNotice(w, r, "/deployments/"+url.PathEscape(d.Name), key)
	}
}

// deleteDeployment deletes a deployment once its name is typed again, so
// that a stray click deletes nothing.
func (u *UI) deleteDeployment(w http.ResponseWriter, r *http.Request, s *session) {
	d, ok := u.getDeployment(w, r, s)
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != d.Name {
		row, err := u.deploymentRow(r.Context(), d, time.Now())
		if err != nil {
			u.fail(w, r, s, err)
			return
		}
		data := deploymentData{D: row, Delete: true, FormErr: "Type the deployment's name exactly to delete it."}
		u.render(w, r, http.StatusUnprocessableEntity, "delete", s, data)
		return
	}
	if err := u.c.Deployments.DeleteDeployment(r.Context(), d.Name); err != nil {
		u.fail(w, r, s, err)
		return
	}
	u.log.Info("web ui: deployment deleted", "deployment", d.Name)
	redirectNotice(w, r, "/deployments", "deleted")
}

// weekdays names cron's day-of-week numbers.
var weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// describeCron says a common cron schedule in words; it returns "" for
// one it cannot say simply, which the page then shows only as cron.
func describeCron(expr string) string {
	switch e := strings.TrimSpace(expr); {
	case e == "@hourly":
		return "every hour, on the hour"
	case e == "@daily" || e == "@midnight":
		return "every day at 00:00"
	case e == "@weekly":
		return "every Sunday at 00:00"
	case e == "@monthly":
		return "on the 1st of every month at 00:00"
	case e == "@yearly" || e == "@annually":
		return "every 1 January at 00:00"
	case strings.HasPrefix(e, "@every "):
		return "every " + strings.TrimPrefix(e, "@every ")
	}
	f := strings.Fields(expr)
	if len(f) != 5 {
		return ""
	}
	minute, hour, dom, month, dow := f[0], f[1], f[2], f[3], f[4]
	if month != "*" {
		return ""
	}
	if n, ok := strings.CutPrefix(minute, "*/"); ok && hour == "*" && dom == "*" && dow == "*" {
		return "every " + n + " minutes"
	}
	m, errM := strconv.Atoi(minute)
	if errM != nil || m > 59 {
		return ""
	}
	if hour == "*" && dom == "*" && dow == "*" {
		return fmt.Sprintf("every hour at minute %d", m)
	}
	h, errH := strconv.Atoi(hour)
	if errH != nil || h > 23 {
		return ""
	}
	at := fmt.Sprintf("at %02d:%02d", h, m)
	switch {
	case dom == "*" && dow == "*":
		return "every day " + at
	case dom == "*" && dow == "1-5":
		return "every weekday " + at
	case dom == "*":
		var days []string
		for _, p := range strings.Split(dow, ",") {
			n, err := strconv.Atoi(p)
			if err != nil || n > 7 {
				return ""
			}
			days = append(days, weekdays[n])
		}
		return "every " + strings.Join(slices.Compact(days), ", ") + " " + at
	case dow == "*":
		if d, err := strconv.Atoi(dom); err == nil && d >= 1 && d <= 31 {
			return fmt.Sprintf("on day %d of every month %s", d, at)
		}
	}
	return ""
}
