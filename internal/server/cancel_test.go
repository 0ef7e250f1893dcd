package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine/store"
)

func TestCancelRun(t *testing.T) {
	t.Parallel()
	srv, st := setup(t, token)
	ctx := context.Background()
	for _, r := range []store.Run{
		{ID: "queued", Pipeline: "nightly"},
		{ID: "busy", Pipeline: "nightly", Status: store.RunRunning},
	} {
		if _, err := st.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, path, auth string
		code             int
		body             string // a fragment the response must hold
		after            store.RunStatus
		requested        bool
	}{
		{"no token", "/api/runs/busy/cancel", "", 401, "", store.RunRunning, false},
		{"pending is cancelled at once", "/api/runs/queued/cancel", "Bearer " + token, 200, `"status": "cancelled"`, store.RunCancelled, false},
		{"running is asked", "/api/runs/busy/cancel", "Bearer " + token, 202, `"status": "running"`, store.RunRunning, true},
		{"finished", "/api/runs/r1/cancel", "Bearer " + token, 409, "already finished", store.RunSucceeded, false},
		{"unknown", "/api/runs/nope/cancel", "Bearer " + token, 404, `unknown run id \"nope\"`, "", false},
		{"markup in the id", "/api/runs/%3Cscript%3E/cancel", "Bearer " + token, 404, `unknown run id \"\u003cscript\u003e\"`, "", false},
	}
	for _, tt := range tests {
		code, body := call(t, srv, "POST", tt.path, tt.auth, "")
		if code != tt.code || !strings.Contains(body, tt.body) {
			t.Errorf("%s: POST %s = %d %s; want %d with %q", tt.name, tt.path, code, body, tt.code, tt.body)
		}
		if tt.after == "" {
			continue
		}
		id := strings.Split(tt.path, "/")[3]
		r, err := st.GetRun(ctx, id)
		if err != nil || r.Status != tt.after {
			t.Errorf("%s: run %s is %s (%v), want %s", tt.name, id, r.Status, err, tt.after)
		}
		if ok, _ := st.CancelRequested(ctx, id); ok != tt.requested {
			t.Errorf("%s: cancel requested = %v, want %v", tt.name, ok, tt.requested)
		}
	}
}

// A run triggered through the API is recorded as started by the API.
func TestTriggeredRunStartedByAPI(t *testing.T) {
	t.Parallel()
	srv, st := setup(t, token)
	code, body := call(t, srv, "POST", "/api/deployments/nightly/runs", "Bearer "+token, `{"params": {"limit": 3}}`)
	if code != 202 || !strings.Contains(body, `"started_by": "api"`) {
		t.Fatalf("trigger: %d %s", code, body)
	}
	runs, err := st.ListRuns(context.Background(), store.RunFilter{StartedBy: store.StartedAPI})
	if err != nil || len(runs) != 1 || runs[0].Deployment != "nightly" {
		t.Errorf("runs started by the API: %+v (%v), want the one queued", runs, err)
	}
}
