package backfill

import "testing"

func TestPlannedAction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		exists, done, force bool
		want                Action
	}{
		{exists: false, want: ActionMissing},
		{exists: false, done: true, want: ActionMissing},
		{exists: true, want: ActionRun},
		{exists: true, done: true, want: ActionSkip},
		{exists: true, done: true, force: true, want: ActionRun},
	}
	for _, tt := range tests {
		p := Planned{Exists: tt.exists, Done: tt.done}
		if got := p.Action(tt.force); got != tt.want {
			t.Errorf("exists=%v done=%v force=%v: Action = %q, want %q", tt.exists, tt.done, tt.force, got, tt.want)
		}
	}
}
