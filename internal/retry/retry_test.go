package retry

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

const ms = time.Millisecond

// pinned returns a random source that always answers the same fraction of
// its range: 0 for the lowest value, 1 for the highest.
func pinned(frac float64) func(int64) int64 {
	return func(n int64) int64 {
		v := int64(frac * float64(n))
		return min(v, n-1)
	}
}

func TestNominal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    Backoff
		want []time.Duration // for retries 1, 2, 3, ...
	}{
		{"doubling", Backoff{Base: 100 * ms}, []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms}},
		{"capped", Backoff{Base: 20 * ms, Cap: 500 * ms}, []time.Duration{20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 500 * ms, 500 * ms}},
		{"base above cap", Backoff{Base: time.Hour, Cap: 10 * time.Minute}, []time.Duration{10 * time.Minute, 10 * time.Minute}},
		{"factor 1.5", Backoff{Base: 10 * ms, Cap: 50 * ms, Factor: 1.5}, []time.Duration{10 * ms, 15 * ms, 22500 * time.Microsecond, 33750 * time.Microsecond, 50 * ms}},
		{"factor 1 stays", Backoff{Base: 7 * ms, Factor: 1}, []time.Duration{7 * ms, 7 * ms, 7 * ms}},
		{"zero", Backoff{}, []time.Duration{0, 0}},
	}
	for _, tc := range tests {
		for i, want := range tc.want {
			if got := tc.b.Nominal(i + 1); got != want {
				t.Errorf("%s: Nominal(%d) = %v, want %v", tc.name, i+1, got, want)
			}
		}
	}
}

// A huge retry count neither overflows nor passes the cap.
func TestNominalNoOverflow(t *testing.T) {
	t.Parallel()
	if got := (Backoff{Base: time.Second}).Nominal(1000); got <= 0 {
		t.Errorf("uncapped Nominal(1000) = %v, want positive", got)
	}
	if got := (Backoff{Base: time.Second, Cap: time.Minute}).Nominal(1000); got != time.Minute {
		t.Errorf("capped Nominal(1000) = %v, want 1m", got)
	}
}

func TestDelayJitter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		jitter Jitter
		frac   float64
		want   time.Duration // for a nominal 100ms
	}{
		{NoJitter, 0, 100 * ms},
		{NoJitter, 1, 100 * ms},
		{Spread, 0, 50 * ms},
		{Spread, 0.5, 100 * ms},
		{Spread, 1, 150*ms - 1},
		{UpperHalf, 0, 50 * ms},
		{UpperHalf, 1, 100 * ms},
	}
	for _, tc := range tests {
		b := Backoff{Base: 100 * ms, Jitter: tc.jitter, Rand: pinned(tc.frac)}
		if got := b.Delay(1); got != tc.want {
			t.Errorf("jitter %d at %.1f: Delay = %v, want %v", tc.jitter, tc.frac, got, tc.want)
		}
	}
}

// With the real random source every delay stays within its jitter's range.
func TestDelayRange(t *testing.T) {
	t.Parallel()
	for _, j := range []Jitter{NoJitter, Spread, UpperHalf} {
		b := Backoff{Base: 100 * ms, Cap: time.Second, Jitter: j}
		for n := 1; n <= 6; n++ {
			d := b.Nominal(n)
			lo, hi := d, d // inclusive bounds
			switch j {
			case Spread:
				lo, hi = d/2, d*3/2-1
			case UpperHalf:
				lo = d / 2
			}
			for range 100 {
				if got := b.Delay(n); got < lo || got > hi {
					t.Fatalf("jitter %d: Delay(%d) = %v, want in [%v, %v]", j, n, got, lo, hi)
				}
			}
		}
	}
}

func TestPolicyWait(t *testing.T) {
	t.Parallel()
	b := Backoff{Base: 100 * ms, Rand: pinned(0)} // no jitter in effect
	tests := []struct {
		mode  ServerWait
		asked time.Duration
		want  time.Duration
	}{
		{AtLeast, 0, 100 * ms},
		{AtLeast, 7 * time.Second, 7 * time.Second},
		{AtLeast, 10 * ms, 100 * ms}, // the backoff is longer
		{Replace, 0, 100 * ms},
		{Replace, 7 * time.Second, 7 * time.Second},
		{Replace, 10 * ms, 10 * ms}, // the server knows best
	}
	for _, tc := range tests {
		p := Policy{Backoff: b, ServerWait: tc.mode}
		if got := p.Wait(1, tc.asked); got != tc.want {
			t.Errorf("mode %d, asked %v: Wait = %v, want %v", tc.mode, tc.asked, got, tc.want)
		}
	}
}

// A retry loop written with a Backoff and a Sleeper waits what the backoff
// says; a fake sleeper records the waits instead of sleeping them.
func TestLoopWithFakeSleeper(t *testing.T) {
	t.Parallel()
	var waits []time.Duration
	var sleep Sleeper = func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}
	b := Backoff{Base: 10 * ms, Cap: 30 * ms}
	fails := 4
	for try := 1; ; try++ {
		if try > fails {
			break
		}
		if err := sleep(context.Background(), b.Delay(try)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := fmt.Sprint(waits), fmt.Sprint([]time.Duration{10 * ms, 20 * ms, 30 * ms, 30 * ms}); got != want {
		t.Errorf("waits = %s, want %s", got, want)
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	if err := Sleep(context.Background(), 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
	if err := Sleep(context.Background(), time.Microsecond); err != nil {
		t.Errorf("Sleep(1µs) = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep on a cancelled context = %v, want context.Canceled", err)
	}
	if err := Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(0) on a cancelled context = %v, want context.Canceled", err)
	}
}

func ExampleBackoff() {
	b := Backoff{Base: 250 * time.Millisecond, Cap: time.Second, Factor: 1.5}
	for n := 1; n <= 5; n++ {
		fmt.Println(b.Nominal(n))
	}
	// Output:
	// 250ms
	// 375ms
	// 562.5ms
	// 843.75ms
	// 1s
}
