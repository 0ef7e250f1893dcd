package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTemplateBombUnderMemoryLimit runs the hotpass binary, limited to
// 2 GiB of address space, on a spec whose command joins a 1000-item list
// with a 900 KiB separator (the spec stays under its 1 MiB limit): about
// 900 MB of text if it were built. The run
// must end with a clean, positioned error and exit status 2, not die out
// of memory (a fatal runtime error exits 2 too, hence the message checks).
//
// The limit is 2 GiB, not 1: the Go runtime reserves much of a gigabyte
// of address space up front, so hotpass fails at random under 1 GiB
// whatever it renders; a gigabyte of text does not fit in 2 GiB either.
func TestTemplateBombUnderMemoryLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit is not installed")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "hotpass")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprintf("item%d", i)
	}
	spec := filepath.Join(dir, "bomb.yaml")
	src := "version: 1\nname: bomb\nparams:\n" +
		"  l: {type: list, default: [" + strings.Join(items, ", ") + "]}\n" +
		"  p: {type: string, default: " + strings.Repeat("x", 900<<10) + "}\n" +
		"tasks:\n  say: {type: exec, with: {command: \"echo {{ params.l|join:params.p }}\"}}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, prlimit, "--as=2147483648", bin, "run", "--no-progress", "--state-dir", filepath.Join(dir, "state"), spec)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("the run did not end within 10 s; stderr:\n%s", stderr.String())
	}
	code := cmd.ProcessState.ExitCode()
	want := spec + ":7:55: error: template: this would build a value of"
	if code != exitInvalid || !strings.Contains(stderr.String(), want) || strings.Contains(stderr.String(), "out of memory") {
		t.Errorf("exit %d (%v), stderr:\n%.2000s\nwant exit 2 and %q", code, err, stderr.String(), want)
	}
}
