package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
)

const (
	// MisfireGrace is how late a fire may still start when a deployment
	// has no catch-up window: it absorbs the scheduler's tick and short
	// pauses (a restart) without starting runs that are really overdue.
	MisfireGrace = time.Minute
	// maxFiresPerTick bounds the fires one deployment queues in one tick,
	// so that a frequent schedule with a long catch-up window cannot
	// flood the queue at once; the rest follow on later ticks.
	maxFiresPerTick = 100
	// skippedRun is the run id recorded for a fire dropped by the skip
	// overlap policy: the fire is claimed, but no run exists.
	skippedRun = "skipped"
)

// Scheduler queues runs of deployments when they are due. Several
// schedulers (in one process or many) may share a store: each fire is
// claimed there, so it is queued exactly once.
type Scheduler struct {
	Store  store.Store
	Loader *engine.Loader
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives what the scheduler does; nil discards it.
	Logger *slog.Logger
	// Queued is called after a run was queued, to wake a worker.
	Queued func(store.Run)
}

// Fired describes one fire the scheduler handled.
type Fired struct {
	Deployment  string
	ScheduledAt time.Time
	// RunID is empty when the fire was skipped (overlap policy skip).
	RunID string
}

// Tick queues a run for every fire due at or before now that no scheduler
// claimed yet: for each active deployment with a schedule, the fires after
// its latest claimed fire (or its creation) that are at most its catch-up
// window (at least MisfireGrace) old. Deployments on the temporal engine
// are skipped: their Temporal Schedule fires them, and a second fire here
// would run each twice. Problems with one deployment are
// logged and do not stop the others; the returned error joins them.
func (s *Scheduler) Tick(ctx context.Context) ([]Fired, error) {
	now := s.now()
	deps, err := s.Store.ListDeployments(ctx)
	if err != nil {
		return nil, fmt.Errorf("list deployments: %w", err)
	}
	var fired []Fired
	var errs []error
	for _, d := range deps {
		if d.Paused || d.Schedule == "" || d.Engine == store.EngineTemporal {
			continue
		}
		f, err := s.tickDeployment(ctx, d, now)
		fired = append(fired, f...)
		if err != nil {
			s.log().Warn("deployment not scheduled", "deployment", d.Name, "error", err)
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return fired, errors.Join(errs...)
}

func (s *Scheduler) tickDeployment(ctx context.Context, d store.Deployment, now time.Time) ([]Fired, error) {
	sched, err := ParseSchedule(d.Schedule, d.Timezone)
	if err != nil {
		return nil, fmt.Errorf("deployment %s: %w", d.Name, err)
	}
	window := max(d.Catchup, MisfireGrace)
	from := now.Add(-window)
	if d.CreatedAt.After(from) {
		// Times before the deployment existed are not missed fires.
		from = d.CreatedAt
	}
	last, ok, err := s.Store.LastFire(ctx, d.Name)
	if err != nil {
		return nil, fmt.Errorf("deployment %s: %w", d.Name, err)
	}
	if ok && !last.ScheduledAt.Before(from) {
		from = last.ScheduledAt
	}
	var fired []Fired
	for t := sched.Next(from.Add(-time.Nanosecond)); !t.IsZero() && !t.After(now) && len(fired) < maxFiresPerTick; t = sched.Next(t) {
		if ok && !t.After(last.ScheduledAt) {
			continue
		}
		f, done, err := s.fire(ctx, d, t)
		if err != nil {
			return fired, err
		}
		if done {
			fired = append(fired, f)
		}
	}
	return fired, nil
}

// fire claims one due fire and queues its run, or drops it under the skip
// policy. done is false when another scheduler claimed the fire first.
func (s *Scheduler) fire(ctx context.Context, d store.Deployment, at time.Time) (Fired, bool, error) {
	f := Fired{Deployment: d.Name, ScheduledAt: at}
	skip := false
	if d.Overlap == store.OverlapSkip || d.Overlap == "" {
		active, err := s.active(ctx, d.Name)
		if err != nil {
			return f, false, err
		}
		skip = active
	}
	runID := skippedRun
	if !skip {
		runID = engine.NewRunID(s.now())
	}
	won, err := s.Store.ClaimFire(ctx, d.Name, at, runID)
	if err != nil || !won {
		return f, false, err
	}
	if skip {
		s.log().Info("fire skipped: the previous run is still going (overlap: skip)", "deployment", d.Name, "scheduled_at", at)
		return f, true, nil
	}
	r, err := runner.Enqueue(ctx, s.Store, s.Loader, runner.QueueRequest{Deployment: d, RunID: runID, At: at, StartedBy: store.StartedSchedule})
	if err != nil {
		return f, false, err
	}
	f.RunID = r.ID
	s.log().Info("run queued", "deployment", d.Name, "scheduled_at", at, "run_id", r.ID)
	if s.Queued != nil {
		s.Queued(r)
	}
	return f, true, nil
}

// active reports whether a run of the deployment is running or queued.
func (s *Scheduler) active(ctx context.Context, name string) (bool, error) {
	for _, st := range []store.RunStatus{store.RunRunning, store.RunPending} {
		rs, err := s.Store.ListRuns(ctx, store.RunFilter{Deployment: name, Status: st, Limit: 1})
		if err != nil {
			return false, fmt.Errorf("deployment %s: %w", name, err)
		}
		if len(rs) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// Run ticks every interval until ctx is done.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		_, _ = s.Tick(ctx) // errors are logged per deployment
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Scheduler) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}
