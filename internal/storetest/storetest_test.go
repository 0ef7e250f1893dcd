package storetest_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/storetest"
)

// Each Open is a store of its own; OpenAt reopens what an earlier handle
// wrote, as a command reading the store a run left behind does.
func TestOpenIsolatesAndOpenAtReopens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := storetest.Open(t), storetest.Open(t)
	if _, err := a.CreateRun(ctx, store.Run{ID: "r1", Pipeline: "p"}); err != nil {
		t.Fatal(err)
	}
	if runs, err := b.ListRuns(ctx, store.RunFilter{}); err != nil || len(runs) != 0 {
		t.Errorf("a second store holds %d runs (%v), want none", len(runs), err)
	}

	path := filepath.Join(t.TempDir(), "state", storetest.File)
	if _, err := storetest.OpenAt(t, path).CreateRun(ctx, store.Run{ID: "r2", Pipeline: "p"}); err != nil {
		t.Fatal(err)
	}
	got, err := storetest.OpenAt(t, path).GetRun(ctx, "r2")
	if err != nil || got.Pipeline != "p" {
		t.Errorf("reopened store: run %+v, %v", got, err)
	}
}

// A path SQLite cannot use ends the test instead of returning a nil store.
func TestOpenAtFailsTheTest(t *testing.T) {
	t.Parallel()
	ft := &fatalT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		storetest.OpenAt(ft, filepath.Join(t.TempDir(), "a?b.db"))
	}()
	<-done
	if !ft.failed {
		t.Error("OpenAt with an unusable path did not fail the test")
	}
}

// fatalT records a Fatalf and stops the goroutine, as testing.T does.
type fatalT struct {
	testing.TB
	failed bool
}

func (f *fatalT) Fatalf(format string, args ...any) {
	f.failed = true
	runtime.Goexit()
}
