package geo

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/hotpass/hotpass/internal/table"
)

// The columns Apply adds, in this order.
const (
	ColLatitude   = "latitude"
	ColLongitude  = "longitude"
	ColFormatted  = "address_formatted"
	ColProvince   = "province_geocoded"
	ColArea       = "area_geocoded"
	ColConfidence = "geocode_confidence"
	ColMatch      = "geocode_match"
)

// Columns lists the columns Apply adds, in order.
func Columns() []string {
	return []string{ColLatitude, ColLongitude, ColFormatted, ColProvince, ColArea, ColConfidence, ColMatch}
}

// FlagProvinceMismatch is added to the flags column when the stated
// province and a confident geocode disagree.
const FlagProvinceMismatch = "province_mismatch"

// mismatchConfidence is the least confidence at which a disagreement with
// the stated province is flagged; below it the geocode is a guess.
const mismatchConfidence = 0.8

// Online places a text that the gazetteer cannot, for example through a
// Nominatim server. An error means the service could not answer (down,
// slow, refusing); the row then stays ungeocoded and is counted.
type Online interface {
	Search(ctx context.Context, query string) (lat, lon float64, display string, found bool, err error)
}

// TableOptions says which columns Apply reads.
type TableOptions struct {
	// Texts are the location columns, most telling first (address, area,
	// organisation name). Missing columns are skipped.
	Texts []string
	// Province is the stated province column: the hint among towns of one
	// name, and compared with the geocode for the mismatch flag.
	Province string
	// Latitude and Longitude are existing coordinate columns; a row whose
	// texts match nothing gets its province from the point.
	Latitude, Longitude string
	// Flags is a ";"-separated flags column ("none" when empty) that
	// receives FlagProvinceMismatch; empty leaves flags alone.
	Flags string
	// Online, when set, is asked for rows the gazetteer cannot place.
	Online Online
	// Log, when set, receives a warning naming each of the first rows the
	// online geocoder could not answer for (by number: their text is
	// personal data).
	Log *slog.Logger
}

// maxRowWarnings bounds the rows named one by one when the online
// geocoder fails; Stats.OnlineError counts them all.
const maxRowWarnings = 10

// maxMemo bounds the distinct inputs Apply remembers. Repeats in a real
// table are mostly of a few places, while remembering each of a million
// distinct addresses doubled the memory a geocoding took.
const maxMemo = 1 << 14

// Stats counts what Apply did.
type Stats struct {
	Rows        int `json:"rows"`
	Placed      int `json:"placed"`
	FromPoint   int `json:"from_point"`
	Online      int `json:"online"`
	OnlineError int `json:"online_failed"`
	Unplaced    int `json:"unplaced"`
	BadPoints   int `json:"bad_coordinates"`
	Mismatch    int `json:"province_mismatch"`
}

// Apply geocodes every row of t and returns t with the Columns() added
// (replaced when present). Identical inputs are geocoded once. Rows that
// cannot be placed get nulls and a geocode_match saying why.
func (g *Gazetteer) Apply(ctx context.Context, t *table.Table, o TableOptions) (*table.Table, Stats, error) {
	n := t.NumRows()
	st := Stats{Rows: n}
	var texts []*table.Column
	for _, name := range o.Texts {
		if c := t.ColumnByName(name); c != nil {
			texts = append(texts, c)
		}
	}
	if len(texts) == 0 && (o.Latitude == "" || t.ColumnByName(o.Latitude) == nil) {
		return nil, st, fmt.Errorf("geocode: none of the columns %s is in the table (columns: %s)", strings.Join(o.Texts, ", "), strings.Join(t.Schema().Names(), ", "))
	}
	prov := t.ColumnByName(o.Province)
	latCol, lonCol := t.ColumnByName(o.Latitude), t.ColumnByName(o.Longitude)
	flags := t.ColumnByName(o.Flags)

	b := struct{ lat, lon, formatted, province, area, conf, match, flags *table.ColumnBuilder }{
		table.NewColumnBuilder(table.Float64, n), table.NewColumnBuilder(table.Float64, n),
		table.NewColumnBuilder(table.String, n), table.NewColumnBuilder(table.String, n),
		table.NewColumnBuilder(table.String, n), table.NewColumnBuilder(table.Float64, n),
		table.NewColumnBuilder(table.String, n), table.NewColumnBuilder(table.String, n),
	}
	memo := map[string]Result{}
	vals := make([]string, len(texts))
	for i := 0; i < n; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, st, err
			}
		}
		for j, c := range texts {
			vals[j] = cellString(c, i)
		}
		hint := cellString(prov, i)
		k := hint + "\x00" + strings.Join(vals, "\x00")
		r, seen := memo[k]
		if !seen {
			r = g.Geocode(hint, vals...)
			if !r.Placed() && o.Online != nil {
				var err error
				r, err = g.online(ctx, o.Online, vals)
				if err != nil && o.Log != nil && st.OnlineError < maxRowWarnings {
					o.Log.Warn("the online geocoder could not answer for a row; it stays ungeocoded", "row", i+1, "error", err)
				}
			}
			if len(memo) >= maxMemo {
				clear(memo)
			}
			memo[k] = r
		}
		switch r.Match {
		case "online":
			st.Online++
		case "online_failed":
			st.OnlineError++
		}
		if !r.Placed() && latCol != nil && lonCol != nil {
			r = g.fromPoint(latCol, lonCol, i, &st)
		}
		switch {
		case r.Placed():
			st.Placed++
			b.lat.AppendFloat64(r.Lat)
			b.lon.AppendFloat64(r.Lon)
			appendText(b.formatted, r.Formatted)
			appendText(b.province, r.Province)
			appendText(b.area, r.Area)
			b.conf.AppendFloat64(r.Confidence)
		default:
			st.Unplaced++
			for _, c := range []*table.ColumnBuilder{b.lat, b.lon, b.formatted, b.province, b.area, b.conf} {
				c.AppendNull()
			}
			if r.Match == "" {
				r.Match = "none"
			}
		}
		b.match.AppendString(r.Match)
		if flags != nil {
			f := cellString(flags, i)
			if r.Placed() && hint != "" && r.Province != "" && r.Confidence >= mismatchConfidence && key(g.provinceName(hint)) != key(r.Province) {
				st.Mismatch++
				f = addFlag(f, FlagProvinceMismatch)
			}
			appendText(b.flags, f)
		}
	}
	out := t
	cols := []*table.ColumnBuilder{b.lat, b.lon, b.formatted, b.province, b.area, b.conf, b.match}
	for i, name := range Columns() {
		var err error
		if out, err = out.WithColumn(name, cols[i].Build()); err != nil {
			return nil, st, err
		}
	}
	if flags != nil {
		var err error
		if out, err = out.WithColumn(o.Flags, b.flags.Build()); err != nil {
			return nil, st, err
		}
	}
	return out, st, nil
}

// online asks the online geocoder with the texts joined, most telling
// first, and takes the province from the point.
func (g *Gazetteer) online(ctx context.Context, on Online, vals []string) (Result, error) {
	var parts []string
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			parts = append(parts, v)
		}
	}
	if len(parts) == 0 {
		return Result{}, nil
	}
	lat, lon, display, found, err := on.Search(ctx, strings.Join(parts, ", ")+", "+countryNames[g.country])
	switch {
	case err != nil:
		return Result{Match: "online_failed"}, err
	case !found:
		return Result{Match: "none"}, nil
	}
	r := Result{Lat: lat, Lon: lon, Formatted: display, Confidence: 0.7, Match: "online"}
	if CheckLatLon(lat, lon, g.country) == nil {
		r.Province, _, _ = g.ProvinceAt(lat, lon)
		r.Area, _ = g.NearestPlace(lat, lon)
	}
	return r, nil
}

// PointAt reads row i's coordinates from a latitude and a longitude
// column (numbers, or text holding numbers, plain or with a hemisphere as
// ParseCoordinate reads them). ok is false when either is null or
// unreadable; the range is not checked.
func PointAt(latCol, lonCol *table.Column, i int) (lat, lon float64, ok bool) {
	lat, okLat := cellCoordinate(latCol, i, true)
	lon, okLon := cellCoordinate(lonCol, i, false)
	return lat, lon, okLat && okLon
}

// PointWritten reports whether row i holds anything in either coordinate
// column: when PointAt cannot read such a row, its coordinates are bad
// rather than missing.
func PointWritten(latCol, lonCol *table.Column, i int) bool {
	return strings.TrimSpace(cellString(latCol, i)) != "" || strings.TrimSpace(cellString(lonCol, i)) != ""
}

// fromPoint takes the province of a row from its own coordinates.
// Coordinates that are written but unreadable ("26.1 South", half a pair)
// are bad, not missing: the row is not simply without a location.
func (g *Gazetteer) fromPoint(latCol, lonCol *table.Column, i int, st *Stats) Result {
	lat, lon, ok := PointAt(latCol, lonCol, i)
	if !ok {
		if PointWritten(latCol, lonCol, i) {
			st.BadPoints++
			return Result{Match: "bad_coordinates"}
		}
		return Result{}
	}
	prov, share, err := g.ProvinceAt(lat, lon)
	if err != nil {
		st.BadPoints++
		return Result{Match: "bad_coordinates"}
	}
	st.FromPoint++
	area, _ := g.NearestPlace(lat, lon)
	return Result{
		Lat: lat, Lon: lon, Province: prov, Area: area,
		Formatted:  fmt.Sprintf("near %s, %s, %s", area, prov, countryNames[g.country]),
		Confidence: round2(0.8 * share), Match: "point",
	}
}

func cellString(c *table.Column, i int) string {
	if c == nil || c.IsNull(i) {
		return ""
	}
	if c.Type() == table.String {
		return c.Strings()[i]
	}
	return c.Format(i)
}

func cellCoordinate(c *table.Column, i int, lat bool) (float64, bool) {
	if c == nil || c.IsNull(i) {
		return 0, false
	}
	switch c.Type() {
	case table.Float64:
		return c.Float64s()[i], true
	case table.Int64:
		return float64(c.Int64s()[i]), true
	}
	return ParseCoordinate(c.Format(i), lat)
}

func appendText(b *table.ColumnBuilder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.AppendString(s)
}

// addFlag adds flag to a ";"-separated list in which "none" means empty.
func addFlag(list, flag string) string {
	if list == "" || list == "none" {
		return flag
	}
	for _, f := range strings.Split(list, ";") {
		if f == flag {
			return list
		}
	}
	return list + ";" + flag
}
