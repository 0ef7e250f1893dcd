//go:build !unix

package atomicfile

// processAlive cannot tell here; every writer counts as alive, so no
// temporary file is swept by its process id.
func processAlive(int) bool { return true }

// linkUnsupported treats every link failure but "exists" as a file system
// without hard links.
func linkUnsupported(error) bool { return true }
