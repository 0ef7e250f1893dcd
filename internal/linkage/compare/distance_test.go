package compare

import (
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
)

// Rand Airport and Germiston are 3 km apart, Rand Airport and Grand
// Central 25 km, Rand Airport and Cape Town International 1,270 km.
var pointRows = [][]any{
	{"rand", "-26.2425,28.1512", -26.2425, 28.1512},
	{"germiston", "-26.2150,28.1640", -26.2150, 28.1640},
	{"grand-central", "-25.9863,28.1401", -25.9863, 28.1401},
	{"cape-town", "-33.9649,18.6017", -33.9649, 18.6017},
	{"nowhere", nil, nil, nil},
	{"bad", "north of here", 95.0, 28.0},
}

func pointSet(t *testing.T) *records.Set {
	t.Helper()
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "id", Type: table.String},
		table.Field{Name: "location", Type: table.String},
		table.Field{Name: "lat", Type: table.Float64},
		table.Field{Name: "lon", Type: table.Float64},
	), len(pointRows))
	for _, r := range pointRows {
		if err := b.AppendRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	recs, err := records.New(settings.DedupeOnly, "id", []records.Input{{Name: "t", Table: tb}})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestDistanceKmLevels(t *testing.T) {
	t.Parallel()
	levels := func(col, lon string) []settings.Level {
		return []settings.Level{
			{Type: settings.Null},
			{Type: settings.DistanceKm, Threshold: 5, Longitude: lon},
			{Type: settings.DistanceKm, Threshold: 50, Longitude: lon},
			{Type: settings.Else},
		}
	}
	for _, tc := range []struct{ name, col, lon string }{{"point column", "location", ""}, {"two columns", "lat", "lon"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := settings.Settings{
				ProbabilityTwoRandomRecordsMatch: 0.01,
				Comparisons:                      []settings.Comparison{{Name: "where", Column: tc.col, Levels: levels(tc.col, tc.lon)}},
			}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			e, err := Compile(&s, pointSet(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Warnings()) != 1 {
				t.Errorf("warnings %q, want one about the unreadable point", e.Warnings())
			}
			w := e.NewWorker()
			cases := []struct {
				i, j int32
				want uint8
			}{
				{0, 1, 1}, // 3 km
				{0, 2, 2}, // 25 km
				{1, 2, 2},
				{0, 3, 3}, // 1,270 km
				{0, 4, 0}, // null
				{0, 5, 3}, // unreadable: neither null nor near
			}
			for _, c := range cases {
				if got := w.Level(0, c.i, c.j); got != c.want {
					t.Errorf("%s–%s: level %d, want %d", pointRows[c.i][0], pointRows[c.j][0], got, c.want)
				}
				if got := w.Level(0, c.j, c.i); got != c.want {
					t.Errorf("%s–%s (swapped): level %d, want %d", pointRows[c.j][0], pointRows[c.i][0], got, c.want)
				}
			}
			if tc.lon != "" && len(e.Columns(0)) != 2 {
				t.Errorf("columns %v, want lat and lon", e.Columns(0))
			}
		})
	}
}

func TestDistanceKmValidation(t *testing.T) {
	t.Parallel()
	for _, l := range []settings.Level{
		{Type: settings.DistanceKm, Threshold: 0},
		{Type: settings.DistanceKm, Threshold: -3},
		{Type: settings.Exact, Longitude: "lon"},
		{Type: settings.DistanceKm, Threshold: 5, Regex: "x"},
	} {
		s := settings.Settings{ProbabilityTwoRandomRecordsMatch: 0.01, Comparisons: []settings.Comparison{{Column: "location", Levels: []settings.Level{{Type: settings.Null}, l, {Type: settings.Exact}, {Type: settings.Else}}}}}
		if err := s.Validate(); err == nil {
			t.Errorf("%+v accepted", l)
		}
	}
}
