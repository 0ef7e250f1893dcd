package geo

import (
	"fmt"
	"testing"
)

// BenchmarkGeocode100k geocodes 100,000 location strings (the aviation
// table's strings, numbered so that no cache could help).
func BenchmarkGeocode100k(b *testing.B) {
	g := mustLoad(b)
	texts := make([]string, 100_000)
	for i := range texts {
		c := aviationLocations[i%len(aviationLocations)]
		texts[i] = fmt.Sprintf("Unit %d, %s", i, c.texts[len(c.texts)-1])
	}
	b.ResetTimer()
	for range b.N {
		for _, t := range texts {
			g.Geocode("", t)
		}
	}
}

// BenchmarkGazetteerLoad decodes and indexes the embedded data, which
// Load does once per process.
func BenchmarkGazetteerLoad(b *testing.B) {
	for range b.N {
		if _, err := decodeAll(); err != nil {
			b.Fatal(err)
		}
	}
}
