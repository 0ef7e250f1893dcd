package webui_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine/store"
)

func TestOverview(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	now := time.Now().UTC()
	// Ten runs of "orders" over the last days, one a minute longer than
	// the one before; every third fails in "load".
	for i := range 10 {
		start := now.Add(-time.Duration(i) * 12 * time.Hour)
		status := store.RunSucceeded
		if i%3 == 0 {
			status = store.RunFailed
		}
		id := fmt.Sprintf("ov-%02d", i)
		_, err := f.st.CreateRun(ctx, store.Run{ID: id, Pipeline: "orders", Status: status, CreatedAt: start,
			StartedAt: start, EndedAt: start.Add(time.Duration(i+1) * time.Minute)})
		must(t, err)
		load := store.RunSucceeded
		if status == store.RunFailed {
			load = store.RunFailed
		}
		must(t, f.st.RecordTasks(ctx, []store.TaskRun{
			{RunID: id, TaskID: "extract", Status: "succeeded", StartedAt: start, EndedAt: start.Add(20 * time.Second)},
			{RunID: id, TaskID: "load", Status: load, StartedAt: start, EndedAt: start.Add(time.Duration(i+1) * 50 * time.Second)},
		}))
	}
	r := f.get(t, f.client(t), "/overview")
	if r.code != http.StatusOK {
		t.Fatalf("%d %s", r.code, r.body)
	}
	// All ten runs (12 hours apart) fall in the 7-day window; the fixture's
	// runs are months old and do not. p50 is the 5th shortest (5m), p95
	// the 10th (10m); load took at most 500s, and failed in runs 0, 3, 6, 9.
	contains(t, "overview", r.body, `<a href="/?pipeline=orders">orders</a></td><td class="num">10</td><td class="num">4</td><td class="num">5m0s</td><td class="num">10m0s</td>`,
		`<td class="mono">load</td><td>orders</td><td class="num">4</td><td class="num">10</td>`,
		`<td class="mono">load</td><td>orders</td><td class="num">8m20s</td>`, `class="bar st-failed"`, "Runs per day")
	if strings.Contains(r.body, "customers</a>") {
		t.Error("runs older than the window are counted")
	}
}
