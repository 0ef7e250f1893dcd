// Package retry computes the waits between attempts of something that may
// fail for a while (a task, a request to a server, a poll for a free slot)
// and sleeps them, so that every retry loop in the project backs off the
// same way: exponentially from a base, up to a cap, spread by jitter so that
// many clients failing together do not retry in step, and waiting at least
// (or exactly) as long as a server's Retry-After asks.
//
// The loops themselves stay with their callers, which differ in what they
// retry, what they log and when they give up; this package owns the
// arithmetic and the sleeping, and takes a random source and a sleeper that
// tests replace.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Jitter says how a nominal wait is spread at random.
type Jitter int

const (
	// NoJitter waits exactly the nominal time.
	NoJitter Jitter = iota
	// Spread waits between half and one and a half times the nominal wait,
	// [d/2, 3d/2): ±50 %, the nominal wait on average.
	Spread
	// UpperHalf waits between half of and the whole nominal wait,
	// [d/2, d]: never longer than nominal, never less than half of it.
	UpperHalf
)

// Backoff is an exponential backoff. The zero value waits nothing.
type Backoff struct {
	// Base is the wait before the first retry.
	Base time.Duration
	// Cap bounds the nominal wait; 0 means no bound.
	Cap time.Duration
	// Factor is how much longer each wait is than the one before; 0 means
	// 2 (doubling).
	Factor float64
	// Jitter spreads each wait.
	Jitter Jitter
	// Rand returns a uniformly random int64 in [0, n) for n > 0; nil means
	// math/rand/v2.Int64N. Tests pin it to make Delay deterministic.
	Rand func(n int64) int64
}

// Nominal returns the wait before retry number n (1 for the first retry)
// before jitter: Base grown by Factor n-1 times, at most Cap.
func (b Backoff) Nominal(n int) time.Duration {
	f := b.Factor
	if f == 0 {
		f = 2
	}
	d := b.Base
	for k := 1; k < n && (b.Cap <= 0 || d < b.Cap) && d > 0; k++ {
		next := time.Duration(float64(d) * f)
		if next <= d { // no growth (Factor <= 1) or overflow
			break
		}
		d = next
	}
	if b.Cap > 0 {
		d = min(d, b.Cap)
	}
	return max(d, 0)
}

// Delay returns the wait before retry number n: Nominal(n) spread by
// Jitter.
func (b Backoff) Delay(n int) time.Duration {
	d := b.Nominal(n)
	if d <= 0 {
		return 0
	}
	switch b.Jitter {
	case Spread:
		return d/2 + time.Duration(b.rand(int64(d)))
	case UpperHalf:
		half := d / 2
		return half + time.Duration(b.rand(int64(half)+1))
	}
	return d
}

func (b Backoff) rand(n int64) int64 {
	if b.Rand != nil {
		return b.Rand(n)
	}
	return rand.Int64N(n)
}

// ServerWait says how a wait a server asked for (an HTTP Retry-After, read
// with package retryafter) combines with the backoff.
type ServerWait int

const (
	// AtLeast waits the longer of the backoff and the server's wait.
	AtLeast ServerWait = iota
	// Replace waits exactly what the server asked for when it asked;
	// the backoff applies only when it did not.
	Replace
)

// Policy is a backoff together with how it honours a server's wait.
type Policy struct {
	Backoff
	// ServerWait combines a server's asked-for wait with the backoff.
	ServerWait ServerWait
}

// Wait returns the wait before retry number n, given that the server asked
// for asked (0 when it did not say).
func (p Policy) Wait(n int, asked time.Duration) time.Duration {
	if asked > 0 && p.ServerWait == Replace {
		return asked
	}
	return max(p.Delay(n), asked)
}

// Sleeper waits d, or less when ctx ends first, and then returns ctx's
// error. Sleep is the real one; tests substitute their own to record the
// waits instead of sleeping them.
type Sleeper func(ctx context.Context, d time.Duration) error

// Sleep waits d or until ctx is done, whichever comes first, and returns
// ctx.Err() in the second case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
