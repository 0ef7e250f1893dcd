package audit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func trail(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	for i := 0; i < n; i++ {
		if _, err := Append(path, Entry{Time: "2026-01-01T00:00:00Z", Kind: KindRun, RunID: fmt.Sprintf("run-%d", i),
			Counts: map[string]int{"rows": i}, Inputs: []File{{Path: "in.xlsx", SHA256: "ab"}}}); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		tamper func(lines []string) []string
		want   string
	}{
		{"intact", func(l []string) []string { return l }, ""},
		{"edited", func(l []string) []string {
			l[1] = strings.Replace(l[1], `"rows":1`, `"rows":7`, 1)
			return l
		}, "audit.jsonl:2: entry 2 was edited"},
		{"removed", func(l []string) []string { return append(l[:1], l[2:]...) }, "audit.jsonl:2: entry number 3 follows 1"},
		{"removed and renumbered", func(l []string) []string {
			l = append(l[:1], l[2:]...)
			l[1] = strings.Replace(l[1], `"seq":3`, `"seq":2`, 1)
			return l
		}, "audit.jsonl:2: entry 2 does not chain"},
		{"removed from the end", func(l []string) []string { return l[:2] }, "entries were removed from the end"},
		{"truncated mid-line", func(l []string) []string {
			l[2] = l[2][:len(l[2])/2]
			return l
		}, "audit.jsonl:3: the line is cut short"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := trail(t, 3)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := c.tamper(strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"))
			out := strings.Join(lines, "\n")
			if c.name != "truncated mid-line" {
				out += "\n"
			}
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			n, err := Verify(path)
			if c.want == "" {
				if err != nil || n != 3 {
					t.Fatalf("Verify = %d, %v", n, err)
				}
				return
			}
			var p *Problem
			if !errors.As(err, &p) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Verify error = %v, want %q", err, c.want)
			}
		})
	}
}

func TestAppendRefusesTruncatedTrail(t *testing.T) {
	t.Parallel()
	path := trail(t, 2)
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, b[:len(b)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Append(path, Entry{Kind: KindRun}); err == nil || !strings.Contains(err.Error(), "truncated mid-line") {
		t.Fatalf("Append after a cut line: %v", err)
	}
}

func TestConcurrentAppends(t *testing.T) {
	t.Parallel()
	path := trail(t, 0)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if _, err := Append(path, Entry{Kind: KindRun, RunID: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if n, err := Verify(path); err != nil || n != 8 {
		t.Fatalf("after concurrent appends: %d, %v", n, err)
	}
}

func TestLongTrail(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a.jsonl")
	big := strings.Repeat("x", 5000)
	for i := 0; i < 3; i++ {
		if _, err := Append(path, Entry{Kind: KindErasure, Identifiers: []string{big}}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := Verify(path); err != nil || n != 3 {
		t.Fatalf("entries longer than a read block: %d, %v", n, err)
	}
}

// Verify reads any bytes without panicking, and never calls a trail
// intact unless its entries are.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"seq":1,"time":"","kind":"run","prev":"","hash":"x"}` + "\n"))
	f.Add([]byte("{\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "a.jsonl")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		n, err := Verify(path)
		if err == nil && n > 0 {
			t.Fatalf("%d forged entries verified without a head file", n)
		}
	})
}
