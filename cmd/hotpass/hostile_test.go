package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// specHead starts a valid spec whose one task's `with:` follows.
const specHead = "version: 1\nname: hostile\ntasks:\n  a:\n    type: exec\n    with:\n      command: \"true\"\n"

func writeSpec(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestValidateHostileSpecs feeds `hotpass validate` specs built to exhaust
// memory or time: each must end with a clear error under the address-space limit.
func TestValidateHostileSpecs(t *testing.T) {
	t.Parallel()
	bin := hotpassBinary(t)
	dir := t.TempDir()

	deep := specHead + "      env: {x: " + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + "}\n"
	nests := func(size int) string {
		var b strings.Builder
		b.WriteString(specHead + "      argv:\n")
		line := "        - " + strings.Repeat("[", 9000) + strings.Repeat("]", 9000) + "\n"
		for b.Len()+len(line) < size {
			b.WriteString(line)
		}
		return b.String()
	}
	keys := func(n int) string {
		var b strings.Builder
		b.WriteString(specHead + "      env: {")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "k%d: v, ", i)
		}
		return b.String() + "}\n"
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		path string
		want []string
	}{
		{"20 KB nest", writeSpec(t, dir, "deep.yaml", deep), []string{"deep.yaml:8:", "nested deeper than the limit of 64 levels"}},
		{"1 MiB of nests", writeSpec(t, dir, "nests.yaml", nests(1<<20)), []string{"nests.yaml:9:", "nested deeper than the limit of 64 levels"}},
		{"4 MiB of nests", writeSpec(t, dir, "nests4.yaml", nests(4<<20)), []string{"nests4.yaml", "the limit is 1048576 bytes (1.0 MiB)"}},
		{"80k keys in one mapping", writeSpec(t, dir, "keys.yaml", keys(80_000)), []string{"keys.yaml:8:", "over the limit of 10000 keys"}},
		{"300k keys in one mapping", writeSpec(t, dir, "keys4.yaml", keys(300_000)), []string{"keys4.yaml", "the limit is 1048576 bytes (1.0 MiB)"}},
		{"fifo", fifo, []string{fifo, "not a regular file"}},
		{"/dev/zero", "/dev/zero", []string{"/dev/zero", "not a regular file"}},
	}
	// One at a time: each may take a core, and the guard is wall time.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code, killed := runGuarded(t, limitedCommand(t, bin, "validate", tt.path), guardTime)
			if killed {
				t.Fatalf("validate %s still running after 10 s", tt.name)
			}
			if code != exitFailed && code != exitInvalid {
				t.Fatalf("exit %d, want 1 or 2; output:\n%.2000s%.2000s", code, stdout, stderr)
			}
			if strings.Contains(stderr, "fatal error") || strings.Contains(stderr, "goroutine ") {
				t.Fatalf("validate crashed instead of refusing the spec:\n%.2000s", stderr)
			}
			// validate prints its diagnostics on stdout.
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%.2000s%.2000s", w, stdout, stderr)
				}
			}
		})
	}
}

// TestValidateStopsOnSIGTERM sends SIGTERM to a validate of many specs and
// expects it to stop at once with the cancelled exit status.
func TestValidateStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	bin := hotpassBinary(t)
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("version: 1\nname: big\ntasks:\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "  t%d: {type: exec, with: {command: \"echo {{ run.date }} %d\", env: {A: \"1\", B: \"2\"}}}\n", i, i)
	}
	spec := writeSpec(t, dir, "big.yaml", b.String())
	args := []string{"validate"}
	for i := 0; i < 2000; i++ {
		args = append(args, spec)
	}
	cmd := exec.Command(bin, args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("validate still running 10 s after SIGTERM")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitCancelled {
		t.Fatalf("exit after SIGTERM: %v, want status %d; stderr:\n%.2000s", err, exitCancelled, errb.String())
	}
	if !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("stderr does not say validation was interrupted:\n%.2000s", errb.String())
	}
}
