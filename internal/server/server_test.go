package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/server"
	"github.com/hotpass/hotpass/internal/storetest"
	"github.com/hotpass/hotpass/tasks"
	_ "github.com/hotpass/hotpass/tasks/builtin"
)

const token = "s3cret-token-for-tests"

// setup serves the API over a store holding one deployment ("nightly")
// and one finished run ("r1").
func setup(t *testing.T, tok string) (*httptest.Server, store.Store) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(t.TempDir(), "spec.yaml")
	src := "version: 1\nname: nightly\nparams:\n  limit: {type: integer, default: 10}\ntasks:\n  a: {type: noop}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutDeployment(ctx, store.Deployment{Name: "nightly", SpecPath: spec, Schedule: "@daily"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateRun(ctx, store.Run{ID: "r1", Pipeline: "nightly", Status: store.RunSucceeded}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordTask(ctx, store.TaskRun{RunID: "r1", TaskID: "a", Type: "noop", Status: "succeeded", Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(server.Config{Store: st, Loader: l, Token: tok}))
	t.Cleanup(srv.Close)
	return srv, st
}

func call(t *testing.T, srv *httptest.Server, method, path, auth, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestAuth(t *testing.T) {
	t.Parallel()
	srv, st := setup(t, token)
	endpoints := []struct{ method, path string }{
		{"GET", "/api/runs"},
		{"GET", "/api/runs/r1"},
		{"GET", "/api/deployments"},
		{"POST", "/api/deployments/nightly/runs"},
		{"GET", "/api/nothing-here"},
	}
	for _, e := range endpoints {
		for _, auth := range []string{"", "Bearer wrong", "Bearer " + token + "x", token, "Basic " + token} {
			code, body := call(t, srv, e.method, e.path, auth, "")
			if code != http.StatusUnauthorized || !strings.Contains(body, "bearer token") {
				t.Errorf("%s %s with %q: %d %s, want 401", e.method, e.path, auth, code, body)
			}
		}
	}
	if runs, _ := st.ListRuns(context.Background(), store.RunFilter{}); len(runs) != 1 {
		t.Errorf("unauthorised requests started runs: %d runs", len(runs))
	}
	if code, _ := call(t, srv, "GET", "/api/health", "", ""); code != http.StatusOK {
		t.Errorf("health without token: %d", code)
	}
	for _, e := range endpoints[:3] {
		if code, body := call(t, srv, e.method, e.path, "Bearer "+token, ""); code != http.StatusOK {
			t.Errorf("%s %s with the token: %d %s", e.method, e.path, code, body)
		}
	}
	code, body := call(t, srv, "POST", "/api/deployments/nightly/runs", "Bearer "+token, `{"params": {"limit": 5}}`)
	if code != http.StatusAccepted {
		t.Fatalf("trigger: %d %s", code, body)
	}
	var run server.RunJSON
	if err := json.Unmarshal([]byte(body), &run); err != nil || run.Status != "pending" || run.Deployment != "nightly" {
		t.Errorf("triggered run %+v (%v)", run, err)
	}
	var params map[string]any
	if err := json.Unmarshal(run.Params, &params); err != nil || params["limit"] != float64(5) {
		t.Errorf("triggered run params %s (%v)", run.Params, err)
	}
}

func TestNoTokenConfigured(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, "")
	if code, _ := call(t, srv, "GET", "/api/runs", "", ""); code != http.StatusOK {
		t.Errorf("without a configured token: %d", code)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	srv, st := setup(t, token)
	tests := []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"GET", "/api/runs/nope", "", 404, `unknown run id \"nope\"`},
		{"GET", "/api/runs?status=bogus", "", 400, `status \"bogus\"`},
		{"GET", "/api/runs?limit=-1", "", 400, `limit \"-1\"`},
		{"POST", "/api/deployments/nope/runs", "", 404, `unknown deployment \"nope\"`},
		{"POST", "/api/deployments/nightly/runs", `{"params": {"limit": "ten"}}`, 422, `param \"limit\"`},
		{"POST", "/api/deployments/nightly/runs", `{"params": {"limt": 1}}`, 422, `did you mean \"limit\"`},
		{"POST", "/api/deployments/nightly/runs", `[1]`, 400, "body must be a JSON object"},
	}
	for _, tt := range tests {
		code, body := call(t, srv, tt.method, tt.path, "Bearer "+token, tt.body)
		if code != tt.code || !strings.Contains(body, tt.want) {
			t.Errorf("%s %s %s: %d %s, want %d with %s", tt.method, tt.path, tt.body, code, body, tt.code, tt.want)
		}
	}
	if runs, _ := st.ListRuns(context.Background(), store.RunFilter{}); len(runs) != 1 {
		t.Errorf("rejected triggers queued runs: %d runs", len(runs))
	}
}

func TestGetRun(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, token)
	code, body := call(t, srv, "GET", "/api/runs/r1", "Bearer "+token, "")
	var got struct {
		ID    string `json:"id"`
		Tasks []struct {
			ID       string `json:"id"`
			Attempts int    `json:"attempts"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || code != 200 || got.ID != "r1" || len(got.Tasks) != 1 || got.Tasks[0].Attempts != 1 {
		t.Errorf("%d %s (%v)", code, body, err)
	}
}

func TestCheckListen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:4200", "", true},
		{"localhost:4200", "", true},
		{"[::1]:4200", "", true},
		{"0.0.0.0:4200", "", false},
		{":4200", "", false},
		{"10.1.2.3:4200", "", false},
		{"0.0.0.0:4200", strongToken, true},
		{"10.1.2.3:4200", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", true},
		{"no-port", "", false},
		// Weak tokens are refused beyond loopback and accepted on it.
		{"0.0.0.0:4200", "t", false},
		{"0.0.0.0:4200", token, false},
		{"0.0.0.0:4200", strings.Repeat("a", 64), false},
		{"0.0.0.0:4200", "01234567890123456789012345678901", false},
		{"0.0.0.0:4200", "9f86d081884c7d659a2feaa0c55ad015", true},
		{"0.0.0.0:4200", "9f86d081884c7d659a2feaa0c55ad01", false},
		{"127.0.0.1:4200", "t", true},
	}
	for _, tt := range tests {
		err := server.CheckListen(tt.addr, tt.token)
		if (err == nil) != tt.ok {
			t.Errorf("CheckListen(%q, %q) = %v, want ok=%v", tt.addr, tt.token, err, tt.ok)
		}
		if err != nil && tt.addr != "no-port" && !strings.Contains(err.Error(), server.EnvToken) {
			t.Errorf("error does not say how to fix it: %v", err)
		}
		if err != nil && tt.token != "" && !strings.Contains(err.Error(), "openssl rand -hex 32") {
			t.Errorf("error about a weak token does not say how to make a strong one: %v", err)
		}
		if err != nil && len(tt.token) >= 8 && strings.Contains(err.Error(), tt.token) {
			t.Errorf("error shows the token: %v", err)
		}
	}
}

// strongToken is what `openssl rand -base64 32` prints.
const strongToken = "q1Zk8vQ2Xo7LrN4sYb6Tw0Hc3JmPfEa9UdGiKy5RzVw="

func TestTokenStrength(t *testing.T) {
	t.Parallel()
	if err := server.TokenStrength(strongToken); err != nil {
		t.Errorf("a base64 token of 32 random bytes: %v", err)
	}
	for _, weak := range []string{"", "t", token, "password", strings.Repeat("ab", 40)} {
		if err := server.TokenStrength(weak); err == nil {
			t.Errorf("TokenStrength(%q) = nil, want an error", weak)
		}
	}
}

// TestBearerSchemeCase: the auth scheme is case-insensitive (RFC 7235) and
// may be followed by more than one space; the token itself is not.
func TestBearerSchemeCase(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, token)
	for _, auth := range []string{"Bearer " + token, "bearer " + token, "BEARER " + token, "bEaReR " + token, "Bearer  " + token} {
		if code, body := call(t, srv, "GET", "/api/runs", auth, ""); code != http.StatusOK {
			t.Errorf("%q: %d %s, want 200", auth, code, body)
		}
	}
	for _, auth := range []string{"Bearer " + strings.ToUpper(token), "Bearer" + token, "Bearertoken " + token, "Basic " + token} {
		if code, _ := call(t, srv, "GET", "/api/runs", auth, ""); code != http.StatusUnauthorized {
			t.Errorf("%q: %d, want 401", auth, code)
		}
	}
}

// TestInvalidSpecHidesDSNPassword: the 422 for a deployment whose spec is
// invalid shows the diagnostics and their source lines, not the literal
// password of a DSN on those lines.
func TestInvalidSpecHidesDSNPassword(t *testing.T) {
	t.Parallel()
	srv, st := setup(t, token)
	spec := filepath.Join(t.TempDir(), "dsn.yaml")
	src := "version: 1\nname: dsn\ndatasources:\n" +
		"  crm: {type: postgres, dsn: \"postgres://app:hunter2-pass@db.example/crm\", table: t, sheet: x}\n" +
		"  kv: {type: postgres, dsn: \"host=db.example password='kv hunter3' dbname=crm\", table: t, sheet: x}\n" +
		"tasks:\n  a: {type: read, with: {source: crm}}\n  b: {type: read, with: {source: kv}}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutDeployment(context.Background(), store.Deployment{Name: "dsn", SpecPath: spec}); err != nil {
		t.Fatal(err)
	}
	code, body := call(t, srv, "POST", "/api/deployments/dsn/runs", "Bearer "+token, "")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "dsn.yaml:4") || !strings.Contains(body, "postgres://app:***@db.example") {
		t.Fatalf("%d %s, want 422 with the diagnostics, password masked", code, body)
	}
	if strings.Contains(body, "hunter2") || strings.Contains(body, "hunter3") {
		t.Errorf("422 body shows a DSN password:\n%s", body)
	}
}

// With a UI handler, every path outside /api/ is the UI's, and /api/ keeps
// its bearer token and JSON errors.
func TestUIHandlerServesOutsideAPI(t *testing.T) {
	t.Parallel()
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ui:"+r.URL.Path)
	})
	srv := httptest.NewServer(server.New(server.Config{Token: token, UI: ui}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/", http.StatusOK, "ui:/"},
		{"/runs/r1", http.StatusOK, "ui:/runs/r1"},
		{"/api/nothing-here", http.StatusUnauthorized, "bearer token"},
		{"/api/health", http.StatusOK, `"ok"`},
	} {
		code, body := call(t, srv, "GET", tc.path, "", "")
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d %s, want %d %q", tc.path, code, body, tc.code, tc.want)
		}
	}
	if code, body := call(t, srv, "GET", "/api/nothing-here", "Bearer "+token, ""); code != http.StatusNotFound || !strings.Contains(body, "no such endpoint") {
		t.Errorf("unknown API path with the token: %d %s", code, body)
	}
}
