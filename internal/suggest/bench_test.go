package suggest

import (
	"fmt"
	"testing"
)

// BenchmarkClosest looks up misspellings among the option names of a large
// task type (about 60 names), as a "did you mean" hint does.
func BenchmarkClosest(b *testing.B) {
	known := make([]string, 0, 64)
	for _, base := range []string{"input", "inputs", "output", "settings", "config", "threshold", "model_path", "label_studio"} {
		for _, suffix := range []string{"", "_dir", "_path", "_format", "_limit", "_mode", "_key"} {
			known = append(known, base+suffix)
		}
	}
	names := []string{"ouptut_dir", "thresold", "Settings", "nothing_like_it", "label_stdio"}
	for _, name := range names {
		b.Run(fmt.Sprintf("name=%s", name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Closest(name, known)
			}
		})
	}
}
