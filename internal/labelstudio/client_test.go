package labelstudio

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/labelstudio/labelstudiotest"
)

const testToken = "tok-3f9c2e61d7a8b5c4"

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testClient returns a client for url whose retry waits are recorded, not
// spent.
func testClient(t *testing.T, url string, mod func(*Config)) (*Client, *[]time.Duration, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	cfg := Config{
		BaseURL: url, Token: testToken,
		RequestTimeout: 2 * time.Second, Timeout: 30 * time.Second,
		MaxRetries: 3, MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second,
		PageSize: 2, ImportBatch: 2,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return c, waits, logs
}

func pair(ls, lid, rs, rid string, p float64) ReviewPair {
	return ReviewPair{
		Left: RecordRef{ls, lid}, Right: RecordRef{rs, rid},
		LeftFields:  []Field{{"name", "Acme <Flight> School"}, {"city", "Durban"}},
		RightFields: []Field{{"name", "ACME flight school"}, {"city", "durban"}},
		Probability: p, Weight: 1.5,
		Levels: []ComparisonLevel{{Comparison: "name", Level: "jaro_winkler >= 0.9", BayesFactor: 12.5}},
	}
}

var th = Thresholds{Match: 0.92, Review: 0.7}

func TestPushPairsIsIdempotentAcrossRuns(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.AddProject(7, LabelingConfig())
	f.AddForeignTask(7, map[string]any{"text": "not a review pair"})
	c, _, _ := testClient(t, f.URL, nil)
	ctx := context.Background()

	first := []ReviewPair{
		pair("crm", "1", "sacaa", "A1", 0.8),
		pair("crm", "2", "sacaa", "A2", 0.75),
		pair("sacaa", "A1", "crm", "1", 0.8), // the first pair, reversed
		pair("crm", "3", "sacaa", "A3", 0.71),
	}
	res, err := c.PushPairs(ctx, 7, first, th)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 3 || res.Existing != 1 || res.ServerCount != 3 {
		t.Fatalf("first push = %+v, want 3 imported, 1 existing, server count 3", res)
	}
	second := append(first, pair("crm", "4", "sacaa", "A4", 0.9))
	res, err = c.PushPairs(ctx, 7, second, th)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 1 || res.Existing != 4 {
		t.Fatalf("second push = %+v, want 1 imported, 4 existing", res)
	}
	data := f.TaskData(7)
	ids := map[string]int{}
	for _, d := range data[1:] {
		ids[d["pair_id"].(string)]++
	}
	if len(data) != 5 || len(ids) != 4 {
		t.Fatalf("project holds %d tasks with %d distinct pair ids, want 5 tasks (1 foreign) and 4 pair ids", len(data), len(ids))
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("pair %s imported %d times", id, n)
		}
	}
	// The listing must have walked every page (page size 2, 4 tasks before
	// the second push).
	var pages []string
	for _, r := range f.RequestLog() {
		if strings.HasPrefix(r, "GET /api/tasks/") {
			pages = append(pages, r)
		}
	}
	if len(pages) != 1+2 {
		t.Errorf("task list requests = %q, want 1 page for the first push and 2 for the second", pages)
	}
}

func TestPushedTaskData(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.AddProject(3, LabelingConfig())
	c, _, _ := testClient(t, f.URL, nil)
	p := pair("crm", "17", "sacaa", "A-3", 0.83)
	if _, err := c.PushPairs(context.Background(), 3, []ReviewPair{p}, th); err != nil {
		t.Fatal(err)
	}
	got := f.TaskData(3)[0]
	want := map[string]any{
		"pair_id": PairID(p.Left, p.Right), "left_source": "crm", "left_id": "17",
		"right_source": "sacaa", "right_id": "A-3",
		"match_probability": 0.83, "match_weight": 1.5, "match_threshold": 0.92, "review_threshold": 0.7,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("data[%q] = %v, want %v", k, got[k], v)
		}
	}
	left := got["left"].(map[string]any)
	if left["name"] != "Acme <Flight> School" || left["city"] != "Durban" {
		t.Errorf("left = %v", left)
	}
	if right := got["right"].(map[string]any); right["name"] != "ACME flight school" {
		t.Errorf("right = %v", right)
	}
	if fields := got["left_fields"].([]any); len(fields) != 2 || fields[0] != "name" {
		t.Errorf("left_fields = %v, want the field order [name city]", fields)
	}
	if s, _ := got["summary"].(string); !strings.Contains(s, "crm/17 vs sacaa/A-3") || !strings.Contains(s, "0.830") {
		t.Errorf("summary = %q", s)
	}
}

func TestPairID(t *testing.T) {
	t.Parallel()
	a, b := RecordRef{"crm", "1"}, RecordRef{"sacaa", "1"}
	tests := []struct {
		name       string
		x1, y1     RecordRef
		x2, y2     RecordRef
		wantEquals bool
	}{
		{"reversed pair", a, b, b, a, true},
		{"same pair again", a, b, a, b, true},
		{"different record", a, b, a, RecordRef{"sacaa", "2"}, false},
		{"source matters", RecordRef{"x", "1"}, RecordRef{"y", "2"}, RecordRef{"y", "1"}, RecordRef{"x", "2"}, false},
		{"separator in values", RecordRef{"a|b", "c"}, RecordRef{"d", "e"}, RecordRef{"a", "b|c"}, RecordRef{"d", "e"}, false},
		{"split between source and id", RecordRef{"ab", "c"}, RecordRef{"d", "e"}, RecordRef{"a", "bc"}, RecordRef{"d", "e"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p1, p2 := PairID(tt.x1, tt.y1), PairID(tt.x2, tt.y2)
			if (p1 == p2) != tt.wantEquals {
				t.Errorf("PairID equal = %v, want %v (%s, %s)", p1 == p2, tt.wantEquals, p1, p2)
			}
		})
	}
}

func TestPullAndAppendDecisions(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.AddProject(5, LabelingConfig())
	c, _, logs := testClient(t, f.URL, nil)
	ctx := context.Background()
	pairs := []ReviewPair{
		pair("crm", "1", "sacaa", "A1", 0.8),
		pair("crm", "2", "sacaa", "A2", 0.75),
		pair("crm", "3", "sacaa", "A3", 0.72),
	}
	if _, err := c.PushPairs(ctx, 5, pairs, th); err != nil {
		t.Fatal(err)
	}
	id := func(i int) string { return PairID(pairs[i].Left, pairs[i].Right) }
	f.Annotate(5, id(0), ChoiceName, "match", false, 11, "2025-03-09T22:16:08.728353Z")
	f.Annotate(5, id(1), ChoiceName, "non_match", false, map[string]any{"id": 12, "email": "rev@example.org"}, "2025-03-09T22:17:00Z")
	f.Annotate(5, id(2), ChoiceName, "", true, 11, "2025-03-09T22:18:00Z")        // skipped task
	f.Annotate(5, id(2), ChoiceName, "", false, 13, "2025-03-09T22:19:00Z")       // no choice
	f.Annotate(5, id(2), ChoiceName, "unsure", false, 13, "2025-03-09T22:20:00Z") // unsure

	ds, err := c.PullDecisions(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Verdict{}
	for _, d := range ds {
		got[d.PairID] = d.Decision
	}
	want := map[string]Verdict{id(0): Match, id(1): NonMatch, id(2): Unsure}
	if len(ds) != 3 || !mapsEqual(got, want) {
		t.Fatalf("decisions = %+v, want %v", ds, want)
	}
	for _, d := range ds {
		if d.PairID == id(1) && d.Reviewer != "rev@example.org" {
			t.Errorf("reviewer = %q, want the user's email", d.Reviewer)
		}
		if d.PairID == id(0) && (d.Reviewer != "user 11" || d.Left != pairs[0].Left || d.Right != pairs[0].Right) {
			t.Errorf("decision = %+v", d)
		}
		if d.Timestamp.IsZero() {
			t.Errorf("decision %s has no timestamp", d.AnnotationID)
		}
	}
	if !strings.Contains(logs.String(), "no match/non_match/unsure choice") {
		t.Errorf("annotation without a choice was not reported; logs:\n%s", logs)
	}

	path := filepath.Join(t.TempDir(), DecisionsFile)
	n, err := AppendDecisions(path, ds, nil)
	if err != nil || n != 3 {
		t.Fatalf("first append = %d, %v; want 3", n, err)
	}
	before, _ := os.ReadFile(path)
	// Pulling again finds the same annotations: nothing is appended.
	ds2, err := c.PullDecisions(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := AppendDecisions(path, ds2, nil); err != nil || n != 0 {
		t.Fatalf("second append = %d, %v; want 0", n, err)
	}
	// A new annotation is appended after the old lines, which stay as they
	// were.
	f.Annotate(5, id(2), ChoiceName, "match", false, 14, "2025-03-10T08:00:00Z")
	ds3, err := c.PullDecisions(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := AppendDecisions(path, ds3, nil); err != nil || n != 1 {
		t.Fatalf("third append = %d, %v; want 1", n, err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.HasPrefix(after, before) {
		t.Fatalf("old lines changed:\nbefore %s\nafter %s", before, after)
	}
	read, err := ReadDecisions(path, nil)
	if err != nil || len(read) != 4 {
		t.Fatalf("ReadDecisions = %d decisions, %v; want 4", len(read), err)
	}
	must, cannot := Constraints(read)
	// Pair 2 was unsure, then matched by a later annotation.
	if len(must) != 2 || len(cannot) != 1 {
		t.Errorf("constraints: %d must-link, %d cannot-link; want 2 and 1", len(must), len(cannot))
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestReadDecisionsSkipsCorruptLines(t *testing.T) {
	t.Parallel()
	good := func(id, dec string) string {
		return `{"annotation_id":"` + id + `","pair_id":"p` + id + `","left":{"source":"a","id":"1"},"right":{"source":"b","id":"` + id + `"},"decision":"` + dec + `","reviewer":"r","timestamp":"2025-01-01T00:00:00Z"}`
	}
	content := strings.Join([]string{
		good("1", "match"),
		`{"annotation_id":"2","pair_id":`, // torn line
		good("3", "maybe"),                // unknown decision
		"",
		good("5", "non_match"),
		`{"annotation_id":"","left":{"id":"1"},"right":{"id":"2"},"decision":"match"}`, // no id
	}, "\n")
	path := filepath.Join(t.TempDir(), DecisionsFile)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	ds, err := ReadDecisions(path, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.AnnotationID)
	}
	if !slices.Equal(ids, []string{"1", "5"}) {
		t.Errorf("decisions read = %v, want [1 5]", ids)
	}
	for _, line := range []string{":2:", ":3:", ":6:"} {
		if !strings.Contains(logs.String(), DecisionsFile+line) {
			t.Errorf("no warning naming line %s; logs:\n%s", line, logs)
		}
	}
	if strings.Contains(logs.String(), ":5:") || strings.Contains(logs.String(), ":1:") {
		t.Errorf("a good line was reported as corrupt; logs:\n%s", logs)
	}
	// Appending after a torn last line keeps the new line readable.
	torn := filepath.Join(t.TempDir(), DecisionsFile)
	if err := os.WriteFile(torn, []byte(good("1", "match")+"\n"+`{"annotation_id":"2"`), 0o644); err != nil {
		t.Fatal(err)
	}
	d := Decision{AnnotationID: "9", PairID: "p9", Left: RecordRef{"a", "1"}, Right: RecordRef{"b", "9"}, Decision: NonMatch}
	if n, err := AppendDecisions(torn, []Decision{d}, slog.New(slog.NewTextHandler(&logBuffer{}, nil))); err != nil || n != 1 {
		t.Fatalf("append after torn line = %d, %v", n, err)
	}
	ds, _ = ReadDecisions(torn, slog.New(slog.NewTextHandler(&logBuffer{}, nil)))
	if len(ds) != 2 || ds[1].AnnotationID != "9" {
		t.Errorf("after append = %+v, want annotations 1 and 9", ds)
	}
}

func TestReadDecisionsMissingFile(t *testing.T) {
	t.Parallel()
	ds, err := ReadDecisions(filepath.Join(t.TempDir(), "none.jsonl"), nil)
	if err != nil || ds != nil {
		t.Errorf("missing file = %v, %v; want no decisions and no error", ds, err)
	}
}

func TestConstraints(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	a1, b1, b2, b3 := RecordRef{"a", "1"}, RecordRef{"b", "1"}, RecordRef{"b", "2"}, RecordRef{"b", "3"}
	gone := RecordRef{"b", "gone"}
	ds := []Decision{
		{AnnotationID: "1", PairID: PairID(a1, b1), Left: a1, Right: b1, Decision: NonMatch, Timestamp: at("2025-01-02T00:00:00Z")},
		// An older match for the same pair loses to the later non_match.
		{AnnotationID: "2", PairID: PairID(a1, b1), Left: a1, Right: b1, Decision: Match, Timestamp: at("2025-01-01T00:00:00Z")},
		{AnnotationID: "3", PairID: PairID(a1, b2), Left: a1, Right: b2, Decision: Match, Timestamp: at("2025-01-01T00:00:00Z")},
		{AnnotationID: "4", PairID: PairID(a1, b3), Left: a1, Right: b3, Decision: Unsure, Timestamp: at("2025-01-01T00:00:00Z")},
		{AnnotationID: "5", PairID: PairID(a1, gone), Left: a1, Right: gone, Decision: Match, Timestamp: at("2025-01-01T00:00:00Z")},
	}
	must, cannot := Constraints(ds)
	if len(must) != 2 || len(cannot) != 1 || cannot[0] != (RecordPair{a1, b1}) {
		t.Fatalf("must %v, cannot %v", must, cannot)
	}
	nums := map[RecordRef]int32{a1: 4, b1: 0, b2: 2, b3: 3}
	cons, missing := ClusterConstraints(ds, func(s, id string) (int32, bool) {
		n, ok := nums[RecordRef{s, id}]
		return n, ok
	})
	if !slices.Equal(cons.MustLink, [][2]int32{{2, 4}}) || !slices.Equal(cons.CannotLink, [][2]int32{{0, 4}}) {
		t.Errorf("cluster constraints = %+v", cons)
	}
	if !slices.Equal(missing, []RecordRef{gone}) {
		t.Errorf("missing = %v, want [%v]", missing, gone)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	// A port with nothing listening: Label Studio is down.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "http://" + ln.Addr().String()
	ln.Close()

	tests := []struct {
		name     string
		faults   []labelstudiotest.Fault
		url      string // default: the fake server
		token    string
		project  int64
		mod      func(*Config)
		kind     error
		contains []string
		attempts int // requests that reached the server, -1 to skip
	}{
		{
			name: "down", url: downURL, project: 1, kind: ErrUnavailable,
			contains: []string{"not reachable", "connection refused", "start Label Studio or check the URL", "after 4 attempts"}, attempts: -1,
		},
		{
			name: "bad token", token: "wrong-token-value", project: 1, kind: ErrUnauthorized,
			contains: []string{"rejected the API token", "401", "check the token"}, attempts: 1,
		},
		{
			name: "project not found", project: 99, kind: ErrNotFound,
			contains: []string{"project 99 does not exist", "check the project id", "404"}, attempts: 1,
		},
		{
			name:    "server error",
			faults:  []labelstudiotest.Fault{{Method: "GET", PathPrefix: "/api/projects/", Status: 500, Body: "<h1>Server Error (500)</h1>"}, {Method: "GET", PathPrefix: "/api/projects/", Status: 500, Body: "x"}, {Method: "GET", PathPrefix: "/api/projects/", Status: 502}, {Method: "GET", PathPrefix: "/api/projects/", Status: 500, Body: "boom"}},
			project: 1, kind: ErrServer,
			contains: []string{"failed on GET /api/projects/1/", "500 Internal Server Error", "after 4 attempts", "boom", "server log"}, attempts: 4,
		},
		{
			name:    "slow response",
			faults:  []labelstudiotest.Fault{{Method: "GET", PathPrefix: "/api/projects/", Hang: true}, {Method: "GET", PathPrefix: "/api/projects/", Hang: true}},
			project: 1, kind: ErrTimeout,
			mod:      func(c *Config) { c.RequestTimeout = 50 * time.Millisecond; c.MaxRetries = 1 },
			contains: []string{"did not answer GET /api/projects/1/ in time", "request timeout reached", "after 2 attempts", "raise the request timeout"}, attempts: 2,
		},
		{
			name:    "bad request is not retried",
			faults:  []labelstudiotest.Fault{{Method: "GET", PathPrefix: "/api/projects/", Status: 400, Body: `{"detail":"bad"}`}},
			project: 1, kind: ErrRequest, contains: []string{"400 Bad Request", `"detail":"bad"`}, attempts: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := labelstudiotest.New(t, testToken)
			f.AddProject(1, LabelingConfig())
			f.Queue(tt.faults...)
			url := tt.url
			if url == "" {
				url = f.URL
			}
			token := testToken
			if tt.token != "" {
				token = tt.token
			}
			c, _, logs := testClient(t, url, func(c *Config) {
				c.Token = token
				if tt.mod != nil {
					tt.mod(c)
				}
			})
			_, err := c.Project(context.Background(), tt.project)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			var lsErr *Error
			if !errors.As(err, &lsErr) {
				t.Errorf("error %q is not a *labelstudio.Error", err)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if strings.Contains(err.Error(), token) || strings.Contains(logs.String(), token) {
				t.Errorf("token leaked: error %q, logs %q", err, logs)
			}
			if tt.attempts >= 0 {
				if n := len(f.RequestLog()); n != tt.attempts {
					t.Errorf("server saw %d requests, want %d", n, tt.attempts)
				}
			}
		})
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		faults    []labelstudiotest.Fault
		wantWaits func([]time.Duration) bool
		describe  string
	}{
		{
			name:      "429 honours Retry-After seconds",
			faults:    []labelstudiotest.Fault{{Method: "GET", PathPrefix: "/api/projects/", Status: 429, Header: map[string]string{"Retry-After": "7"}}},
			wantWaits: func(w []time.Duration) bool { return slices.Equal(w, []time.Duration{7 * time.Second}) },
			describe:  "[7s]",
		},
		{
			name:   "503 without Retry-After backs off exponentially",
			faults: []labelstudiotest.Fault{{Method: "GET", PathPrefix: "/api/projects/", Status: 503}, {Method: "GET", PathPrefix: "/api/projects/", Status: 503}},
			wantWaits: func(w []time.Duration) bool {
				// min 100ms: first wait in [50ms, 100ms], second in [100ms, 200ms].
				return len(w) == 2 && w[0] >= 50*time.Millisecond && w[0] <= 100*time.Millisecond &&
					w[1] >= 100*time.Millisecond && w[1] <= 200*time.Millisecond
			},
			describe: "two waits within the backoff bounds",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := labelstudiotest.New(t, testToken)
			f.AddProject(1, LabelingConfig())
			f.Queue(tt.faults...)
			c, waits, _ := testClient(t, f.URL, nil)
			p, err := c.Project(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if p.ID != 1 {
				t.Errorf("project id = %d", p.ID)
			}
			if !tt.wantWaits(*waits) {
				t.Errorf("waits = %v, want %s", *waits, tt.describe)
			}
		})
	}
}

func TestRetryAfterBeyondOverallTimeoutFailsAtOnce(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.AddProject(1, LabelingConfig())
	f.Queue(labelstudiotest.Fault{Method: "GET", PathPrefix: "/api/projects/", Status: 429, Header: map[string]string{"Retry-After": "3600"}})
	c, waits, _ := testClient(t, f.URL, func(c *Config) { c.Timeout = time.Minute })
	_, err := c.Project(context.Background(), 1)
	if !errors.Is(err, ErrRateLimited) || !strings.Contains(err.Error(), "429") {
		t.Fatalf("error = %v, want a rate limit error", err)
	}
	if lsErr := (*Error)(nil); errors.As(err, &lsErr) && !strings.Contains(lsErr.Detail, "would pass the overall timeout") {
		t.Errorf("detail = %q", lsErr.Detail)
	}
	if len(*waits) != 0 {
		t.Errorf("waited %v although the wait could not fit the timeout", *waits)
	}
}

func TestImportTimeoutIsNotRetried(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.AddProject(1, LabelingConfig())
	f.Queue(labelstudiotest.Fault{Method: "POST", PathPrefix: "/api/projects/1/import", Hang: true})
	c, _, _ := testClient(t, f.URL, func(c *Config) { c.RequestTimeout = 50 * time.Millisecond })
	_, err := c.PushPairs(context.Background(), 1, []ReviewPair{pair("a", "1", "b", "1", 0.8)}, th)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error = %v, want a timeout", err)
	}
	var posts int
	for _, r := range f.RequestLog() {
		if strings.HasPrefix(r, "POST ") {
			posts++
		}
	}
	if posts != 1 {
		t.Errorf("import sent %d times, want 1 (a timed-out import may have been applied)", posts)
	}
}

func TestImportServerErrorIsRetried(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.AddProject(1, LabelingConfig())
	f.Queue(labelstudiotest.Fault{Method: "POST", PathPrefix: "/api/projects/1/import", Status: 500, Body: "busy"})
	c, waits, _ := testClient(t, f.URL, nil)
	res, err := c.PushPairs(context.Background(), 1, []ReviewPair{pair("a", "1", "b", "1", 0.8)}, th)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 1 || len(f.TaskData(1)) != 1 || len(*waits) != 1 {
		t.Errorf("result %+v, %d tasks, waits %v; want 1 task after one retry", res, len(f.TaskData(1)), *waits)
	}
}

func TestTokenMaskedInErrorBodies(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.AddProject(1, LabelingConfig())
	echo := "header was Token " + testToken
	f.Queue(labelstudiotest.Fault{Method: "GET", PathPrefix: "/api/projects/", Status: 400, Body: echo})
	c, _, logs := testClient(t, f.URL, nil)
	_, err := c.Project(context.Background(), 1)
	if err == nil || strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "Token ***") {
		t.Errorf("error = %v, want the echoed token masked", err)
	}
	var lsErr *Error
	if errors.As(err, &lsErr) && strings.Contains(lsErr.Detail, testToken) {
		t.Errorf("Detail leaks the token: %q", lsErr.Detail)
	}
	if strings.Contains(logs.String(), testToken) {
		t.Errorf("logs leak the token")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no url", Config{Token: "t"}, "no URL"},
		{"not http", Config{BaseURL: "ftp://x", Token: "t"}, "not an http(s) URL"},
		{"no token", Config{BaseURL: "http://localhost:8080"}, "no API token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestLabelingConfig(t *testing.T) {
	t.Parallel()
	cfg := LabelingConfig()
	type choice struct {
		Value string `xml:"value,attr"`
	}
	type choices struct {
		Name    string   `xml:"name,attr"`
		ToName  string   `xml:"toName,attr"`
		Choice  string   `xml:"choice,attr"`
		Choices []choice `xml:"Choice"`
	}
	var v struct {
		XMLName xml.Name `xml:"View"`
		Choices choices  `xml:"Choices"`
	}
	if err := xml.Unmarshal([]byte(cfg), &v); err != nil {
		t.Fatalf("config is not XML: %v\n%s", err, cfg)
	}
	var vals []string
	for _, c := range v.Choices.Choices {
		vals = append(vals, c.Value)
	}
	if v.Choices.Name != ChoiceName || v.Choices.Choice != "single" || !slices.Equal(vals, []string{"match", "non_match", "unsure"}) {
		t.Errorf("choices = %+v", v.Choices)
	}
	if !strings.Contains(cfg, `name="`+v.Choices.ToName+`"`) {
		t.Errorf("choices point at %q, which the config does not define", v.Choices.ToName)
	}
	// Every $variable of the config is a field of the task data.
	b, _ := json.Marshal(NewTaskData(pair("a", "1", "b", "2", 0.8), th))
	var data map[string]any
	_ = json.Unmarshal(b, &data)
	for _, name := range labelstudiotest.ConfigVariables(cfg) {
		if _, ok := data[name]; !ok {
			t.Errorf("config uses $%s, which task data lacks", name)
		}
	}
}

func FuzzParseDecisions(f *testing.F) {
	f.Add([]byte(`{"annotation_id":"1","pair_id":"p","left":{"source":"a","id":"1"},"right":{"source":"b","id":"2"},"decision":"match","reviewer":"r","timestamp":"2025-01-01T00:00:00Z"}` + "\n{bad\n"))
	f.Add([]byte("\n\n"))
	f.Add([]byte(`{"annotation_id":1}`))
	quiet := slog.New(slog.NewTextHandler(&logBuffer{}, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, _ := ParseDecisions(bytes.NewReader(b), "fuzz", quiet)
		for _, d := range ds {
			if err := d.check(); err != nil {
				t.Fatalf("returned an invalid decision %+v: %v", d, err)
			}
		}
	})
}
