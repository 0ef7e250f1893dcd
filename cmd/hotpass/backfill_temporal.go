package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/backfill"
	"github.com/hotpass/hotpass/internal/runner"
	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

// backfillOnTemporal is `hotpass backfill --engine temporal`: the jobs are
// planned here, then one backfill workflow runs each (date, version) as a
// child run on the cluster's workers, which must see the archive, restore
// and spec paths at the same place (a shared mount). Missing archives and
// runs that already succeeded for the same archive are settled here and
// never submitted.
func backfillOnTemporal(ctx context.Context, stdout io.Writer, g *globals, cfg *backfill.Config, jobs []backfill.Job, o *backfillOptions) error {
	specArg := cfg.Pipeline.Spec
	if specArg == "" {
		specArg = runner.ProfilePrefix + cfg.Pipeline.Profile
	}
	src, path, dir, err := specBytes(specArg)
	if err != nil {
		return err
	}
	l, err := newLoader()
	if err != nil {
		return err
	}
	local, err := hotpass.New(hotpass.WithLoader(l), hotpass.WithStateDir(g.stateDir))
	if err != nil {
		return err
	}
	if err := (&backfill.RunnerPipeline{Runner: local}).Check(ctx, cfg.Pipeline); err != nil {
		return fmt.Errorf("%s.pipeline: %w", backfill.BlockPath, err)
	}
	plan, err := backfill.Inspect(cfg, jobs)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := o.temporal.conn.Dial(ctx, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	parent, err := startBackfillRun(ctx, st, o.config)
	if err != nil {
		return err
	}
	sum := &backfill.Summary{StartedAt: time.Now().UTC(), Runs: make([]backfill.RunResult, len(plan))}
	in := hptemporal.BackfillInput{
		ID: parent, Limit: cfg.ConcurrencyLimit, Limits: cfg.Limits, Done: map[string]string{}, FailFast: cfg.FailFast,
		Run: hptemporal.RunInput{SpecPath: path, SpecDir: dir, Source: src, SourceHash: hptemporal.SourceHash(src),
			ParamsJSON: cfg.Parameters, TaskQueue: o.temporal.taskQueue},
	}
	if cfg.ConcurrencyLimit > 0 {
		in.Key = cfg.ConcurrencyKey
	}
	submitted := map[string]int{}
	for i, p := range plan {
		sum.Runs[i] = backfill.Row(p.Job)
		switch p.Action(o.force) {
		case backfill.ActionMissing:
			cfg.MarkMissing(&sum.Runs[i])
			continue
		case backfill.ActionSkip:
			sum.Runs[i].Status = backfill.StatusSkipped
			continue
		}
		// The child's run id names the backfill, so a later backfill of
		// the same date is a run of its own in the history.
		j := hptemporal.BackfillJob{Date: p.DateString(), Version: p.Version, Archive: p.Archive, RestoreDir: p.RestoreDir,
			OutputPath: p.OutputPath, RunID: parent + "-" + p.DateString() + "-" + backfill.SafeVersion(p.Version)}
		submitted[j.Key()] = i
		in.Jobs = append(in.Jobs, j)
	}
	res, runErr := hptemporal.RunBackfill(ctx, c, o.temporal.taskQueue, in)
	for _, r := range res.Runs {
		i, ok := submitted[r.Key]
		if !ok {
			continue
		}
		row := &sum.Runs[i]
		row.Status, row.Error, row.RunID, row.Records, row.ArchiveSHA256 = r.Status, r.Error, r.RunID, r.Records, r.ArchiveSHA256
		if !r.EndedAt.IsZero() {
			row.Duration = r.EndedAt.Sub(r.StartedAt)
		}
	}
	if runErr != nil && !errors.Is(runErr, engine.ErrRunCancelled) {
		finishBackfillRun(ctx, st, parent, nil, runErr)
		return runErr
	}
	err = backfill.Finish(cfg, sum)
	finishBackfillRun(ctx, st, parent, sum, err)
	return backfillOutcome(ctx, stdout, cfg, sum, err)
}
