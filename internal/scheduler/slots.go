package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
)

const (
	// leaseTTL is how long a slot stays taken if its holder dies without
	// releasing it; holders renew at a third of it.
	leaseTTL = 30 * time.Second
	// slotPollMin and slotPollMax bound the wait between two attempts to
	// take a full slot.
	slotPollMin = 20 * time.Millisecond
	slotPollMax = 500 * time.Millisecond
)

// StoreSlots is an engine.Slots backed by the store's slot leases, so that
// tasks of every run in every process sharing the store respect one limit
// per concurrency key, and at most Global tasks run at once (0: no global
// limit).
type StoreSlots struct {
	Store  store.Store
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
	if limit < 1 {
		limit = 1
	}
	wait := slotPollMin
	for {
		l, ok, err := s.Store.AcquireSlot(ctx, name, limit, s.Holder, leaseTTL)
		if err != nil {
			return nil, fmt.Errorf("slot %s: %w", name, err)
		}
		if ok {
			return s.keep(l), nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, slotPollMax)
	}
}

// keep renews l until the returned release function is called, which
// gives the slot back.
func (s *StoreSlots) keep(l store.Lease) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				nl, err := s.Store.RenewLease(context.Background(), l, leaseTTL)
				if errors.Is(err, store.ErrLeaseLost) {
					s.log().Warn("slot lease lost; the limit may be exceeded until the task ends", "key", l.Key, "error", err)
					return
				}
				if err == nil {
					l = nl
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Store.ReleaseLease(ctx, l); err != nil {
				s.log().Warn("slot lease not released; it expires on its own", "key", l.Key, "error", err)
			}
		})
	}
}

func (s *StoreSlots) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}
