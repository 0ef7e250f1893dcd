package geo

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/table"
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

// BenchmarkApplyDistinct200k geocodes a table of 200,000 distinct
// addresses; its bytes per op show what Apply keeps per row (a memo of
// every input held about as much again as the output columns).
func BenchmarkApplyDistinct200k(b *testing.B) {
	g := mustLoad(b)
	const n = 200_000
	cb := table.NewColumnBuilder(table.String, n)
	for i := 0; i < n; i++ {
		c := aviationLocations[i%len(aviationLocations)]
		cb.AppendString(fmt.Sprintf("Unit %d, %s", i, c.texts[len(c.texts)-1]))
	}
	t, err := table.New(table.MustSchema(table.Field{Name: "address", Type: table.String}), []*table.Column{cb.Build()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop, peak := make(chan struct{}), make(chan uint64)
	go func() {
		// Bytes allocated are mostly garbage; what Apply holds at once is
		// the peak of the live heap, sampled.
		var most uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			most = max(most, m.HeapInuse)
			select {
			case <-stop:
				peak <- most
				return
			case <-tick.C:
			}
		}
	}()
	b.ResetTimer()
	for range b.N {
		if _, _, err := g.Apply(context.Background(), t, TableOptions{Texts: []string{"address"}}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	close(stop)
	b.ReportMetric(float64(<-peak-base.HeapInuse)/(1<<20), "peak-heap-MB")
}

// BenchmarkClusters100k clusters 100,000 rows placed at the centres of
// the gazetteer's towns, as a geocoded table's rows are.
func BenchmarkClusters100k(b *testing.B) {
	g := mustLoad(b)
	pts := make([]Point, 100_000)
	for i := range pts {
		p := g.places[i%len(g.places)]
		pts[i] = Point{p.Lat, p.Lon}
	}
	b.ResetTimer()
	for range b.N {
		Clusters(pts, 10)
	}
}
