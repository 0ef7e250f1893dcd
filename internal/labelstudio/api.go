package labelstudio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hotpass/hotpass/internal/retry"
)

// Project is the part of a Label Studio project this package uses.
type Project struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	LabelConfig string `json:"label_config"`
	// TaskNumber is the number of tasks in the project.
	TaskNumber int64 `json:"task_number"`
}

// Task is a Label Studio task as the task list returns it.
type Task struct {
	ID      int64           `json:"id"`
	Project int64           `json:"project"`
	Data    json.RawMessage `json:"data"`
	// Annotations are present when the list was asked for fields=all.
	Annotations []Annotation `json:"-"`
}

// UnmarshalJSON decodes a task. The API reference types a task's
// "annotations" as a string in some editions while the JSON task format
// has an array; both are accepted.
func (t *Task) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID          int64           `json:"id"`
		Project     int64           `json:"project"`
		Data        json.RawMessage `json:"data"`
		Annotations json.RawMessage `json:"annotations"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	t.ID, t.Project, t.Data = raw.ID, raw.Project, raw.Data
	t.Annotations = nil
	a := bytes.TrimSpace(raw.Annotations)
	if len(a) == 0 || bytes.Equal(a, []byte("null")) {
		return nil
	}
	if a[0] == '"' {
		var s string
		if err := json.Unmarshal(a, &s); err != nil {
			return fmt.Errorf("task %d annotations: %w", raw.ID, err)
		}
		if s == "" {
			return nil
		}
		a = []byte(s)
	}
	if err := json.Unmarshal(a, &t.Annotations); err != nil {
		return fmt.Errorf("task %d annotations: %w", raw.ID, err)
	}
	return nil
}

// Annotation is one reviewer's labelling of a task, in the Label Studio
// JSON task format.
type Annotation struct {
	// ID is the annotation id; the format documents it both as a number
	// and as a string, so it is kept as text.
	ID           FlexString     `json:"id"`
	Result       []ResultRegion `json:"result"`
	WasCancelled bool           `json:"was_cancelled"`
	CompletedBy  Reviewer       `json:"completed_by"`
	CreatedAt    string         `json:"created_at"`
	UpdatedAt    string         `json:"updated_at"`
}

// ResultRegion is one item of an annotation's result.
type ResultRegion struct {
	FromName string `json:"from_name"`
	ToName   string `json:"to_name"`
	Type     string `json:"type"`
	Value    struct {
		Choices []string `json:"choices"`
	} `json:"value"`
}

// FlexString is a JSON string or number kept as text.
type FlexString string

// UnmarshalJSON accepts a string, a number or null.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, got %s", b)
		}
		*f = FlexString(n.String())
	}
	return nil
}

// userPrefix marks a reviewer known only by user id.
const userPrefix = "user "

// Reviewer identifies who completed an annotation: "completed_by" is a
// user id in the task format and a user object in some API answers.
type Reviewer string

// UnmarshalJSON accepts a user id, a user object (email, then username,
// then id is used) or null.
func (r *Reviewer) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var u struct {
			ID       FlexString `json:"id"`
			Email    string     `json:"email"`
			Username string     `json:"username"`
		}
		if err := json.Unmarshal(b, &u); err != nil {
			return err
		}
		switch {
		case u.Email != "":
			*r = Reviewer(u.Email)
		case u.Username != "":
			*r = Reviewer(u.Username)
		case u.ID != "":
			*r = Reviewer(userPrefix + string(u.ID))
		}
		return nil
	}
	var f FlexString
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	if f != "" {
		*r = Reviewer(userPrefix + string(f))
	}
	return nil
}

// taskPage is the documented answer of GET /api/tasks/.
type taskPage struct {
	Tasks []Task `json:"tasks"`
	Total int64  `json:"total"`
}

// ImportResult is the answer to a task import. Community edition imports
// synchronously and counts; other editions answer with an import id.
type ImportResult struct {
	TaskCount int64 `json:"task_count"`
	ImportID  int64 `json:"import"`
}

// Project fetches a project, which also checks the URL, the token and the
// project id before any work is done.
func (c *Client) Project(ctx context.Context, id int64) (*Project, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	return c.project(ctx, id)
}

func (c *Client) project(ctx context.Context, id int64) (*Project, error) {
	var p Project
	err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/projects/%d/", id), nil, nil, &p)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("label studio project %d does not exist at %s (or the token's user cannot see it): check the project id: %w", id, c.base, err)
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// ListTasks returns every task of a project, page by page. With
// annotations, each task carries its annotations (fields=all).
func (c *Client) ListTasks(ctx context.Context, projectID int64, annotations bool) ([]Task, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	return c.listTasks(ctx, projectID, annotations)
}

func (c *Client) listTasks(ctx context.Context, projectID int64, annotations bool) ([]Task, error) {
	var all []Task
	for page := 1; ; page++ {
		q := url.Values{
			"project":   {strconv.FormatInt(projectID, 10)},
			"page":      {strconv.Itoa(page)},
			"page_size": {strconv.Itoa(c.cfg.PageSize)},
		}
		if annotations {
			q.Set("fields", "all")
		}
		var p taskPage
		err := c.do(ctx, http.MethodGet, "/api/tasks/", q, nil, &p)
		if page > 1 && errors.Is(err, ErrNotFound) {
			// Django REST Framework pagination answers 404 for a page past
			// the end; the total said there were more, but there are not.
			return all, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list tasks of project %d (page %d): %w", projectID, page, err)
		}
		all = append(all, p.Tasks...)
		if len(p.Tasks) == 0 || int64(len(all)) >= p.Total {
			return all, nil
		}
	}
}

// importTasks sends one batch of tasks to the project's bulk import.
func (c *Client) importTasks(ctx context.Context, projectID int64, tasks []importTask) (ImportResult, error) {
	body, err := json.Marshal(tasks)
	if err != nil {
		return ImportResult{}, fmt.Errorf("encode tasks for import: %w", err)
	}
	var res ImportResult
	if err := c.send(ctx, request{method: http.MethodPost, path: importPathOf(projectID), body: body, out: &res, unsafe: true}); err != nil {
		return ImportResult{}, fmt.Errorf("import %d tasks into project %d: %w", len(tasks), projectID, err)
	}
	return res, nil
}

func importPathOf(projectID int64) string { return fmt.Sprintf("/api/projects/%d/import", projectID) }

// ImportStatus is the state of a background import, as
// GET /api/projects/{id}/imports/{import_id}/ reports it.
type ImportStatus struct {
	ID int64 `json:"id"`
	// Status is created, in_progress, completed or failed.
	Status string `json:"status"`
	// Error says why a failed import failed.
	Error     string `json:"error"`
	TaskCount int64  `json:"task_count"`
}

// maxImportPoll bounds the wait between two looks at a background import.
const maxImportPoll = 5 * time.Second

// awaitImport polls a background import until it completes or fails,
// within the operation's timeout. An import still running at the timeout
// is remembered, so the next push on this client waits for it first.
func (c *Client) awaitImport(ctx context.Context, projectID, importID int64) (ImportStatus, error) {
	path := fmt.Sprintf("/api/projects/%d/imports/%d/", projectID, importID)
	poll := retry.Backoff{Base: min(c.cfg.MinBackoff, maxImportPoll), Cap: maxImportPoll}
	for polls := 1; ; polls++ {
		var st ImportStatus
		err := c.do(ctx, http.MethodGet, path, nil, nil, &st)
		if err == nil {
			switch st.Status {
			case "completed":
				c.forgetRunning(projectID, importID)
				return st, nil
			case "failed":
				c.forgetRunning(projectID, importID)
				detail := strings.TrimSpace(st.Error)
				if detail == "" {
					detail = "no reason given"
				}
				return st, c.newError(ErrImportFailed, http.MethodGet, path, http.StatusOK, 1,
					fmt.Sprintf("import %d into project %d failed: %s: nothing of this batch was created; fix the cause and push again", importID, projectID, shortenString(detail)))
			}
		}
		if err == nil && ctx.Err() == nil {
			err = c.sleep(ctx, poll.Delay(polls))
		}
		if err != nil {
			c.stateMu.Lock()
			c.running[projectID] = importID
			c.stateMu.Unlock()
			return st, fmt.Errorf("import %d into project %d is still running or its state is unknown: wait until it finishes (Label Studio shows it under the project's imports) before pushing again, or pairs may be imported twice: %w", importID, projectID, err)
		}
	}
}

// awaitRunning waits for a background import an earlier push on this
// client left running, so its tasks are listed before anything is sent.
func (c *Client) awaitRunning(ctx context.Context, projectID int64) error {
	c.stateMu.Lock()
	id, ok := c.running[projectID]
	c.stateMu.Unlock()
	if !ok {
		return nil
	}
	c.log.Info("label studio: waiting for an earlier import to finish", "project", projectID, "import", id)
	_, err := c.awaitImport(ctx, projectID, id)
	var lsErr *Error
	if errors.As(err, &lsErr) && lsErr.Kind == ErrImportFailed {
		// Its failure was the earlier push's; its pairs are sent again now.
		return nil
	}
	return err
}

func (c *Client) forgetRunning(projectID, importID int64) {
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	if c.running[projectID] == importID {
		delete(c.running, projectID)
	}
}
