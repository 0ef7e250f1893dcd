package status

import "testing"

// The values are stored in databases and run records written by earlier
// versions: renaming one would orphan every run recorded with it.
func TestStoredValues(t *testing.T) {
	t.Parallel()
	for s, want := range map[Status]string{
		Pending: "pending", Running: "running", Succeeded: "succeeded", Failed: "failed",
		Skipped: "skipped", Cancelled: "cancelled", Crashed: "crashed", Retrying: "retrying",
	} {
		if string(s) != want {
			t.Errorf("status %q is stored as %q, want %q", want, s, want)
		}
	}
}

func TestPredicates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s               Status
		terminal, valid bool
	}{
		{Pending, false, true},
		{Running, false, true},
		{Succeeded, true, true},
		{Failed, true, true},
		{Cancelled, true, true},
		{Crashed, true, true},
		{Skipped, true, false}, // a task status, never a run's
		{Retrying, false, false},
		{"", false, false},
		{"done", false, false},
	}
	for _, tc := range tests {
		if got := tc.s.Terminal(); got != tc.terminal {
			t.Errorf("%q.Terminal() = %v, want %v", tc.s, got, tc.terminal)
		}
		if got := tc.s.Valid(); got != tc.valid {
			t.Errorf("%q.Valid() = %v, want %v", tc.s, got, tc.valid)
		}
	}
}

func TestCanBecome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to Status
		want     bool
	}{
		{Pending, Running, true},
		{Running, Succeeded, true},
		{Running, Crashed, true},
		{Failed, Running, true},     // resumed under its own id
		{Crashed, Pending, true},    // queued again
		{Succeeded, Running, false}, // a succeeded run is final
		{Running, Pending, false},
		{Running, Skipped, false},
		{Skipped, Running, false},
		{"bogus", Running, false},
	}
	for _, tc := range tests {
		if got := tc.from.CanBecome(tc.to); got != tc.want {
			t.Errorf("%q.CanBecome(%q) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}
