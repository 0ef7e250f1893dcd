package engine

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base    time.Duration
		attempt int
		nominal time.Duration
	}{
		{100 * time.Millisecond, 1, 100 * time.Millisecond},
		{100 * time.Millisecond, 2, 200 * time.Millisecond},
		{100 * time.Millisecond, 4, 800 * time.Millisecond},
		{0, 1, DefaultRetryDelay},
		{0, 3, 4 * DefaultRetryDelay},
		{time.Minute, 30, maxRetryDelay},
	}
	for _, tc := range tests {
		for range 50 {
			got := backoff(tc.base, tc.attempt)
			lo, hi := tc.nominal/2, tc.nominal*3/2
			if got < lo || got >= hi {
				t.Fatalf("backoff(%v, %d) = %v, want in [%v, %v)", tc.base, tc.attempt, got, lo, hi)
			}
		}
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		5 * time.Second:         "5s",
		10 * time.Minute:        "10m",
		time.Hour:               "1h",
		90 * time.Minute:        "1h30m",
		1500 * time.Millisecond: "1.5s",
		20 * time.Millisecond:   "20ms",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
