package backfill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/hotpass/hotpass/engine/store"
)

const (
	// leaseTTL is how long a slot stays taken if its holder dies without
	// releasing it; holders renew at a third of it.
	leaseTTL = 30 * time.Second
	// pollMin and pollMax bound the wait between two tries for a full slot.
	pollMin = 25 * time.Millisecond
	pollMax = time.Second
)

// slots limits how many runs go at once across every process sharing the
// store, by holding one slot lease of key per run. When the store fails it
// falls back, once and with a warning, to the in-process limit that the
// worker pool already enforces.
type slots struct {
	st     store.Store
	key    string
	limit  int
	holder string
	log    *slog.Logger

	mu       sync.Mutex
	fallback bool
}

func newSlots(st store.Store, key string, limit int, log *slog.Logger) *slots {
	host, _ := os.Hostname()
	return &slots{st: st, key: key, limit: limit, holder: fmt.Sprintf("backfill@%s:%d", host, os.Getpid()), log: log}
}

// acquire blocks until a slot is held (or the store fails) and returns the
// function that gives it back.
func (s *slots) acquire(ctx context.Context) (func(), error) {
	if s == nil || s.usingFallback() {
		return func() {}, nil
	}
	wait := pollMin
	for {
		l, ok, err := s.st.AcquireSlot(ctx, s.key, s.limit, s.holder, leaseTTL)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.fallBack(err)
			return func() {}, nil
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
		wait = min(2*wait, pollMax)
	}
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

// keep renews l until the returned function is called, which releases it.
func (s *slots) keep(l store.Lease) func() {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				nl, err := s.st.RenewLease(context.Background(), l, leaseTTL)
				switch {
				case errors.Is(err, store.ErrLeaseLost):
					s.log.Warn("concurrency slot lease lost; the limit may be exceeded until this run ends", "key", s.key, "error", err)
					return
				case err != nil:
					s.log.Warn("cannot renew concurrency slot lease; will retry", "key", s.key, "error", err)
				default:
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
			if err := s.st.ReleaseLease(ctx, l); err != nil {
				s.log.Warn("concurrency slot lease not released; it expires on its own", "key", s.key, "error", err)
			}
		})
	}
}
