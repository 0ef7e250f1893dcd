package benchdata

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSharedDirWalksUp(t *testing.T) {
	root := t.TempDir()
	want := filepath.Join(root, "shared", "linkage-benchmarks")
	deep := filepath.Join(root, "repo", "internal", "pkg")
	for _, d := range []string{want, deep} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(deep)
	if got := SharedDir(); got != want {
		t.Errorf("SharedDir() = %q, want %q", got, want)
	}
	t.Chdir(root)
	if err := os.RemoveAll(filepath.Join(root, "shared")); err != nil {
		t.Fatal(err)
	}
	if got := SharedDir(); got != "" && filepath.Dir(filepath.Dir(got)) == root {
		t.Errorf("SharedDir() = %q after removing it", got)
	}
}
