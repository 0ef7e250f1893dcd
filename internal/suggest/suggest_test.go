package suggest

import "testing"

func TestClosest(t *testing.T) {
	t.Parallel()
	known := []string{"retries", "retry_delay", "timeout", "needs", "type", "with", "concurrency_key"}
	tests := []struct {
		name, want string
	}{
		{"retires", "retries"},   // transposition
		{"retrys", "retries"},    // two edits on a long name
		{"timout", "timeout"},    // deletion
		{"Needs", "needs"},       // case only
		{"wiht", "with"},         // transposition on a short name
		{"tpye", "type"},         // transposition
		{"xyz", ""},              // nothing close
		{"concurrency", ""},      // a prefix is not a typo
		{"retries", ""},          // exact match is not a suggestion
		{"neds", "needs"},        // a length difference of one on a short name
		{"ned", ""},              // two edits on a short name
		{"timeoutxx", "timeout"}, // a length difference of two on a long name
		{"timeoutxxx", ""},       // three
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Closest(tt.name, known); got != tt.want {
				t.Errorf("Closest(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}
