// Package labelstudiotest is an in-test Label Studio: an HTTP server
// (net/http/httptest) implementing the documented endpoints the
// labelstudio client uses, for tests of the client and of everything that
// sends review pairs to Label Studio.
package labelstudiotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is an in-test Label Studio that implements the documented
// endpoints the client uses (see the package doc for the references):
// legacy token authentication, personal access tokens exchanged at
// POST /api/token/refresh for short-lived Bearer access tokens,
// GET /api/projects/{id}/, GET /api/tasks/ with page/page_size/project/
// fields, GET /api/users/{id}/, POST /api/projects/{id}/import with a JSON
// array of {"data": ...} tasks checked against the label config's
// variables, answered synchronously or, in background mode, with an import
// id whose status GET /api/projects/{id}/imports/{import_id}/ reports.
// Faults can be queued to exercise the error paths.
type Server struct {
	t     testing.TB
	token string
	srv   *httptest.Server
	// URL is the server's base URL.
	URL string

	// pat is the personal access token the refresh endpoint accepts, ""
	// when personal access tokens are off.
	pat string
	// accessUses is how many requests an access token authenticates
	// before it expires (0: it never does); counting requests instead of
	// seconds keeps the tests free of clocks.
	accessUses int
	// legacyDisabled rejects the legacy token the way an organization
	// with legacy tokens turned off does.
	legacyDisabled bool
	access         map[string]int // access token -> uses left
	refreshes      int

	// background makes imports asynchronous: an import commits its tasks
	// after statusPolls status requests (a failing one commits none).
	background  bool
	statusPolls int
	bgImports   map[int64]*fakeImport
	nextImport  int64
	// failImport, when set, fails the next import with this error.
	failImport string
	// overlaps counts imports that arrived while an earlier one was
	// still running.
	overlaps int

	// visibleTasks, when positive, limits what the task list shows, as
	// Label Studio does for an annotator who sees only assigned tasks;
	// the project's task_number still counts every task.
	visibleTasks int
	users        map[int64]map[string]any

	mu       sync.Mutex
	projects map[int64]*fakeProject
	nextTask int64
	nextAnn  int64
	faults   []Fault
	requests []string // "METHOD path?query", in order
	imports  int      // import requests that reached the handler
}

// fakeImport is a background import in progress or finished.
type fakeImport struct {
	id, project int64
	tasks       []map[string]any
	polls       int
	status      string
	errText     string
}

type fakeProject struct {
	id          int64
	labelConfig string
	tasks       []map[string]any
}

// Fault answers the next request with Method and a path starting with
// PathPrefix instead of the handler.
type Fault struct {
	Method, PathPrefix string
	Status             int
	Header             map[string]string
	Body               string
	// Hang blocks until the client gives up on the request.
	Hang bool
	// AfterCommit lets the request take effect and then answers with the
	// Fault, like a proxy whose upstream timed out after committing.
	AfterCommit bool
}

// New starts a server that accepts token (legacy token authentication)
// and stops it when the test ends. Its URL is Server.URL.
func New(t testing.TB, token string) *Server {
	t.Helper()
	f := &Server{t: t, token: token, projects: map[int64]*fakeProject{}, nextTask: 1, nextAnn: 1000,
		access: map[string]int{}, bgImports: map[int64]*fakeImport{}, nextImport: 50, users: map[int64]map[string]any{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// AddProject adds an empty project with the labelling configuration
// labelConfig, whose $variables every imported task's data must have.
func (f *Server) AddProject(id int64, labelConfig string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.projects[id] = &fakeProject{id: id, labelConfig: labelConfig}
}

// AddForeignTask adds a task that is not a review pair (no pair_id).
func (f *Server) AddForeignTask(project int64, data map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.projects[project]
	p.tasks = append(p.tasks, map[string]any{"id": f.nextTask, "project": project, "data": data, "annotations": []any{}})
	f.nextTask++
}

// Queue adds faults, each answering the first request it matches.
func (f *Server) Queue(fs ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, fs...)
}

// Annotate adds an annotation in the Label Studio JSON task format to the
// task holding pairID, choosing choice in the choices control fromName,
// and returns its id.
func (f *Server) Annotate(project int64, pairID, fromName, choice string, cancelled bool, completedBy any, updated string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, task := range f.projects[project].tasks {
		data := task["data"].(map[string]any)
		if data["pair_id"] != pairID {
			continue
		}
		id := f.nextAnn
		f.nextAnn++
		result := []any{}
		if choice != "" {
			result = append(result, map[string]any{
				"id": "r" + strconv.FormatInt(id, 10), "from_name": fromName, "to_name": "summary",
				"type": "choices", "origin": "manual", "value": map[string]any{"choices": []string{choice}},
			})
		}
		task["annotations"] = append(task["annotations"].([]any), map[string]any{
			"id": id, "result": result, "was_cancelled": cancelled, "ground_truth": false,
			"created_at": updated, "updated_at": updated, "lead_time": 4.2,
			"task": task["id"], "completed_by": completedBy,
		})
		return id
	}
	f.t.Fatalf("fake label studio: no task for pair %s", pairID)
	return 0
}

// TaskData returns the data of every task of the project, in order.
func (f *Server) TaskData(project int64) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, task := range f.projects[project].tasks {
		out = append(out, task["data"].(map[string]any))
	}
	return out
}

// RequestLog returns every request received, as "METHOD path?query".
func (f *Server) RequestLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var (
	projectPath = regexp.MustCompile(`^/api/projects/(\d+)/$`)
	importPath  = regexp.MustCompile(`^/api/projects/(\d+)/import$`)
	statusPath  = regexp.MustCompile(`^/api/projects/(\d+)/imports/(\d+)/?$`)
	userPath    = regexp.MustCompile(`^/api/users/(\d+)/$`)
	configVar   = regexp.MustCompile(`value="\$(\w+)"`)
)

// UsePAT turns on personal access tokens: pat is accepted at the refresh
// endpoint and each access token it hands out serves uses requests.
func (f *Server) UsePAT(pat string, uses int, legacyDisabled bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pat, f.accessUses, f.legacyDisabled = pat, uses, legacyDisabled
}

// authorize checks the Authorization header as Label Studio does (legacy
// Token and JWT Bearer); f.mu is held.
func (f *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(h, "Token "):
		if strings.TrimPrefix(h, "Token ") != f.token {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
			return false
		}
		if f.legacyDisabled {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Authentication token no longer valid: legacy token authentication has been disabled for this organization"})
			return false
		}
		return true
	case strings.HasPrefix(h, "Bearer "):
		tok := strings.TrimPrefix(h, "Bearer ")
		left, ok := f.access[tok]
		if !ok || left == 0 {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Given token not valid for any token type", "code": "token_not_valid",
				"messages": []any{map[string]string{"token_class": "AccessToken", "token_type": "access", "message": "Token is invalid or expired"}}})
			return false
		}
		if left > 0 {
			f.access[tok] = left - 1
		}
		return true
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Authentication credentials were not provided."})
	return false
}

// refresh exchanges the personal access token for an access token; f.mu
// is held.
func (f *Server) refresh(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Refresh string `json:"refresh"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Refresh == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"refresh": []string{"This field is required."}})
		return
	}
	if f.pat == "" || in.Refresh != f.pat {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Token is invalid or expired", "code": "token_not_valid"})
		return
	}
	f.refreshes++
	tok := fmt.Sprintf("access-%d-9b1f07c2", f.refreshes)
	uses := f.accessUses
	if uses == 0 {
		uses = -1
	}
	f.access[tok] = uses
	writeJSON(w, http.StatusOK, map[string]string{"access": tok})
}

// importStatus answers the status of a background import, advancing it
// by one poll; f.mu is held.
func (f *Server) importStatus(w http.ResponseWriter, r *http.Request) {
	m := statusPath.FindStringSubmatch(r.URL.Path)
	pid, _ := strconv.ParseInt(m[1], 10, 64)
	iid, _ := strconv.ParseInt(m[2], 10, 64)
	im, ok := f.bgImports[iid]
	if !ok || im.project != pid {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
		return
	}
	if im.status == "created" || im.status == "in_progress" {
		im.polls++
		im.status = "in_progress"
		if im.polls >= f.statusPolls {
			if im.errText != "" {
				im.status = "failed"
			} else {
				f.commit(im.project, im.tasks)
				im.status = "completed"
			}
		}
	}
	out := map[string]any{"id": im.id, "project": im.project, "status": im.status, "error": nil, "task_count": 0,
		"annotation_count": 0, "prediction_count": 0, "commit_to_project": true, "return_task_ids": false}
	if im.status == "completed" {
		out["task_count"] = len(im.tasks)
	}
	if im.status == "failed" {
		out["error"] = im.errText
		out["traceback"] = "Traceback (most recent call last): ..."
	}
	writeJSON(w, http.StatusOK, out)
}

// running reports whether a background import has not finished; f.mu is
// held.
func (f *Server) running() bool {
	for _, im := range f.bgImports {
		if im.status == "created" || im.status == "in_progress" {
			return true
		}
	}
	return false
}

// commit adds imported tasks to a project; f.mu is held.
func (f *Server) commit(project int64, tasks []map[string]any) {
	p := f.projects[project]
	for _, task := range tasks {
		p.tasks = append(p.tasks, map[string]any{"id": f.nextTask, "project": project, "data": task["data"], "annotations": []any{}})
		f.nextTask++
	}
}

// AddUser adds a user that GET /api/users/{id}/ returns.
func (f *Server) AddUser(id int64, email string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[id] = map[string]any{"id": id, "email": email, "username": "u" + strconv.FormatInt(id, 10), "first_name": "", "last_name": ""}
}

// Counts returns how many access tokens were handed out and how many
// imports arrived while a background import was still running.
func (f *Server) Counts() (refreshes, overlaps int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes, f.overlaps
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
	var ft *Fault
	for i, x := range f.faults {
		if x.Method == r.Method && strings.HasPrefix(r.URL.Path, x.PathPrefix) {
			ft = &x
			f.faults = append(f.faults[:i:i], f.faults[i+1:]...)
			break
		}
	}
	f.mu.Unlock()
	if ft != nil && ft.AfterCommit {
		// The request takes effect; its answer is lost on the way back.
		f.handle(httptest.NewRecorder(), r)
		for k, v := range ft.Header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(ft.Status)
		_, _ = w.Write([]byte(ft.Body))
		return
	}
	if ft != nil {
		if ft.Hang {
			// The server notices the client hanging up only once the body
			// is read; the timer is a backstop so a broken client cannot
			// hang the test binary.
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
			return
		}
		for k, v := range ft.Header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(ft.Status)
		_, _ = w.Write([]byte(ft.Body))
		return
	}
	f.handle(w, r)
}

// handle answers a request that no Fault intercepted.
func (f *Server) handle(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method == http.MethodPost && strings.TrimSuffix(r.URL.Path, "/") == "/api/token/refresh" {
		f.refresh(w, r)
		return
	}
	if !f.authorize(w, r) {
		return
	}
	switch {
	case r.Method == http.MethodGet && statusPath.MatchString(r.URL.Path):
		f.importStatus(w, r)
	case r.Method == http.MethodGet && userPath.MatchString(r.URL.Path):
		id, _ := strconv.ParseInt(userPath.FindStringSubmatch(r.URL.Path)[1], 10, 64)
		u, ok := f.users[id]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
			return
		}
		writeJSON(w, http.StatusOK, u)
	case r.Method == http.MethodGet && projectPath.MatchString(r.URL.Path):
		id, _ := strconv.ParseInt(projectPath.FindStringSubmatch(r.URL.Path)[1], 10, 64)
		p, ok := f.projects[id]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": p.id, "title": "Review", "label_config": p.labelConfig, "task_number": len(p.tasks)})
	case r.Method == http.MethodGet && r.URL.Path == "/api/tasks/":
		f.listTasks(w, r)
	case r.Method == http.MethodPost && importPath.MatchString(r.URL.Path):
		f.imports++
		f.importTasks(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
	}
}

func (f *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pid, _ := strconv.ParseInt(q.Get("project"), 10, 64)
	p, ok := f.projects[pid]
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"tasks": []any{}, "total": 0, "total_annotations": 0, "total_predictions": 0})
		return
	}
	page, size := 1, 30
	if v := q.Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if v := q.Get("page_size"); v != "" {
		size, _ = strconv.Atoi(v)
	}
	all := p.tasks
	if f.visibleTasks > 0 && len(all) > f.visibleTasks {
		all = all[:f.visibleTasks]
	}
	start := (page - 1) * size
	if page < 1 || size < 1 || (start >= len(all) && page > 1) {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Invalid page."})
		return
	}
	end := min(start+size, len(all))
	var tasks []map[string]any
	nAnn := 0
	for _, task := range all[start:end] {
		out := map[string]any{"id": task["id"], "project": pid, "data": task["data"], "total_annotations": len(task["annotations"].([]any))}
		if q.Get("fields") == "all" {
			out["annotations"] = task["annotations"]
			out["predictions"] = []any{}
		}
		tasks = append(tasks, out)
	}
	for _, task := range all {
		nAnn += len(task["annotations"].([]any))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tasks": tasks, "total": len(all), "total_annotations": nAnn, "total_predictions": 0})
}

func (f *Server) importTasks(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(importPath.FindStringSubmatch(r.URL.Path)[1], 10, 64)
	p, ok := f.projects[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "content type " + ct})
		return
	}
	var tasks []map[string]any
	if err := json.NewDecoder(r.Body).Decode(&tasks); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": err.Error()})
		return
	}
	if f.running() {
		f.overlaps++
	}
	// Imported data must include every variable the label config uses.
	// In background mode the import is accepted and fails later, visible
	// only in its status.
	var invalid string
	for i, task := range tasks {
		data, ok := task["data"].(map[string]any)
		if !ok {
			invalid = fmt.Sprintf("task %d has no data", i)
			break
		}
		for _, name := range ConfigVariables(p.labelConfig) {
			if _, ok := data[name]; !ok {
				invalid = fmt.Sprintf("task %d: data has no %q field used by the label config", i, name)
				break
			}
		}
		if invalid != "" {
			break
		}
	}
	if invalid == "" && f.failImport != "" {
		invalid, f.failImport = f.failImport, ""
	}
	if f.background {
		im := &fakeImport{id: f.nextImport, project: id, tasks: tasks, status: "created", errText: invalid}
		f.nextImport++
		f.bgImports[im.id] = im
		writeJSON(w, http.StatusCreated, map[string]any{"import": im.id})
		return
	}
	if invalid != "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": invalid})
		return
	}
	f.commit(id, tasks)
	writeJSON(w, http.StatusCreated, map[string]any{
		"task_count": len(tasks), "annotation_count": 0, "prediction_count": 0, "duration": 0.01,
		"file_upload_ids": []any{}, "could_be_tasks_list": false, "found_formats": []any{}, "data_columns": []any{},
	})
}

// Background makes imports asynchronous: each commits its tasks after
// polls status requests.
func (f *Server) Background(polls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.background, f.statusPolls = true, polls
}

// FailNextImport makes the next import fail with msg.
func (f *Server) FailNextImport(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failImport = msg
}

// ShowTasks limits what the task list shows to the first n tasks, as Label
// Studio does for an annotator who sees only assigned tasks.
func (f *Server) ShowTasks(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.visibleTasks = n
}

// ConfigVariables returns the $variables a labelling configuration reads
// from task data (value="$name"), in order.
func ConfigVariables(labelConfig string) []string {
	var out []string
	for _, m := range configVar.FindAllStringSubmatch(labelConfig, -1) {
		out = append(out, m[1])
	}
	return out
}
