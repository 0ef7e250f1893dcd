package engine_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/engine"
)

func TestResolvePath(t *testing.T) {
	t.Parallel()
	abs := filepath.Join(t.TempDir(), "in.csv")
	tests := []struct {
		name, dir, p, want string
	}{
		{"relative", "/specs/nightly", "data/in.csv", "/specs/nightly/data/in.csv"},
		{"relative going up", "/specs/nightly", "../shared/in.csv", "/specs/shared/in.csv"},
		{"absolute", "/specs/nightly", abs, abs},
		{"empty path stays unset", "/specs/nightly", "", ""},
		{"no spec directory", "", "data/in.csv", "data/in.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := engine.ResolvePath(filepath.FromSlash(tt.dir), filepath.FromSlash(tt.p)); got != filepath.FromSlash(tt.want) {
				t.Errorf("ResolvePath(%q, %q) = %q, want %q", tt.dir, tt.p, got, tt.want)
			}
			env := &engine.Env{SpecDir: filepath.FromSlash(tt.dir)}
			if got := env.ResolvePath(filepath.FromSlash(tt.p)); got != filepath.FromSlash(tt.want) {
				t.Errorf("Env.ResolvePath(%q) = %q, want %q", tt.p, got, tt.want)
			}
		})
	}
}

func ExampleResolvePath() {
	fmt.Println(engine.ResolvePath("/srv/specs", "data/customers.csv"))
	fmt.Println(engine.ResolvePath("/srv/specs", "/var/exports/customers.csv"))
	// Output:
	// /srv/specs/data/customers.csv
	// /var/exports/customers.csv
}
