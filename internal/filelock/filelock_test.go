package filelock_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hotpass/hotpass/internal/filelock"
)

// Writers that each read a counter file and replace it with the next
// value lose no increment while they hold the lock, though every one
// opens the lock file on its own (as separate processes do).
func TestLockSerialisesReadModifyReplace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "counter")
	must(t, os.WriteFile(path, []byte("0"), 0o644))
	const writers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				if err := increment(path, w); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	must(t, err)
	if got := string(data); got != strconv.Itoa(writers*rounds) {
		t.Errorf("counter = %s, want %d", got, writers*rounds)
	}
}

// increment adds one to the counter in path, replacing the file by rename
// as atomicfile does.
func increment(path string, writer int) error {
	unlock, err := filelock.Lock(path)
	if err != nil {
		return err
	}
	defer unlock()
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(string(data))
	if err != nil {
		return fmt.Errorf("torn counter %q: %w", data, err)
	}
	tmp := path + ".tmp" + strconv.Itoa(writer)
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(n+1)), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// A lock file that cannot be created is an error naming it and saying
// what to fix, not a lock silently skipped.
func TestLockNeedsWritableDirectory(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing-dir", "decisions.jsonl")
	_, err := filelock.Lock(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Lock in a missing directory: %v, want a not-exist error", err)
	}
	for _, want := range []string{path + filelock.Suffix, "directory must be writable"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
