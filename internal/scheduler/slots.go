package scheduler

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
)

// StoreSlots is an engine.Slots backed by the store's slot leases, so that
// tasks of every run in every process sharing the store respect one limit
// per concurrency key, and at most Global tasks run at once (0: no global
// limit).
type StoreSlots struct {
	Store  store.LeaseStore
	Holder string
	Global int
	Logger *slog.Logger
}

var _ engine.Slots = (*StoreSlots)(nil)

// Acquire takes a slot of key (engine.GlobalSlot for the global pool),
// polling with backoff while all are taken, and keeps it renewed until
// release is called.
func (s *StoreSlots) Acquire(ctx context.Context, key string, limit int) (func(), error) {
	name := "key:" + key
	if key == engine.GlobalSlot {
		if s.Global <= 0 {
			return func() {}, nil
		}
		name, limit = "global", s.Global
	}
	release, err := store.HoldSlot(ctx, s.Store, name, limit, s.Holder, s.log())
	if err != nil && ctx.Err() == nil {
		return nil, fmt.Errorf("slot %s: %w", name, err)
	}
	return release, err
}

func (s *StoreSlots) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}
