package temporal

import (
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/hotpass/hotpass/engine/store"
)

func TestScheduleMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		overlap     store.OverlapPolicy
		catchup     time.Duration
		wantOverlap enumspb.ScheduleOverlapPolicy
		wantCatchup time.Duration
	}{
		{store.OverlapSkip, 0, enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, time.Minute},
		{"", 30 * time.Second, enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, time.Minute},
		{store.OverlapQueue, 2 * time.Hour, enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, 2 * time.Hour},
		{store.OverlapAllow, 24 * time.Hour, enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, 24 * time.Hour},
	}
	for _, tt := range tests {
		d := store.Deployment{Name: "nightly", SpecPath: "p.yaml", Schedule: "0 2 * * *", Overlap: tt.overlap, Catchup: tt.catchup}
		s, err := schedule(d, "hotpass", nil)
		if err != nil {
			t.Fatalf("%q: %v", tt.overlap, err)
		}
		if s.Policy.Overlap != tt.wantOverlap || s.Policy.CatchupWindow != tt.wantCatchup {
			t.Errorf("overlap %q, catchup %s: got %s, %s; want %s, %s", tt.overlap, tt.catchup, s.Policy.Overlap, s.Policy.CatchupWindow, tt.wantOverlap, tt.wantCatchup)
		}
	}
	if _, err := schedule(store.Deployment{Name: "x", Schedule: "@daily", Overlap: "sometimes"}, "hotpass", nil); err == nil {
		t.Error("an unknown overlap policy was accepted")
	}
	if _, err := schedule(store.Deployment{Name: "x", Schedule: "@daily"}, "", nil); err == nil {
		t.Error("an empty task queue was accepted")
	}
}
