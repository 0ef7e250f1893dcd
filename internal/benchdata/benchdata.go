// Package benchdata locates the linkage benchmark data sets
// (shared/linkage-benchmarks) that tests and benchmarks read: research
// data that is not committed with the code, kept in a shared/ directory
// beside the repository.
package benchdata

import (
	"os"
	"path/filepath"
)

// SharedDir returns shared/linkage-benchmarks in the working directory or
// the nearest directory above it that has one, or "" when there is none.
func SharedDir() string {
	dir, err := filepath.Abs(".")
	if err != nil {
		return ""
	}
	for {
		cand := filepath.Join(dir, "shared", "linkage-benchmarks")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
