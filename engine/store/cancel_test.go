package store

import (
	"context"
	"testing"
	"time"
)

func TestRequestCancel(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b)
		mustCreate(t, s, Run{ID: "queued", Pipeline: "p"})
		mustCreate(t, s, Run{ID: "busy", Pipeline: "p", Status: RunRunning, StartedAt: t0})
		mustCreate(t, s, Run{ID: "done", Pipeline: "p", Status: RunSucceeded})

		// A pending run has no process to ask: it is cancelled at once.
		r, err := s.RequestCancel(ctx, "queued")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != RunCancelled || mustGet(t, s, "queued").Status != RunCancelled {
			t.Errorf("pending run after cancel: returned %s, stored %s; want cancelled", r.Status, mustGet(t, s, "queued").Status)
		}
		if got := mustGet(t, s, "queued").Error; got != CancelledByRequest {
			t.Errorf("error of cancelled pending run = %q, want %q", got, CancelledByRequest)
		}

		// A running run is asked; it stays running until its process stops.
		if ok, err := s.CancelRequested(ctx, "busy"); err != nil || ok {
			t.Fatalf("CancelRequested before any request = %v, %v; want false", ok, err)
		}
		r, err = s.RequestCancel(ctx, "busy")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != RunRunning {
			t.Errorf("running run after cancel request: %s, want still running", r.Status)
		}
		if ok, err := s.CancelRequested(ctx, "busy"); err != nil || !ok {
			t.Fatalf("CancelRequested after request = %v, %v; want true", ok, err)
		}
		// Asking twice is fine.
		if _, err := s.RequestCancel(ctx, "busy"); err != nil {
			t.Fatalf("second request: %v", err)
		}

		// The run stops as cancelled; resumed later, the old request no
		// longer applies.
		if _, err := s.UpdateRun(ctx, "busy", RunUpdate{Status: RunCancelled}); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.CancelRequested(ctx, "busy"); err != nil || ok {
			t.Errorf("CancelRequested of a cancelled run = %v, %v; want false", ok, err)
		}
		if _, err := s.UpdateRun(ctx, "busy", RunUpdate{Status: RunRunning, StartedAt: time.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.CancelRequested(ctx, "busy"); err != nil || ok {
			t.Errorf("CancelRequested of a resumed run = %v, %v; want false (the request predates it)", ok, err)
		}

		_, err = s.RequestCancel(ctx, "done")
		wantErr(t, err, ErrInvalidTransition, "done", "succeeded")
		_, err = s.RequestCancel(ctx, "nope")
		wantErr(t, err, ErrNotFound, "nope")

		// Pruning a run drops its request with it.
		if _, err := s.UpdateRun(ctx, "busy", RunUpdate{Status: RunFailed}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PruneRuns(ctx, time.Now().Add(time.Hour)); err != nil {
			t.Fatalf("prune with a cancel request present: %v", err)
		}
	})
}

func TestStartedByIsChecked(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := newStore(t, b)
		_, err := s.CreateRun(context.Background(), Run{ID: "r", Pipeline: "p", StartedBy: "cron"})
		wantErr(t, err, ErrInvalid, `started by "cron"`, "schedule")
		mustCreate(t, s, Run{ID: "ok", Pipeline: "p", StartedBy: StartedUI, ResumeFrom: "earlier"})
		if got := mustGet(t, s, "ok"); got.StartedBy != StartedUI || got.ResumeFrom != "earlier" {
			t.Errorf("read back as started by %q, resuming %q; want %q, %q", got.StartedBy, got.ResumeFrom, StartedUI, "earlier")
		}
	})
}
