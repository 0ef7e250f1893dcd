package labelstudio

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/labelstudio/labelstudiotest"
)

// testPAT builds a token shaped like a Label Studio personal access token:
// a JWT refresh token (header.payload.signature, base64url without
// padding).
func testPAT(jti string) string {
	enc := base64.RawURLEncoding.EncodeToString
	header := enc([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload := enc([]byte(fmt.Sprintf(`{"token_type":"refresh","exp":8076679723,"iat":1769479723,"jti":%q,"user_id":"1"}`, jti)))
	return header + "." + payload + "." + enc([]byte("signature-"+jti))
}

func countRequests(f *labelstudiotest.Server, prefix string) int {
	n := 0
	for _, r := range f.RequestLog() {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func TestPersonalAccessTokenIsExchangedAndRefreshed(t *testing.T) {
	t.Parallel()
	pat := testPAT("fe40d76e840e4b4d86dd958bb8b7acb6")
	f := labelstudiotest.New(t, testToken)
	// Each access token serves three requests, so a push and a pull
	// outlive several of them.
	f.UsePAT(pat, 3, true)
	f.AddProject(7, LabelingConfig())
	c, waits, logs := testClient(t, f.URL, func(c *Config) { c.Token = pat })
	ctx := context.Background()
	pairs := []ReviewPair{
		pair("crm", "1", "sacaa", "A1", 0.8), pair("crm", "2", "sacaa", "A2", 0.8),
		pair("crm", "3", "sacaa", "A3", 0.8), pair("crm", "4", "sacaa", "A4", 0.8),
		pair("crm", "5", "sacaa", "A5", 0.8),
	}
	res, err := c.PushPairs(ctx, 7, pairs, th)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 5 || len(f.TaskData(7)) != 5 {
		t.Fatalf("push = %+v with %d tasks in the project, want 5", res, len(f.TaskData(7)))
	}
	f.Annotate(7, PairID(pairs[0].Left, pairs[0].Right), ChoiceName, "match", false, 3, "2025-03-09T22:16:08Z")
	ds, err := c.PullDecisions(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Decision != Match {
		t.Errorf("decisions = %+v, want one match", ds)
	}
	refreshes, _ := f.Counts()
	if refreshes < 3 {
		t.Errorf("the personal access token was exchanged %d times, want one exchange per expired access token (3 or more)", refreshes)
	}
	if len(*waits) != 0 {
		t.Errorf("an expired access token cost retry waits %v; it should be refreshed at once", *waits)
	}
	if strings.Contains(logs.String(), pat) || strings.Contains(logs.String(), "access-1-9b1f07c2") {
		t.Errorf("a token reached the logs:\n%s", logs)
	}
}

func TestTokenRejections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		token    string
		setup    func(f *labelstudiotest.Server)
		kind     error
		contains []string
		absent   []string
	}{
		{
			name:     "legacy token disabled for the organization",
			token:    testToken,
			setup:    func(f *labelstudiotest.Server) { f.UsePAT(testPAT("a"), 0, true) },
			kind:     ErrUnauthorized,
			contains: []string{"legacy", "disabled", "personal access token", "Account & Settings"},
		},
		{
			name:     "revoked personal access token",
			token:    testPAT("revoked"),
			setup:    func(f *labelstudiotest.Server) { f.UsePAT(testPAT("current"), 0, true) },
			kind:     ErrUnauthorized,
			contains: []string{"personal access token", "POST /api/token/refresh", "create a new one"},
		},
		{
			name:  "forbidden is a permission problem, not a bad token",
			token: testToken,
			setup: func(f *labelstudiotest.Server) {
				f.Queue(labelstudiotest.Fault{Method: "GET", PathPrefix: "/api/projects/", Status: 403, Body: `{"detail":"You do not have permission to perform this action."}`})
			},
			contains: []string{"403", "permission"},
			absent:   []string{"rejected the API token", "check the token"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := labelstudiotest.New(t, testToken)
			f.AddProject(1, LabelingConfig())
			tt.setup(f)
			c, _, logs := testClient(t, f.URL, func(c *Config) { c.Token = tt.token })
			_, err := c.Project(context.Background(), 1)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q says %q", err, s)
				}
			}
			if strings.Contains(err.Error(), tt.token) || strings.Contains(logs.String(), tt.token) {
				t.Errorf("token leaked: %q", err)
			}
		})
	}
}

func TestBackgroundImportIsAwaited(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.Background(3)
	f.AddProject(4, LabelingConfig())
	c, _, _ := testClient(t, f.URL, nil)
	ctx := context.Background()
	pairs := []ReviewPair{
		pair("crm", "1", "sacaa", "A1", 0.8), pair("crm", "2", "sacaa", "A2", 0.8),
		pair("crm", "3", "sacaa", "A3", 0.8), pair("crm", "4", "sacaa", "A4", 0.8),
		pair("crm", "5", "sacaa", "A5", 0.8),
	}
	res, err := c.PushPairs(ctx, 4, pairs, th)
	if err != nil {
		t.Fatal(err)
	}
	if _, overlaps := f.Counts(); overlaps != 0 {
		t.Errorf("%d batches were sent while an earlier import was still running", overlaps)
	}
	if n := len(f.TaskData(4)); n != 5 || res.Imported != 5 || res.ServerCount != 5 {
		t.Fatalf("push = %+v, project holds %d tasks; want 5 imported and counted by the import status", res, n)
	}
	if polls := countRequests(f, "GET /api/projects/4/imports/"); polls < 9 {
		t.Errorf("import status polled %d times, want every import followed to its end (3 imports × 3 polls)", polls)
	}
	// A re-run finds every pair and sends nothing.
	res, err = c.PushPairs(ctx, 4, pairs, th)
	if err != nil || res.Imported != 0 || res.Existing != 5 || len(f.TaskData(4)) != 5 {
		t.Errorf("re-run = %+v, %v, %d tasks; want nothing imported", res, err, len(f.TaskData(4)))
	}
}

func TestBackgroundImportFailureIsReported(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.Background(2)
	f.FailNextImport(`task 0: data has no "left" field used by the label config`)
	f.AddProject(4, LabelingConfig())
	c, _, _ := testClient(t, f.URL, nil)
	pairs := []ReviewPair{pair("crm", "1", "sacaa", "A1", 0.8), pair("crm", "2", "sacaa", "A2", 0.8), pair("crm", "3", "sacaa", "A3", 0.8)}
	res, err := c.PushPairs(context.Background(), 4, pairs, th)
	if err == nil {
		t.Fatalf("push = %+v, want the failed import reported", res)
	}
	for _, s := range []string{"import 50", "project 4", "failed", `data has no "left" field`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	if res.Imported != 0 {
		t.Errorf("imported = %d, want 0: the failed batch created nothing", res.Imported)
	}
	if posts := countRequests(f, "POST /api/projects/4/import"); posts != 1 {
		t.Errorf("%d imports sent, want 1: nothing after a failed import", posts)
	}
}

func TestImportGatewayErrorIsNotResent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fault     labelstudiotest.Fault
		wantPosts int
	}{
		// The proxy gave up after Label Studio committed the batch: the
		// tasks are there, so sending the batch again would duplicate it.
		{"504 after commit", labelstudiotest.Fault{Method: "POST", PathPrefix: "/api/projects/2/import", Status: 504, Body: "<html>504 Gateway Time-out</html>", AfterCommit: true}, 2},
		{"502 after commit", labelstudiotest.Fault{Method: "POST", PathPrefix: "/api/projects/2/import", Status: 502, Body: "Bad Gateway", AfterCommit: true}, 2},
		// Nothing was committed: the batch is sent again.
		{"502 before commit", labelstudiotest.Fault{Method: "POST", PathPrefix: "/api/projects/2/import", Status: 502, Body: "Bad Gateway"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := labelstudiotest.New(t, testToken)
			f.AddProject(2, LabelingConfig())
			f.Queue(tt.fault)
			c, _, _ := testClient(t, f.URL, nil)
			pairs := []ReviewPair{pair("crm", "1", "sacaa", "A1", 0.8), pair("crm", "2", "sacaa", "A2", 0.8), pair("crm", "3", "sacaa", "A3", 0.8)}
			res, err := c.PushPairs(context.Background(), 2, pairs, th)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]int{}
			for _, d := range f.TaskData(2) {
				ids[d["pair_id"].(string)]++
			}
			if len(ids) != 3 || len(f.TaskData(2)) != 3 {
				t.Errorf("project holds %d tasks for %d pairs, want 3 tasks, one per pair", len(f.TaskData(2)), len(ids))
			}
			if res.Imported != 3 {
				t.Errorf("imported = %d, want 3", res.Imported)
			}
			if posts := countRequests(f, "POST /api/projects/2/import"); posts != tt.wantPosts {
				t.Errorf("%d imports sent, want %d", posts, tt.wantPosts)
			}
		})
	}
}

func TestReviewerUserIDResolvedToEmail(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.AddProject(5, LabelingConfig())
	f.AddUser(11, "ann@example.org")
	c, _, _ := testClient(t, f.URL, nil)
	ctx := context.Background()
	pairs := []ReviewPair{pair("crm", "1", "sacaa", "A1", 0.8), pair("crm", "2", "sacaa", "A2", 0.8), pair("crm", "3", "sacaa", "A3", 0.8)}
	if _, err := c.PushPairs(ctx, 5, pairs, th); err != nil {
		t.Fatal(err)
	}
	id := func(i int) string { return PairID(pairs[i].Left, pairs[i].Right) }
	f.Annotate(5, id(0), ChoiceName, "match", false, 11, "2025-03-09T22:16:08Z")
	f.Annotate(5, id(1), ChoiceName, "non_match", false, 11, "2025-03-09T22:17:08Z")
	f.Annotate(5, id(2), ChoiceName, "unsure", false, 13, "2025-03-09T22:18:08Z") // not visible to the token's user
	ds, err := c.PullDecisions(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range ds {
		got[d.PairID] = d.Reviewer
	}
	want := map[string]string{id(0): "ann@example.org", id(1): "ann@example.org", id(2): "user 13"}
	if !mapsEqual(got, want) {
		t.Errorf("reviewers = %v, want %v", got, want)
	}
	if n := countRequests(f, "GET /api/users/11/"); n != 1 {
		t.Errorf("user 11 looked up %d times, want once", n)
	}
}

func TestRoleFilteredTaskListIsReported(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.AddProject(6, LabelingConfig())
	c, _, logs := testClient(t, f.URL, nil)
	ctx := context.Background()
	pairs := []ReviewPair{pair("crm", "1", "sacaa", "A1", 0.8), pair("crm", "2", "sacaa", "A2", 0.8), pair("crm", "3", "sacaa", "A3", 0.8)}
	if _, err := c.PushPairs(ctx, 6, pairs, th); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "of 3 tasks") {
		t.Fatalf("a complete task list was reported as filtered:\n%s", logs)
	}
	// The token's user now sees only the one task assigned to it.
	f.ShowTasks(1)
	if _, err := c.PullDecisions(ctx, 6); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"1 of 3 tasks", "assigned", "manager"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("logs do not say %q:\n%s", s, logs)
		}
	}
}

func TestRerunWaitsForAnImportLeftRunning(t *testing.T) {
	t.Parallel()
	f := labelstudiotest.New(t, testToken)
	f.Background(2)
	f.AddProject(4, LabelingConfig())
	// The status endpoint fails on every attempt of the first push, which
	// gives up while the import is still running.
	for range 4 {
		f.Queue(labelstudiotest.Fault{Method: "GET", PathPrefix: "/api/projects/4/imports/", Status: 500, Body: "busy"})
	}
	c, _, _ := testClient(t, f.URL, nil)
	ctx := context.Background()
	pairs := []ReviewPair{pair("crm", "1", "sacaa", "A1", 0.8), pair("crm", "2", "sacaa", "A2", 0.8)}
	_, err := c.PushPairs(ctx, 4, pairs, th)
	if err == nil || !strings.Contains(err.Error(), "import 50 into project 4 is still running") {
		t.Fatalf("first push error = %v, want the running import named", err)
	}
	res, err := c.PushPairs(ctx, 4, pairs, th)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 0 || res.Existing != 2 || len(f.TaskData(4)) != 2 {
		t.Errorf("re-run = %+v with %d tasks; want it to wait for the running import and send nothing", res, len(f.TaskData(4)))
	}
	if _, overlaps := f.Counts(); overlaps != 0 {
		t.Errorf("%d imports sent while one was running", overlaps)
	}
}

func TestAccessTokenRefreshedOnlyOncePerRequest(t *testing.T) {
	t.Parallel()
	pat := testPAT("once")
	f := labelstudiotest.New(t, testToken)
	f.UsePAT(pat, 0, true)
	f.AddProject(1, LabelingConfig())
	c, _, _ := testClient(t, f.URL, func(c *Config) { c.Token = pat })
	// Every request is refused as if the access token had expired.
	for range 3 {
		f.Queue(labelstudiotest.Fault{Method: "GET", PathPrefix: "/api/projects/", Status: 401, Body: `{"detail":"Given token not valid for any token type","code":"token_not_valid"}`})
	}
	_, err := c.Project(context.Background(), 1)
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("error = %v, want the token rejected", err)
	}
	if n := countRequests(f, "GET /api/projects/1/"); n != 2 {
		t.Errorf("project requested %d times, want 2: once, and once more after a refresh", n)
	}
	if refreshes, _ := f.Counts(); refreshes != 2 {
		t.Errorf("%d refreshes, want 2: the first exchange and one renewal", refreshes)
	}
}

func TestIsPersonalAccessToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		token string
		want  bool
	}{
		{testPAT("x"), true},
		{testToken, false},
		{"f6d8ca85d2289294ca8b68ab4e24210d9a0a9c17", false}, // a legacy token: 40 hex digits
		{"a.b.c", false},
		{"eyJhbGciOiJIUzI1NiJ9..sig", false},
		{"eyJ0eXAiOiJKV1QifQ.eyJ1c2VyX2lkIjoxfQ.sig", false}, // no "alg"
	}
	for _, tt := range tests {
		if got := isPersonalAccessToken(tt.token); got != tt.want {
			t.Errorf("isPersonalAccessToken(%q) = %v, want %v", tt.token, got, tt.want)
		}
	}
}

// Telling a token's kind never panics, and only a three-part token whose
// header decodes is taken for a personal access token.
func FuzzIsPersonalAccessToken(f *testing.F) {
	f.Add(testPAT("seed"))
	f.Add(testToken)
	f.Add("..")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, token string) {
		if isPersonalAccessToken(token) {
			parts := strings.Split(token, ".")
			if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
				t.Fatalf("%q taken for a JWT", token)
			}
		}
	})
}
