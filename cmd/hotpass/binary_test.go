package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// releaseBin is the binary the tests that run hotpass as a process share
// while any of them runs; the last one to finish removes it.
var releaseBin struct {
	sync.Mutex
	dir   string
	users int
}

// hotpassBinary builds hotpass as the Makefile builds releases: static
// (CGO_ENABLED=0) and without the race detector. Both matter under an
// address-space limit: the race detector's shadow memory would not fit, and
// glibc reserves 64 MiB of address space per thread arena in a cgo binary,
// which made the binary fail at random under 1 GiB before it read anything.
func hotpassBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	releaseBin.Lock()
	defer releaseBin.Unlock()
	if releaseBin.users == 0 {
		dir, err := os.MkdirTemp("", "hotpass-limited-")
		if err != nil {
			t.Fatal(err)
		}
		goCmd := os.Getenv("GO") // make passes its toolchain on as $(GO) when exported
		if goCmd == "" {
			goCmd = "go"
		}
		cmd := exec.Command(goCmd, "build", "-trimpath", "-o", filepath.Join(dir, "hotpass"), ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			_ = os.RemoveAll(dir)
			t.Fatalf("go build: %v\n%s", err, out)
		}
		releaseBin.dir = dir
	}
	releaseBin.users++
	t.Cleanup(func() {
		releaseBin.Lock()
		defer releaseBin.Unlock()
		if releaseBin.users--; releaseBin.users == 0 {
			_ = os.RemoveAll(releaseBin.dir)
		}
	})
	return filepath.Join(releaseBin.dir, "hotpass")
}
