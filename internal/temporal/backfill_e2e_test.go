package temporal_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"go.temporal.io/sdk/worker"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/archive"
	"github.com/hotpass/hotpass/internal/backfill"
	"github.com/hotpass/hotpass/internal/storetest"
	hptemporal "github.com/hotpass/hotpass/internal/temporal"
	"github.com/hotpass/hotpass/internal/temporaltest"
)

// TestBackfillOnTemporal backfills six archives with limit 2 on a real
// Temporal dev server and an in-process worker: every run succeeds, the
// recorded start and end times never overlap more than two at once, and
// each child is in the run history under the backfill.
func TestBackfillOnTemporal(t *testing.T) {
	t.Parallel()
	c := temporaltest.Dial(t, temporaltest.Start(t))
	h := newHarness(t, `version: 1
name: replay
params:
  input_dir: {type: string}
  output_path: {type: string}
tasks:
  load: {type: probe, with: {sleep: 300ms}}
`)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	st := storetest.OpenAt(t, filepath.Join(h.dir, "hotpass.db"))
	const queue = "hotpass-backfill-e2e"
	h.acts.History, h.acts.Client, h.acts.TaskQueue = st, c, queue
	w := worker.New(c, queue, worker.Options{})
	hptemporal.Register(w, h.acts)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	in := hptemporal.BackfillInput{ID: "bf-e2e", Limit: 2, Key: "backfill-e2e-" + t.Name(),
		Run: hptemporal.RunInput{SpecPath: filepath.Join(h.dir, "spec.yaml"), SpecDir: h.dir, Source: h.source,
			SourceHash: hptemporal.SourceHash(h.source), TaskQueue: queue}}
	src := filepath.Join(h.dir, "input")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		d := fmt.Sprintf("2024-03-%02d", i+1)
		if err := os.WriteFile(filepath.Join(src, "crm.csv"), []byte("id,name\n1,"+d+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		arc := filepath.Join(h.dir, "archives", "hotpass-inputs-"+d+"-v1.zip")
		if _, err := archive.Create(src, arc); err != nil {
			t.Fatal(err)
		}
		in.Jobs = append(in.Jobs, hptemporal.BackfillJob{Date: d, Version: "1", RunID: in.ID + "-" + d + "-1", Archive: arc,
			RestoreDir: filepath.Join(h.dir, "restore", d+"--1"), OutputPath: filepath.Join(h.dir, "restore", "outputs", d+".xlsx")})
	}
	res, err := hptemporal.RunBackfill(ctx, c, queue, in)
	if err != nil {
		t.Fatal(err)
	}
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for i, r := range res.Runs {
		if r.Status != backfill.StatusSucceeded || r.ArchiveSHA256 == "" {
			t.Errorf("run %s: %s %s (archive sha %q), want succeeded", r.Key, r.Status, r.Error, r.ArchiveSHA256)
		}
		if _, err := os.Stat(filepath.Join(in.Jobs[i].RestoreDir, "crm.csv")); err != nil {
			t.Errorf("run %s: the archive was not extracted: %v", r.Key, err)
		}
		edges = append(edges, edge{r.StartedAt, 1}, edge{r.EndedAt, -1})
	}
	// Ends before starts at the same instant: a slot handed over is not
	// two at once.
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at.Equal(edges[j].at) {
			return edges[i].delta < edges[j].delta
		}
		return edges[i].at.Before(edges[j].at)
	})
	running, peak := 0, 0
	for _, e := range edges {
		running += e.delta
		peak = max(peak, running)
	}
	if peak > 2 {
		t.Errorf("%d runs at once, want at most 2 (limit 2): %+v", peak, res.Runs)
	}
	children, err := st.ListRuns(ctx, store.RunFilter{Parent: in.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(children) != 6 {
		t.Fatalf("%d child runs recorded under the backfill, want 6", len(children))
	}
	for _, r := range children {
		if r.StartedBy != store.StartedBackfill || r.Status != store.RunSucceeded {
			t.Errorf("child %s: started by %q, %s; want backfill, succeeded", r.ID, r.StartedBy, r.Status)
		}
	}
}
