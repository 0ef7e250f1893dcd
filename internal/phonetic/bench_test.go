package phonetic

import "testing"

var benchNames = []string{"Jonathan", "Schwarzenegger", "Müller", "Ashcraft", "McLaughlin", "Thompson"}

var sink string

func BenchmarkSoundex(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sink = Soundex(benchNames[i%len(benchNames)])
	}
}

func BenchmarkAppendSoundex(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 4)
	for i := 0; b.Loop(); i++ {
		buf = AppendSoundex(buf[:0], benchNames[i%len(benchNames)])
	}
	sink = string(buf)
}

func BenchmarkDoubleMetaphone(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sink, _ = DoubleMetaphone(benchNames[i%len(benchNames)])
	}
}
