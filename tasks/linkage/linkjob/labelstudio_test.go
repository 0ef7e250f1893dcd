package linkjob_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// fakeLabelStudio implements the documented endpoints the client uses
// (internal/labelstudio's package doc): token authentication,
// GET /api/projects/{id}/, GET /api/tasks/?project&page&page_size[&fields=all]
// and POST /api/projects/{id}/import. Annotations are added by the test.
type fakeLabelStudio struct {
	token   string
	project int64
	mu      sync.Mutex
	tasks   []map[string]any
	imports int
}

var importPath = regexp.MustCompile(`^/api/projects/(\d+)/import$`)

func (f *fakeLabelStudio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	if r.Header.Get("Authorization") != "Token "+f.token {
		reply(http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	pid := strconv.FormatInt(f.project, 10)
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/projects/"+pid+"/":
		reply(http.StatusOK, map[string]any{"id": f.project, "title": "Review", "task_number": len(f.tasks)})
	case r.Method == http.MethodGet && r.URL.Path == "/api/tasks/" && r.URL.Query().Get("project") == pid:
		q := r.URL.Query()
		page, _ := strconv.Atoi(q.Get("page"))
		size, _ := strconv.Atoi(q.Get("page_size"))
		start := (page - 1) * size
		if page < 1 || size < 1 || (start >= len(f.tasks) && page > 1) {
			reply(http.StatusNotFound, map[string]string{"detail": "Invalid page."})
			return
		}
		var out []map[string]any
		for _, task := range f.tasks[start:min(start+size, len(f.tasks))] {
			t := map[string]any{"id": task["id"], "project": f.project, "data": task["data"]}
			if q.Get("fields") == "all" {
				t["annotations"] = task["annotations"]
			}
			out = append(out, t)
		}
		reply(http.StatusOK, map[string]any{"tasks": out, "total": len(f.tasks), "total_annotations": 0, "total_predictions": 0})
	case r.Method == http.MethodPost && importPath.MatchString(r.URL.Path) && importPath.FindStringSubmatch(r.URL.Path)[1] == pid:
		var tasks []map[string]any
		if err := json.NewDecoder(r.Body).Decode(&tasks); err != nil {
			reply(http.StatusBadRequest, map[string]string{"detail": err.Error()})
			return
		}
		f.imports++
		for _, task := range tasks {
			f.tasks = append(f.tasks, map[string]any{"id": len(f.tasks) + 1, "data": task["data"], "annotations": []any{}})
		}
		reply(http.StatusCreated, map[string]any{"task_count": len(tasks)})
	default:
		reply(http.StatusNotFound, map[string]string{"detail": "Not found."})
	}
}

// annotate records a reviewer's choice on the k-th task and returns its
// pair's record ids.
func (f *fakeLabelStudio) annotate(k int, choice string) (left, right string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	task := f.tasks[k]
	task["annotations"] = append(task["annotations"].([]any), map[string]any{
		"id": 100 + k, "was_cancelled": false, "completed_by": map[string]any{"email": "reviewer@example.com"},
		"created_at": "2025-03-01T10:00:00Z", "updated_at": "2025-03-01T10:00:00Z",
		"result": []any{map[string]any{"from_name": "decision", "to_name": "summary", "type": "choices",
			"value": map[string]any{"choices": []string{choice}}}},
	})
	data := task["data"].(map[string]any)
	return data["left_id"].(string), data["right_id"].(string)
}

// Review pairs go to Label Studio once; a reviewer's decisions come back
// into the decisions file and constrain the clusters of the next run.
func TestLabelStudioRoundTrip(t *testing.T) {
	t.Parallel()
	fake := &fakeLabelStudio{token: "tok-secret-123", project: 7}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	dir := t.TempDir()
	ls := &linkjob.LabelStudio{URL: srv.URL, Token: fake.token, Project: 7, Required: true}
	run := func() *linkjob.Result {
		t.Helper()
		log, buf := quiet()
		res, err := linkjob.Run(context.Background(), linkjob.Config{Settings: fakeSettings(t, linkjob.Overrides{}),
			OutputDir: dir, LabelStudio: ls, Logger: log}, fakeInputs(t))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), fake.token) {
			t.Fatal("the token appears in the log")
		}
		return res
	}
	first := run()
	reviews := int(first.Metadata.Pairs.Review)
	if reviews == 0 || len(fake.tasks) != reviews || first.Metadata.LabelStudio.Pushed != reviews {
		t.Fatalf("%d review pairs, %d tasks in Label Studio, pushed %+v", reviews, len(fake.tasks), first.Metadata.LabelStudio)
	}
	// A reviewer says the first review pair is a match and the second is
	// not.
	l1, r1 := fake.annotate(0, "match")
	l2, r2 := fake.annotate(1, "non_match")
	second := run()
	if len(fake.tasks) != reviews || second.Metadata.LabelStudio.Existing != reviews || second.Metadata.LabelStudio.Pushed != 0 {
		t.Fatalf("second push duplicated tasks: %d tasks, %+v", len(fake.tasks), second.Metadata.LabelStudio)
	}
	if d := second.Metadata.Decisions; d.Read != 2 || d.MustLink != 1 || d.CannotLink != 1 {
		t.Fatalf("decisions %+v", d)
	}
	rec := func(id string) int32 {
		i, ok := second.Linker.Lookup("fake_1000", id)
		if !ok {
			t.Fatalf("no record %s", id)
		}
		return i
	}
	labels := second.Clusters.Labels
	if labels[rec(l1)] != labels[rec(r1)] {
		t.Errorf("must-link %s–%s not applied", l1, r1)
	}
	if labels[rec(l2)] == labels[rec(r2)] {
		t.Errorf("cannot-link %s–%s not applied", l2, r2)
	}
	if _, ok := second.Files[linkjob.DecisionsFile]; !ok {
		t.Errorf("no decisions file among %v", second.Files)
	}
}

// Label Studio down: a warning, and the linkage result stands — unless
// review is required.
func TestLabelStudioDown(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	srv.Close() // nothing listens at the URL any more
	for _, required := range []bool{false, true} {
		dir := t.TempDir()
		ls := &linkjob.LabelStudio{URL: srv.URL, Token: "t0k3n-abc", Project: 3, Required: required, Timeout: 2 * time.Second, HTTPRetries: -1}
		log, _ := quiet()
		res, err := linkjob.Run(context.Background(), linkjob.Config{Settings: nameSettings(t, ""),
			OutputDir: dir, LabelStudio: ls, Logger: log}, smallInputs(t))
		if required {
			if err == nil || !strings.Contains(err.Error(), "not reachable") {
				t.Errorf("required review with Label Studio down: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Label Studio down failed the linkage: %v", err)
		}
		warned := false
		for _, w := range res.Warnings {
			warned = warned || strings.Contains(w, "label studio") && strings.Contains(w, "result stands")
		}
		if !warned || res.Metadata.LabelStudio.Error == "" || res.Clusters.NumClusters == 0 {
			t.Errorf("warnings %q, metadata %+v", res.Warnings, res.Metadata.LabelStudio)
		}
		if _, err := os.Stat(filepath.Join(dir, linkjob.MatchesFile)); err != nil {
			t.Error(err)
		}
	}
}
