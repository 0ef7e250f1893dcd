package filelock_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hotpass/hotpass/internal/filelock"
)

// Take the lock around reading a file and replacing it, so that writers in
// other processes wait their turn.
func ExampleLock() {
	dir, err := os.MkdirTemp("", "filelock")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "decisions.jsonl")
	unlock, err := filelock.Lock(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	// ... read path, write the new content to a temporary file, rename it
	// over path ...
	unlock()
	_, err = os.Stat(path + filelock.Suffix)
	fmt.Println("lock file kept:", err == nil)
	// Output: lock file kept: true
}
