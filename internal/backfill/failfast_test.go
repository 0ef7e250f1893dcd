package backfill

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/storetest"
)

// failingPipeline fails the run of one date. So that "runs already going"
// is the same set every time, each run first waits until `limit` runs are
// in flight, and a run that overlaps the failing one holds until the
// backfill has reported the failure (the failed channel, closed by the
// test's Progress): only then does it succeed.
type failingPipeline struct {
	fail     string
	limit    int64
	inFlight atomic.Int64
	failing  atomic.Bool // the failing run is in flight
	failed   chan struct{}

	mu      sync.Mutex
	started []string
}

func (p *failingPipeline) Check(context.Context, PipelineRef) error { return nil }

func (p *failingPipeline) Run(ctx context.Context, req Request) (*engine.RunRecord, error) {
	p.mu.Lock()
	p.started = append(p.started, req.Date)
	p.mu.Unlock()
	if req.Date == p.fail {
		p.failing.Store(true)
	}
	p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	deadline := time.Now().Add(5 * time.Second)
	for p.inFlight.Load() < p.limit && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	if req.Date == p.fail {
		return &engine.RunRecord{RunID: req.RunID, Status: engine.StatusFailed,
			Tasks: []engine.TaskRecord{{ID: "load", Status: engine.StatusFailed, Error: "bad input"}}}, nil
	}
	if p.failing.Load() {
		select {
		case <-p.failed:
		case <-time.After(5 * time.Second):
			return nil, errors.New("the failure was never reported")
		}
	}
	return &engine.RunRecord{RunID: req.RunID, Status: engine.StatusSucceeded,
		Tasks: []engine.TaskRecord{{ID: "load", Status: engine.StatusSucceeded, RowsOut: 5}}}, nil
}

// TestRunFailFast fails the second of six dates with fail_fast set: the
// runs going at the time finish, none starts after, the rest are reported
// not started (in the summary file and table, counted as neither
// succeeded nor failed), and a second backfill does only what is left.
func TestRunFailFast(t *testing.T) {
	t.Parallel()
	const (
		ok   = StatusSucceeded
		fail = StatusFailed
		ns   = StatusNotStarted
	)
	cases := []struct {
		limit   int
		want    []Status
		started []string
	}{
		{limit: 1, want: []Status{ok, fail, ns, ns, ns, ns}, started: []string{"2024-01-01", "2024-01-02"}},
		// 01 and 03 were going when 02 failed: they finish.
		{limit: 3, want: []Status{ok, fail, ok, ns, ns, ns}, started: []string{"2024-01-01", "2024-01-02", "2024-01-03"}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("concurrency %d", tc.limit), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, fmt.Sprintf("    concurrency_limit: %d\n    fail_fast: true\n", tc.limit))
			for d := 1; d <= 6; d++ {
				f.addArchive(t, fmt.Sprintf("2024-01-%02d", d), "1", map[string]string{"orgs.csv": orgs})
			}
			p := &failingPipeline{fail: "2024-01-02", limit: int64(tc.limit), failed: make(chan struct{})}
			var once sync.Once
			var mu sync.Mutex
			var notStartedEvents, lastCount int
			progress := func(e Event) {
				if e.Finished == nil {
					return
				}
				mu.Lock()
				lastCount = max(lastCount, e.NotStarted)
				mu.Unlock()
				switch e.Finished.Status {
				case StatusFailed:
					once.Do(func() { close(p.failed) })
				case StatusNotStarted:
					mu.Lock()
					notStartedEvents++
					mu.Unlock()
				}
			}
			sel := Selection{Start: "2024-01-01", End: "2024-01-06", Versions: []string{"1"}}
			s := f.run(t, context.Background(), sel, Options{Pipeline: p, Store: storetest.Open(t), Progress: progress})

			var got []Status
			for _, r := range s.Runs {
				got = append(got, r.Status)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("statuses %v, want %v", got, tc.want)
			}
			slices.Sort(p.started)
			if !slices.Equal(p.started, tc.started) {
				t.Errorf("runs started %v, want %v", p.started, tc.started)
			}
			notStarted := 6 - len(tc.started)
			if s.Succeeded != len(tc.started)-1 || s.Failed != 1 || s.NotStarted != notStarted || s.Cancelled != 0 || s.Total != 6 || s.OK() {
				t.Errorf("counts: %+v", s)
			}
			if notStartedEvents != notStarted || lastCount != notStarted {
				t.Errorf("%d not-started progress events counting up to %d, want %d", notStartedEvents, lastCount, notStarted)
			}
			for _, r := range s.Runs {
				if r.Status == StatusNotStarted && (r.Error != NotStartedReason || r.RunID != "" || r.ArchiveSHA256 != "") {
					t.Errorf("not-started row %+v, want the reason %q and no run", r, NotStartedReason)
				}
			}
			if got := s.Problem(); got != fmt.Sprintf("1 of 6 backfill runs failed; %d not started (fail_fast)", notStarted) {
				t.Errorf("Problem() = %q", got)
			}

			data, err := os.ReadFile(filepath.Join(f.restore, SummaryFile))
			if err != nil {
				t.Fatal(err)
			}
			var onDisk struct {
				Failed, Succeeded int
				NotStarted        int `json:"not_started"`
				Runs              []RunResult
			}
			if err := json.Unmarshal(data, &onDisk); err != nil {
				t.Fatal(err)
			}
			if onDisk.NotStarted != notStarted || onDisk.Failed != 1 || onDisk.Runs[5].Status != StatusNotStarted || onDisk.Runs[5].Error != NotStartedReason {
				t.Errorf("summary file: %s", data)
			}
			var table bytes.Buffer
			if err := s.WriteTable(&table); err != nil {
				t.Fatal(err)
			}
			counts := fmt.Sprintf("6 runs: %d succeeded, 1 failed, 0 skipped, 0 missing, %d not started ·", len(tc.started)-1, notStarted)
			rows := 0
			for _, line := range strings.Split(table.String(), "\n") {
				if strings.Contains(line, " not_started ") && strings.HasSuffix(line, NotStartedReason) {
					rows++
				}
			}
			if !strings.Contains(table.String(), counts) || rows != notStarted {
				t.Errorf("table, want %q and %d rows with the reason:\n%s", counts, notStarted, table.String())
			}

			// Again, with nothing failing: what succeeded is skipped; the
			// failed run and those not started run, and nothing else.
			again := &failingPipeline{limit: 1, failed: make(chan struct{})}
			s = f.run(t, context.Background(), sel, Options{Pipeline: again, Store: storetest.Open(t)})
			var redo []string
			for i, r := range s.Runs {
				want := StatusSucceeded
				if tc.want[i] == ok {
					want = StatusSkipped
				} else {
					redo = append(redo, r.Date)
				}
				if r.Status != want {
					t.Errorf("second backfill: %s %s, want %s", r.Date, r.Status, want)
				}
			}
			slices.Sort(again.started)
			if !slices.Equal(again.started, redo) || !s.OK() {
				t.Errorf("second backfill ran %v, want %v (%s)", again.started, redo, statuses(s))
			}
		})
	}
}

// TestRunWithoutFailFast checks that without fail_fast a failure stops
// nothing.
func TestRunWithoutFailFast(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "    concurrency_limit: 1\n")
	for d := 1; d <= 4; d++ {
		f.addArchive(t, fmt.Sprintf("2024-01-%02d", d), "1", map[string]string{"orgs.csv": orgs})
	}
	p := &failingPipeline{fail: "2024-01-02", limit: 1, failed: make(chan struct{})}
	close(p.failed)
	s := f.run(t, context.Background(), Selection{Start: "2024-01-01", End: "2024-01-04", Versions: []string{"1"}}, Options{Pipeline: p})
	if got, want := statuses(s), "2024-01-01/1=succeeded 2024-01-02/1=failed 2024-01-03/1=succeeded 2024-01-04/1=succeeded"; got != want || s.NotStarted != 0 {
		t.Errorf("statuses %s, want %s", got, want)
	}
}
