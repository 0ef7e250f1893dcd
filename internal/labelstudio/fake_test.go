package labelstudio

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

// fakeLS is an in-test Label Studio that implements the documented
// endpoints the client uses (see the package doc for the references):
// token authentication, GET /api/projects/{id}/, GET /api/tasks/ with
// page/page_size/project/fields, and POST /api/projects/{id}/import with
// a JSON array of {"data": ...} tasks checked against the label config's
// variables. Faults can be queued to exercise the error paths.
type fakeLS struct {
	t     *testing.T
	token string
	srv   *httptest.Server

	mu       sync.Mutex
	projects map[int64]*fakeProject
	nextTask int64
	nextAnn  int64
	faults   []fault
	requests []string // "METHOD path?query", in order
	imports  int      // import requests that reached the handler
}

type fakeProject struct {
	id          int64
	labelConfig string
	tasks       []map[string]any
}

// fault answers the next matching request instead of the handler.
type fault struct {
	method, pathPrefix string
	status             int
	header             map[string]string
	body               string
	// hang blocks until the client gives up on the request.
	hang bool
}

func newFakeLS(t *testing.T, token string) *fakeLS {
	t.Helper()
	f := &fakeLS{t: t, token: token, projects: map[int64]*fakeProject{}, nextTask: 1, nextAnn: 1000}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLS) addProject(id int64) *fakeProject {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := &fakeProject{id: id, labelConfig: LabelingConfig()}
	f.projects[id] = p
	return p
}

// addForeignTask adds a task that is not a review pair (no pair_id).
func (f *fakeLS) addForeignTask(project int64, data map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.projects[project]
	p.tasks = append(p.tasks, map[string]any{"id": f.nextTask, "project": project, "data": data, "annotations": []any{}})
	f.nextTask++
}

func (f *fakeLS) queue(fs ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, fs...)
}

// annotate adds an annotation in the Label Studio JSON task format to the
// task holding pairID and returns its id.
func (f *fakeLS) annotate(project int64, pairID string, choice string, cancelled bool, completedBy any, updated string) int64 {
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
				"id": "r" + strconv.FormatInt(id, 10), "from_name": ChoiceName, "to_name": "summary",
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

func (f *fakeLS) taskData(project int64) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, task := range f.projects[project].tasks {
		out = append(out, task["data"].(map[string]any))
	}
	return out
}

func (f *fakeLS) requestLog() []string {
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
	configVar   = regexp.MustCompile(`value="\$(\w+)"`)
)

func (f *fakeLS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
	var ft *fault
	for i, x := range f.faults {
		if x.method == r.Method && strings.HasPrefix(r.URL.Path, x.pathPrefix) {
			ft = &x
			f.faults = append(f.faults[:i:i], f.faults[i+1:]...)
			break
		}
	}
	f.mu.Unlock()
	if ft != nil {
		if ft.hang {
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
		for k, v := range ft.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(ft.status)
		_, _ = w.Write([]byte(ft.body))
		return
	}
	if r.Header.Get("Authorization") != "Token "+f.token {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
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

func (f *fakeLS) listTasks(w http.ResponseWriter, r *http.Request) {
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
	start := (page - 1) * size
	if page < 1 || size < 1 || (start >= len(p.tasks) && page > 1) {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Invalid page."})
		return
	}
	end := min(start+size, len(p.tasks))
	var tasks []map[string]any
	nAnn := 0
	for _, task := range p.tasks[start:end] {
		out := map[string]any{"id": task["id"], "project": pid, "data": task["data"], "total_annotations": len(task["annotations"].([]any))}
		if q.Get("fields") == "all" {
			out["annotations"] = task["annotations"]
			out["predictions"] = []any{}
		}
		tasks = append(tasks, out)
	}
	for _, task := range p.tasks {
		nAnn += len(task["annotations"].([]any))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tasks": tasks, "total": len(p.tasks), "total_annotations": nAnn, "total_predictions": 0})
}

func (f *fakeLS) importTasks(w http.ResponseWriter, r *http.Request) {
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
	// Imported data must include every variable the label config uses.
	for i, task := range tasks {
		data, ok := task["data"].(map[string]any)
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]string{"detail": fmt.Sprintf("task %d has no data", i)})
			return
		}
		for _, m := range configVar.FindAllStringSubmatch(p.labelConfig, -1) {
			if _, ok := data[m[1]]; !ok {
				writeJSON(w, http.StatusBadRequest, map[string]string{"detail": fmt.Sprintf("task %d: data has no %q field used by the label config", i, m[1])})
				return
			}
		}
	}
	for _, task := range tasks {
		p.tasks = append(p.tasks, map[string]any{"id": f.nextTask, "project": id, "data": task["data"], "annotations": []any{}})
		f.nextTask++
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"task_count": len(tasks), "annotation_count": 0, "prediction_count": 0, "duration": 0.01,
		"file_upload_ids": []any{}, "could_be_tasks_list": false, "found_formats": []any{}, "data_columns": []any{},
	})
}
