package main

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The backfill command records itself as a run and each replayed run as
// its child: `runs ls --parent ID` lists exactly the children, with
// parent_id in JSON.
func TestBackfillChildrenListedByParent(t *testing.T) {
	t.Parallel()
	dir := backfillDir(t)
	state := filepath.Join(dir, "state")
	if _, stderr, code := cli(t, "--state-dir", state, "backfill", "--config", filepath.Join(dir, "backfill.yaml"), "--no-progress"); code != exitFailed {
		t.Fatalf("backfill: exit %d, want 1 (one run of the fixture fails)\n%s", code, stderr)
	}
	list := func(args ...string) runListJSON { return listRuns(t, state, args...) }
	parents := list("--pipeline", "backfill").Runs
	if len(parents) != 1 || parents[0].Status != "failed" || parents[0].ParentID != nil {
		t.Fatalf("backfill runs: %+v, want one failed run without a parent", parents)
	}
	var children []string
	for _, r := range list("--parent", parents[0].ID).Runs {
		if r.ParentID == nil || *r.ParentID != parents[0].ID {
			t.Errorf("run %s listed under %s has parent_id %v", r.ID, parents[0].ID, r.ParentID)
		}
		children = append(children, r.ID+"="+r.Status)
	}
	sort.Strings(children)
	if got := strings.Join(children, " "); !strings.Contains(got, "2024-01-01") || !strings.Contains(got, "2024-01-02") ||
		!strings.Contains(got, "2024-01-03") || len(children) != 3 {
		t.Errorf("children: %s, want the three replayed dates", got)
	}
	if none := list("--parent", "no-such-run").Runs; len(none) != 0 {
		t.Errorf("runs of an unknown parent: %+v", none)
	}
}

// listRuns is `runs ls --format json --limit 0` with args on state.
func listRuns(t *testing.T, state string, args ...string) runListJSON {
	t.Helper()
	stdout, stderr, code := cli(t, append([]string{"--state-dir", state, "runs", "ls", "--format", "json", "--limit", "0"}, args...)...)
	if code != 0 {
		t.Fatalf("runs ls %v: exit %d\n%s", args, code, stderr)
	}
	var out runListJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("runs ls %v: %v\n%s", args, err, stdout)
	}
	return out
}
