package store

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/hotpass/hotpass/internal/retry"
)

const (
	// SlotTTL is how long a held slot stays taken if its holder dies
	// without releasing it; HoldSlot renews at a third of it.
	SlotTTL = 30 * time.Second
	// slotPollMin and slotPollMax bound the wait between two attempts to
	// take a full slot.
	slotPollMin = 20 * time.Millisecond
	slotPollMax = 500 * time.Millisecond
)

// HoldSlot takes a slot lease of key (at most limit holders across every
// process sharing st), polling with backoff while all are taken, and keeps
// it renewed until the returned release function is called. A store error
// is returned as is: callers decide whether to fall back to a local limit.
// log receives warnings about lost or unreleased leases; nil discards them.
func HoldSlot(ctx context.Context, st LeaseStore, key string, limit int, holder string, log *slog.Logger) (release func(), err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if limit < 1 {
		limit = 1
	}
	poll := retry.Backoff{Base: slotPollMin, Cap: slotPollMax}
	for tries := 1; ; tries++ {
		l, ok, err := st.AcquireSlot(ctx, key, limit, holder, SlotTTL)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		if ok {
			return keepLease(st, l, log), nil
		}
		if err := retry.Sleep(ctx, poll.Delay(tries)); err != nil {
			return nil, err
		}
	}
}

// keepLease renews l until the returned function is called, which releases
// it. A lease lost to expiry (a stalled holder) is reported, not retaken:
// the limit may be exceeded until its holder finishes.
func keepLease(st LeaseStore, l Lease, log *slog.Logger) func() {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(SlotTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				nl, err := st.RenewLease(context.Background(), l, SlotTTL)
				switch {
				case errors.Is(err, ErrLeaseLost):
					log.Warn("concurrency slot lease lost; the limit may be exceeded until this holder finishes", "key", l.Key, "error", err)
					return
				case err != nil:
					log.Warn("cannot renew concurrency slot lease; will retry", "key", l.Key, "error", err)
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
			if err := st.ReleaseLease(ctx, l); err != nil {
				log.Warn("concurrency slot lease not released; it expires on its own", "key", l.Key, "error", err)
			}
		})
	}
}
