package geo

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

func stringCol(vals ...string) *table.Column {
	b := table.NewColumnBuilder(table.String, len(vals))
	for _, v := range vals {
		if v == "<null>" {
			b.AppendNull()
			continue
		}
		b.AppendString(v)
	}
	return b.Build()
}

func floatCol(vals ...float64) *table.Column {
	b := table.NewColumnBuilder(table.Float64, len(vals))
	for _, v := range vals {
		if v == 999 {
			b.AppendNull()
			continue
		}
		b.AppendFloat64(v)
	}
	return b.Build()
}

func testTable(t *testing.T, cols map[string]*table.Column, order ...string) *table.Table {
	t.Helper()
	var fields []table.Field
	var cs []*table.Column
	for _, name := range order {
		fields = append(fields, table.Field{Name: name, Type: cols[name].Type()})
		cs = append(cs, cols[name])
	}
	tab, err := table.New(table.MustSchema(fields...), cs)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

type fakeOnline struct {
	answers map[string][2]float64
	err     error
	calls   []string
}

func (f *fakeOnline) Search(_ context.Context, q string) (float64, float64, string, bool, error) {
	f.calls = append(f.calls, q)
	if f.err != nil {
		return 0, 0, "", false, f.err
	}
	for k, v := range f.answers {
		if strings.Contains(q, k) {
			return v[0], v[1], k + " (online)", true, nil
		}
	}
	return 0, 0, "", false, nil
}

func TestApply(t *testing.T) {
	t.Parallel()
	g := mustLoad(t)
	tab := testTable(t, map[string]*table.Column{
		"address":  stringCol("Virginia Airport, Durban", "", "   ", "Somewhere Unknown", "12 Nowhere Lane", "", "FAGC"),
		"area":     stringCol("<null>", "Bethlehem", "", "", "", "", ""),
		"province": stringCol("KwaZulu-Natal", "Western Cape", "", "", "", "", "Gauteng"),
		"flags":    stringCol("none", "missing_email", "none", "none", "none", "none", "none"),
		"lat":      floatCol(999, 999, -26.1392, 28.246, 999, -126, 999),
		"lon":      floatCol(999, 999, 28.246, -26.1392, 999, 28, 999),
	}, "address", "area", "province", "flags", "lat", "lon")
	out, st, err := g.Apply(context.Background(), tab, TableOptions{
		Texts: []string{"address", "area", "missing_column"}, Province: "province",
		Latitude: "lat", Longitude: "lon", Flags: "flags",
	})
	if err != nil {
		t.Fatal(err)
	}
	names := out.Schema().Names()
	if got := strings.Join(names[6:], ","); got != strings.Join(Columns(), ",") {
		t.Fatalf("added columns %s", got)
	}
	get := func(col string, i int) string { return cellString(out.ColumnByName(col), i) }
	want := []struct{ province, match, flags string }{
		{"KwaZulu-Natal", "airport:virginia airport", "none"},
		{"Free State", "place:bethlehem", "missing_email;province_mismatch"},
		{"Gauteng", "point", "none"},
		{"", "bad_coordinates", "none"}, // swapped
		{"", "none", "none"},
		{"", "bad_coordinates", "none"}, // out of range
		{"Gauteng", "icao:FAGC", "none"},
	}
	for i, w := range want {
		if got := get(ColProvince, i); got != w.province {
			t.Errorf("row %d: province %q, want %q", i+1, got, w.province)
		}
		if got := get(ColMatch, i); got != w.match {
			t.Errorf("row %d: match %q, want %q", i+1, got, w.match)
		}
		if got := get("flags", i); got != w.flags {
			t.Errorf("row %d: flags %q, want %q", i+1, got, w.flags)
		}
	}
	if !out.ColumnByName(ColLatitude).IsNull(4) || out.ColumnByName(ColLatitude).IsNull(0) {
		t.Error("latitude nulls wrong")
	}
	wantSt := Stats{Rows: 7, Placed: 4, FromPoint: 1, Unplaced: 3, BadPoints: 2, Mismatch: 1}
	if st != wantSt {
		t.Errorf("stats %+v, want %+v", st, wantSt)
	}
}

func TestApplyNoLocationColumns(t *testing.T) {
	t.Parallel()
	tab := testTable(t, map[string]*table.Column{"name": stringCol("x")}, "name")
	_, _, err := mustLoad(t).Apply(context.Background(), tab, TableOptions{Texts: []string{"address", "area"}})
	if err == nil || !strings.Contains(err.Error(), "address, area") || !strings.Contains(err.Error(), "columns: name") {
		t.Errorf("error %v", err)
	}
}

func TestApplyOnline(t *testing.T) {
	t.Parallel()
	g := mustLoad(t)
	tab := testTable(t, map[string]*table.Column{
		"address": stringCol("Durban", "Kitty Hawk Road 5", "Kitty Hawk Road 5", "Nowhere 9"),
	}, "address")
	on := &fakeOnline{answers: map[string][2]float64{"Kitty Hawk": {-25.86, 28.45}}}
	out, st, err := g.Apply(context.Background(), tab, TableOptions{Texts: []string{"address"}, Online: on})
	if err != nil {
		t.Fatal(err)
	}
	// The gazetteer places Durban; the online service is asked once for
	// the repeated address and once for the unknown one.
	if len(on.calls) != 2 || !strings.HasSuffix(on.calls[0], ", South Africa") {
		t.Errorf("online calls %q", on.calls)
	}
	if got := cellString(out.ColumnByName(ColProvince), 1); got != "Gauteng" {
		t.Errorf("online row province %q", got)
	}
	if st.Online != 2 || st.Unplaced != 1 || st.Placed != 3 {
		t.Errorf("stats %+v", st)
	}

	down := &fakeOnline{err: errors.New("connection refused")}
	_, st, err = g.Apply(context.Background(), tab, TableOptions{Texts: []string{"address"}, Online: down})
	if err != nil {
		t.Fatalf("a failing online geocoder failed the table: %v", err)
	}
	if st.OnlineError != 3 || st.Placed != 1 || st.Unplaced != 3 {
		t.Errorf("stats with the service down %+v", st)
	}
}

// Coordinates written with their hemisphere are read; coordinates that
// are written but cannot be read are bad, not silently missing.
func TestApplyCoordinatesAsText(t *testing.T) {
	t.Parallel()
	g := mustLoad(t)
	cases := []struct{ lat, lon, match, province string }{
		{"26.1392S", "28.246E", "point", "Gauteng"},
		{"S 26.1392", "E 28.246", "point", "Gauteng"},
		{"26.1392° S", "28.246° E", "point", "Gauteng"},
		{" -26.1392 ", " 28.246 ", "point", "Gauteng"},
		{"28.246E", "26.1392S", "bad_coordinates", ""}, // letters of the other axis
		{"-26.1392S", "28.246E", "bad_coordinates", ""},
		{"26.1 South", "28.2 East", "bad_coordinates", ""},
		{"-26.1392", "<null>", "bad_coordinates", ""},
		{"NaN", "NaN", "bad_coordinates", ""},
		{"<null>", " ", "none", ""},
	}
	var lats, lons, addr []string
	for _, c := range cases {
		lats, lons, addr = append(lats, c.lat), append(lons, c.lon), append(addr, "")
	}
	tab := testTable(t, map[string]*table.Column{
		"address": stringCol(addr...), "lat": stringCol(lats...), "lon": stringCol(lons...),
	}, "address", "lat", "lon")
	out, st, err := g.Apply(context.Background(), tab, TableOptions{Texts: []string{"address"}, Latitude: "lat", Longitude: "lon"})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		if got := cellString(out.ColumnByName(ColMatch), i); got != c.match {
			t.Errorf("(%q, %q): match %q, want %q", c.lat, c.lon, got, c.match)
		}
		if got := cellString(out.ColumnByName(ColProvince), i); got != c.province {
			t.Errorf("(%q, %q): province %q, want %q", c.lat, c.lon, got, c.province)
		}
	}
	if st.FromPoint != 4 || st.BadPoints != 5 || st.Unplaced != 6 {
		t.Errorf("stats %+v, want 4 from points, 5 bad, 6 unplaced", st)
	}
}
