package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
)

// DefaultPoll is how often a worker looks for queued runs when nothing
// wakes it (runs queued by another process).
const DefaultPoll = time.Second

// Worker runs queued runs (pending runs of deployments, see runner.Enqueue).
// Several workers may share a store; runner.Claim makes sure each run is
// started once.
type Worker struct {
	// Store holds the queue: pending runs, their deployments, the claims.
	Store store.Store
	// Runner runs the claimed runs, with what every run shares (store,
	// state directory, slots, logs, cancel grace); each run's spec, params
	// and date come from the queued run.
	Runner *hotpass.Runner
	// Concurrency is how many runs go at once; 0 means 4.
	Concurrency int
	// Holder names this worker in claims; empty means runner.Holder("worker").
	Holder string
	// Poll overrides DefaultPoll when > 0.
	Poll time.Duration
	// Logger receives what the worker does; nil discards it.
	Logger *slog.Logger
	// Finished is called after each run, with its record (nil when it
	// never started) and error.
	Finished func(runID string, rec *engine.RunRecord, err error)

	wakeOnce sync.Once
	wakeCh   chan struct{}
	cancels  sync.Map // run id -> context.CancelFunc of the runs in flight
}

// Cancel cancels run id if this worker is running it, and reports whether
// it was. The run ends cancelled as if its process had been interrupted.
func (w *Worker) Cancel(id string) bool {
	c, ok := w.cancels.Load(id)
	if ok {
		c.(context.CancelFunc)()
	}
	return ok
}

// Wake makes the worker look for queued runs now.
func (w *Worker) Wake() {
	select {
	case w.wake() <- struct{}{}:
	default:
	}
}

func (w *Worker) wake() chan struct{} {
	w.wakeOnce.Do(func() { w.wakeCh = make(chan struct{}, 1) })
	return w.wakeCh
}

// Run picks up queued runs until stop is done, then waits for the runs in
// flight. Runs get runCtx: cancel it to cancel them (serve does so when the
// grace period after a stop signal ends).
func (w *Worker) Run(stop, runCtx context.Context) {
	conc := w.Concurrency
	if conc <= 0 {
		conc = 4
	}
	holder := w.Holder
	if holder == "" {
		holder = runner.Holder("worker")
	}
	poll := w.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	ended := make(chan string, conc)
	inFlight := map[string]string{} // run id -> deployment
	for {
		w.startDue(stop, runCtx, holder, conc, inFlight, ended, &wg)
		select {
		case <-stop.Done():
			return
		case id := <-ended:
			delete(inFlight, id)
		case <-w.wake():
		case <-ticker.C:
		}
		// Collect every run that ended meanwhile before listing again.
		for drained := false; !drained; {
			select {
			case id := <-ended:
				delete(inFlight, id)
			default:
				drained = true
			}
		}
	}
}

// startDue starts queued runs, oldest first, while fewer than conc run.
// A run of a deployment with overlap: queue waits while another run of
// that deployment is running.
func (w *Worker) startDue(stop, runCtx context.Context, holder string, conc int, inFlight map[string]string, ended chan<- string, wg *sync.WaitGroup) {
	if len(inFlight) >= conc || stop.Err() != nil {
		return
	}
	st := w.Store
	queued, err := st.ListRuns(stop, store.RunFilter{Status: store.RunPending})
	if err != nil {
		w.log().Warn("list queued runs", "error", err)
		return
	}
	slices.Reverse(queued) // oldest first
	overlap := map[string]store.OverlapPolicy{}
	busy := map[string]bool{}
	for _, dep := range inFlight {
		busy[dep] = true
	}
	for _, r := range queued {
		if len(inFlight) >= conc || stop.Err() != nil {
			return
		}
		if r.Deployment == "" && r.SpecPath == "" {
			continue // nothing says how to run it
		}
		if _, ok := inFlight[r.ID]; ok {
			continue
		}
		// A run queued without a deployment (a direct run queued again)
		// has no overlap policy: it starts like a run of `hotpass run`.
		pol, ok := overlap[r.Deployment]
		if !ok && r.Deployment == "" {
			pol = store.OverlapAllow
		} else if !ok {
			pol = store.OverlapSkip
			if d, err := st.GetDeployment(stop, r.Deployment); err == nil {
				pol = d.Overlap
			}
			overlap[r.Deployment] = pol
		}
		if pol == store.OverlapQueue {
			if busy[r.Deployment] {
				continue
			}
			running, err := st.ListRuns(stop, store.RunFilter{Deployment: r.Deployment, Status: store.RunRunning, Limit: 1})
			if err != nil || len(running) > 0 {
				busy[r.Deployment] = true
				continue
			}
		}
		run, release, ok, err := runner.Claim(stop, st, r.ID, holder)
		if err != nil {
			w.log().Warn("claim queued run", "run_id", r.ID, "error", err)
			continue
		}
		if !ok {
			continue
		}
		busy[r.Deployment] = true
		inFlight[r.ID] = r.Deployment
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { ended <- run.ID }()
			defer release()
			ctx, cancel := context.WithCancel(runCtx)
			defer cancel()
			w.cancels.Store(run.ID, cancel)
			defer w.cancels.Delete(run.ID)
			w.execute(ctx, run)
		}()
	}
}

// execute runs one claimed run.
func (w *Worker) execute(ctx context.Context, r store.Run) {
	q := runner.Queued(ctx, w.Store, r)
	src := hotpass.File(q.Source.Path)
	if q.Source.Profile != "" {
		src = hotpass.Profile(q.Source.Profile)
	}
	w.log().Info("run starting", "run_id", r.ID, "deployment", r.Deployment)
	opts := []hotpass.RunOption{hotpass.Queued(r.ID), hotpass.Deployment(r.Deployment), hotpass.Params(q.Params), hotpass.Date(q.Date)}
	if r.ResumeFrom != "" {
		opts = append(opts, hotpass.ResumeFrom(r.ResumeFrom))
	}
	res, err := w.Runner.Run(ctx, src, opts...)
	var rec *engine.RunRecord
	if res != nil {
		rec = res.Record
	}
	switch {
	case err == nil:
		w.log().Info("run succeeded", "run_id", r.ID, "deployment", r.Deployment)
	case errors.Is(err, engine.ErrRunFailed), errors.Is(err, engine.ErrRunCancelled):
		w.log().Warn("run did not succeed", "run_id", r.ID, "deployment", r.Deployment, "error", err)
	default:
		w.log().Error("run could not start", "run_id", r.ID, "deployment", r.Deployment, "error", err)
	}
	if w.Finished != nil {
		w.Finished(r.ID, rec, err)
	}
}

func (w *Worker) log() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.New(slog.DiscardHandler)
}
