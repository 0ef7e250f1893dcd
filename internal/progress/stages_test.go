package progress

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestStagesStatusLine(t *testing.T) {
	t.Parallel()
	var done atomic.Int64
	tests := []struct {
		name  string
		done  *atomic.Int64
		n     int64
		total int64
		want  string
	}{
		{"uncounted", nil, 0, 0, "  ▸ predict · 10s\n"},
		{"started", &done, 0, 4000, "  ▸ predict · 0 / 4,000 pairs · 0% · 10s\n"},
		{"quarter", &done, 1000, 4000, "  ▸ predict · 1,000 / 4,000 pairs · 25% · ETA 30s · 10s\n"},
		{"finished", &done, 4000, 4000, "  ▸ predict · 4,000 / 4,000 pairs · 100% · 10s\n"},
	}
	for _, tt := range tests {
		s := &Stages{noun: "pairs", screen: screen{w: &bytes.Buffer{}}}
		since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if tt.done != nil {
			tt.done.Store(tt.n)
		}
		s.name, s.since, s.done, s.total = "predict", since, tt.done, tt.total
		if got := s.blockLocked(since.Add(10 * time.Second)); got != tt.want {
			t.Errorf("%s: status line %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestStagesOnTerminalAndElsewhere(t *testing.T) {
	t.Parallel()
	var term, plain bytes.Buffer
	for _, c := range []struct {
		w    *bytes.Buffer
		live bool
	}{{&term, true}, {&plain, false}} {
		s := NewStages(c.w, c.live, "pairs")
		var n atomic.Int64
		s.Begin("train", nil, 0)
		s.Begin("predict", &n, 10)
		n.Store(10)
		s.Begin("cluster", nil, 0)
		if _, err := s.Write([]byte("level=WARN msg=hello\n")); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s.Close() // twice is harmless
	}
	out := term.String()
	for _, want := range []string{"  ✓ train ", "  ✓ predict ", " · 10 pairs", "  ✓ cluster ", "level=WARN msg=hello\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, out)
		}
	}
	// Off a terminal only what the job logs is printed.
	if plain.String() != "level=WARN msg=hello\n" {
		t.Errorf("plain output = %q, want the log line only", plain.String())
	}
}
