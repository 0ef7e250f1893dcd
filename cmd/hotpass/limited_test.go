package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// The tests that feed hotpass hostile input (specs, templates, data files)
// run the real binary in a subprocess under an address-space limit, so that
// a reader or renderer without bounds dies out of memory instead of passing
// on a machine with plenty of it.

// dataAddressSpace is the virtual memory such a subprocess gets beyond the
// mapping of its own executable: far less than any of the hostile inputs
// would need if they were read without limits. The executable's size is
// added rather than counted in, so that linking in another client library
// does not eat into what the readers are allowed (with a 58 MiB binary the
// total is the 1 GiB these tests were first written for).
const dataAddressSpace = 966 << 20

// addressSpaceLimit is the limit for bin: its size plus dataAddressSpace.
func addressSpaceLimit(t *testing.T, bin string) int64 {
	t.Helper()
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size() + dataAddressSpace
}

// guardTime stops a subprocess that hangs. It guards the test; it is not what
// the test measures.
const guardTime = 10 * time.Second

// limitedCommand runs bin with args under addressSpaceLimit, through
// prlimit (util-linux). Without prlimit the test is skipped locally and
// fails under CI, where every real part must be present.
func limitedCommand(t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prlimit (util-linux) is not installed")
		}
		t.Skip("prlimit (util-linux) is not installed")
	}
	cmd := exec.Command(prlimit, append([]string{fmt.Sprintf("--as=%d", addressSpaceLimit(t, bin)), bin}, args...)...)
	// The Go runtime reserves about 750 MiB of address space for itself, so
	// the heap has some 250 MiB: a soft limit makes the collector work
	// within it rather than meet the hard one.
	cmd.Env = append(os.Environ(), "GOMEMLIMIT=160MiB")
	return cmd
}

// runGuarded runs cmd and kills it after guard. It returns what the process
// printed, its exit status, and whether the guard had to kill it.
func runGuarded(t *testing.T, cmd *exec.Cmd, guard time.Duration) (stdout, stderr string, code int, killed bool) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(guard):
		_ = cmd.Process.Kill()
		err = <-done
		killed = true
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code, killed
}

// tail shortens a run's output, keeping its start (where a crash says what
// it was) and its end.
func tail(s string) string {
	if len(s) > 4000 {
		return s[:2000] + "\n...\n" + s[len(s)-2000:]
	}
	return s
}
