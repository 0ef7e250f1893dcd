package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTemplateBombUnderMemoryLimit runs the hotpass binary under the
// address-space limit on a spec whose command joins a 1000-item list with a
// 900 KiB separator (the spec stays under its 1 MiB limit): about 900 MB of
// text if it were built. The run must end with a clean, positioned error
// and exit status 2, not die out of memory (a fatal runtime error exits 2
// too, hence the message checks).
func TestTemplateBombUnderMemoryLimit(t *testing.T) {
	t.Parallel()
	bin := hotpassBinary(t)
	dir := t.TempDir()
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
	cmd := limitedCommand(t, bin, "run", "--no-progress", "--state-dir", filepath.Join(dir, "state"), spec)
	_, stderr, code, killed := runGuarded(t, cmd, guardTime)
	if killed {
		t.Fatalf("the run did not end within %s; stderr:\n%s", guardTime, tail(stderr))
	}
	want := spec + ":7:55: error: template: this would build a value of"
	if code != exitInvalid || !strings.Contains(stderr, want) || strings.Contains(stderr, "out of memory") {
		t.Errorf("exit %d, stderr:\n%.2000s\nwant exit 2 and %q", code, stderr, want)
	}
}
