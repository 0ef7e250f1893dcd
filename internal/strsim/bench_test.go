package strsim

import (
	"runtime"
	"testing"

	"github.com/hotpass/hotpass/internal/cputime"
)

// benchPairs are typical linkage inputs: 8-character first names (the
// Jaro-Winkler throughput target is 20 million such comparisons per second
// on one core), a pair of unrelated names, a pair of e-mail addresses and
// a name with a non-ASCII letter.
var benchPairs = []struct {
	name string
	a, b string
}{
	{"name8", "Jonathan", "Jonahtan"},
	{"name8_unrelated", "Margaret", "Benjamin"},
	{"email", "hday48@thomas-carter.com", "hday48@thomas-arter.mc"},
	{"nonascii", "Müllerin", "Muellerin"},
}

// measure runs loop (which must run b.Loop) on a locked OS thread and adds
// comparisons per second and CPU nanoseconds per comparison to the output.
func measure(b *testing.B, loop func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	start, ok := cputime.Thread()
	loop()
	if end, ok2 := cputime.Thread(); ok && ok2 {
		b.ReportMetric(float64((end-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmp/s")
}

func BenchmarkJaro(b *testing.B) {
	for _, p := range benchPairs {
		b.Run(p.name, func(b *testing.B) {
			var sum float64
			measure(b, func() {
				for b.Loop() {
					sum += Jaro(p.a, p.b)
				}
			})
			sinkF = sum
		})
	}
}

func BenchmarkJaroWinkler(b *testing.B) {
	for _, p := range benchPairs {
		b.Run(p.name, func(b *testing.B) {
			var sum float64
			measure(b, func() {
				for b.Loop() {
					sum += JaroWinkler(p.a, p.b)
				}
			})
			sinkF = sum
		})
	}
}

func BenchmarkLevenshtein(b *testing.B) {
	for _, p := range benchPairs {
		b.Run(p.name, func(b *testing.B) {
			var sum int
			measure(b, func() {
				for b.Loop() {
					sum += Levenshtein(p.a, p.b)
				}
			})
			sinkI = sum
		})
	}
}

func BenchmarkDamerauLevenshtein(b *testing.B) {
	for _, p := range benchPairs {
		b.Run(p.name, func(b *testing.B) {
			var sum int
			measure(b, func() {
				for b.Loop() {
					sum += DamerauLevenshtein(p.a, p.b)
				}
			})
			sinkI = sum
		})
	}
}

// BenchmarkScratchLong compares strings of about 200 characters, where the
// Scratch buffers replace per-call heap allocation.
func BenchmarkScratchLong(b *testing.B) {
	x := "The quick brown fox jumps over the lazy dog near the riverbank while the sun sets slowly behind the distant hills and the farmers return home from the fields after a long and tiring day of work."
	y := "The quick brown fox jumped over the lazy dogs near the river bank while the sun set slowly behind distant hills and the farmers returned home from their fields after a long, tiring day of work!!"
	var s Scratch
	// Grow the buffers before timing; growth happens once per Scratch.
	s.JaroWinkler(x, y)
	s.Levenshtein(x, y)
	s.DamerauLevenshtein(x, y)
	b.Run("JaroWinkler", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkF = s.JaroWinkler(x, y)
		}
	})
	b.Run("Levenshtein", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkI = s.Levenshtein(x, y)
		}
	})
	b.Run("DamerauLevenshtein", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkI = s.DamerauLevenshtein(x, y)
		}
	})
}
