package backfill

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/hotpass/hotpass/engine/store"
)

// slots limits how many runs go at once across every process sharing the
// store, by holding one slot lease of key per run. When the store fails it
// falls back, once and with a warning, to the in-process limit that the
// worker pool already enforces.
type slots struct {
	st     store.LeaseStore
	key    string
	limit  int
	holder string
	log    *slog.Logger

	mu       sync.Mutex
	fallback bool
}

func newSlots(st store.LeaseStore, key string, limit int, log *slog.Logger) *slots {
	host, _ := os.Hostname()
	return &slots{st: st, key: key, limit: limit, holder: fmt.Sprintf("backfill@%s:%d", host, os.Getpid()), log: log}
}

// acquire blocks until a slot is held (or the store fails) and returns the
// function that gives it back.
func (s *slots) acquire(ctx context.Context) (func(), error) {
	if s == nil || s.usingFallback() {
		return func() {}, nil
	}
	release, err := store.HoldSlot(ctx, s.st, s.key, s.limit, s.holder, s.log)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.fallBack(err)
		return func() {}, nil
	}
	return release, nil
}

func (s *slots) usingFallback() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fallback
}

func (s *slots) fallBack(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.fallback {
		s.fallback = true
		s.log.Warn("cannot take concurrency slots from the state store; limiting runs in this process only",
			"key", s.key, "limit", s.limit, "error", err)
	}
}
