package geo

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

func mustLoad(t testing.TB) *Gazetteer {
	t.Helper()
	g, err := Load("ZA")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestEmptyAndBlankTextsAreNotPlaced(t *testing.T) {
	t.Parallel()
	g := mustLoad(t)
	for _, texts := range [][]string{nil, {""}, {"   "}, {"\t\n"}, {"", " ", ""}, {"—", "()"}, {"N/A"}, {"the and of"}} {
		if r := g.Geocode("", texts...); r.Placed() || r.Match != "" || r.Lat != 0 {
			t.Errorf("%q: placed at %q (%s)", texts, r.Formatted, r.Match)
		}
	}
}

func TestUnknownCountryListsAvailable(t *testing.T) {
	t.Parallel()
	_, err := Load("XX")
	if err == nil {
		t.Fatal("no error for XX")
	}
	for _, want := range []string{`"XX"`, "ZA", "NA", "BW"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if g, err := Load(" za "); err != nil || g.Country() != "ZA" {
		t.Errorf("Load(\" za \") = %v, %v", g, err)
	}
}

func TestOtherCountries(t *testing.T) {
	t.Parallel()
	g, err := Load("NA")
	if err != nil {
		t.Fatal(err)
	}
	r := g.Geocode("", "Windhoek")
	if r.Place.Country != "NA" || !r.Placed() {
		t.Errorf("Windhoek in NA: %+v", r)
	}
	if r := mustLoad(t).Geocode("", "Windhoek"); r.Placed() {
		t.Errorf("Windhoek placed in the ZA gazetteer: %+v", r)
	}
}

func TestCheckLatLon(t *testing.T) {
	t.Parallel()
	cases := []struct {
		lat, lon float64
		want     string // substring of the error; "" for none
	}{
		{-26.2, 28.0, ""},
		{-91, 28, "latitude -91 is out of range"},
		{-26, 181, "longitude 181 is out of range"},
		{28.0, -26.2, "swapped"},
		{math.NaN(), 28, "not numbers"},
		{51.5, -0.1, ""}, // London: valid, just not in South Africa
	}
	for _, c := range cases {
		err := CheckLatLon(c.lat, c.lon, "ZA")
		switch {
		case c.want == "" && err != nil:
			t.Errorf("(%v, %v): %v", c.lat, c.lon, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("(%v, %v): error %v, want %q", c.lat, c.lon, err, c.want)
		}
	}
}

func TestProvinceAt(t *testing.T) {
	t.Parallel()
	g := mustLoad(t)
	cases := []struct {
		lat, lon float64
		want     string
		err      string
	}{
		{-26.1392, 28.246, "Gauteng", ""},       // OR Tambo
		{-33.9649, 18.6017, "Western Cape", ""}, // Cape Town International
		{-29.6144, 31.1197, "KwaZulu-Natal", ""},
		{-29.0927, 26.3024, "Free State", ""},
		{28.246, -26.1392, "", "swapped"},
		{-126.1, 28.2, "", "out of range"},
		{51.5, -0.12, "", "km from any place"},
	}
	for _, c := range cases {
		got, share, err := g.ProvinceAt(c.lat, c.lon)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("(%v, %v): error %v, want %q", c.lat, c.lon, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want || share <= 0 || share > 1 {
			t.Errorf("(%v, %v) = %q, %v, %v; want %q", c.lat, c.lon, got, share, err, c.want)
		}
	}
}

// TestProvinceAtLeaveOneOut measures the accuracy documented in the
// package comment: each South African place's province is inferred from
// its nearest neighbours, the place itself left out of the vote.
func TestProvinceAtLeaveOneOut(t *testing.T) {
	t.Parallel()
	g := mustLoad(t)
	right, total := 0, 0
	for i, p := range g.places {
		if p.Kind != KindPlace || p.Country != "ZA" {
			continue
		}
		near := g.nearest(p.Lat, p.Lon, provinceK+1)
		votes := map[string]float64{}
		for _, n := range near {
			if n.id == int32(i) {
				continue
			}
			votes[g.places[n.id].Province] += 1 / (1 + n.d)
		}
		best, bw := "", 0.0
		for prov, w := range votes {
			if w > bw {
				best, bw = prov, w
			}
		}
		total++
		if best == p.Province {
			right++
		}
	}
	share := float64(right) / float64(total)
	t.Logf("leave-one-out: %d of %d places given their own province (%.1f %%)", right, total, 100*share)
	if share < 0.85 {
		t.Errorf("leave-one-out accuracy %.1f %%, want at least 85 %%", 100*share)
	}
}

func TestGeohash(t *testing.T) {
	t.Parallel()
	cases := []struct {
		lat, lon float64
		n        int
		want     string
	}{
		{42.605, -5.603, 5, "ezs42"}, // the example of the geohash description
		{57.64911, 10.40744, 11, "u4pruydqqvj"},
		{0, 0, 1, "s"},
		{-90, -180, 3, "000"},
		{-26.1392, 28.246, 0, "k"}, // precision clamps to 1
	}
	for _, c := range cases {
		if got := Geohash(c.lat, c.lon, c.n); got != c.want {
			t.Errorf("Geohash(%v, %v, %d) = %q, want %q", c.lat, c.lon, c.n, got, c.want)
		}
	}
	if got := Geohash(1, 1, 40); len(got) != 12 {
		t.Errorf("precision 40 gave %q, want 12 characters", got)
	}
}

func TestDistanceKm(t *testing.T) {
	t.Parallel()
	// OR Tambo to Cape Town International: about 1,270 km.
	d := DistanceKm(-26.1392, 28.246, -33.9649, 18.6017)
	if d < 1250 || d > 1290 {
		t.Errorf("JNB–CPT %v km, want about 1270", d)
	}
	if d := DistanceKm(-26, 28, -26, 28); d != 0 {
		t.Errorf("same point %v km", d)
	}
	// Symmetric.
	if a, b := DistanceKm(1, 2, 3, 4), DistanceKm(3, 4, 1, 2); math.Abs(a-b) > 1e-9 {
		t.Errorf("%v != %v", a, b)
	}
}

func TestTokensAndCodes(t *testing.T) {
	t.Parallel()
	if got := strings.Join(tokens("Jack Taylor Airfield (Brakpan–Benoni)"), "|"); got != "jack|taylor|airfield|brakpan|benoni" {
		t.Errorf("tokens = %q", got)
	}
	if got := strings.Join(tokens("Ficksburg Sentraoes, K.Z.N. Müller"), "|"); got != "ficksburg|sentraoes|kzn|muller" {
		t.Errorf("tokens = %q", got)
	}
	if got := strings.Join(codeWords("FAGC / cpt, JNB and Pty Ltd A1"), "|"); got != "FAGC|JNB" {
		t.Errorf("codeWords = %q", got)
	}
}

func TestStatedProvinceChoosesAmongNamesakes(t *testing.T) {
	t.Parallel()
	g := mustLoad(t)
	// Middelburg is a town in Mpumalanga and one in the Eastern Cape.
	for _, prov := range []string{"Mpumalanga", "Eastern Cape"} {
		r := g.Geocode(prov, "Middelburg")
		if r.Province != prov {
			t.Errorf("Middelburg with hint %s placed in %s", prov, r.Province)
		}
	}
	// Without a hint it is placed, but not with confidence.
	if r := g.Geocode("", "Middelburg"); r.Confidence > 0.8 {
		t.Errorf("Middelburg without hint: confidence %.2f", r.Confidence)
	}
	// A hint does not move an unambiguous match: the disagreement stays.
	if r := g.Geocode("Western Cape", "Durban"); r.Province != "KwaZulu-Natal" {
		t.Errorf("Durban with hint Western Cape placed in %s", r.Province)
	}
}

func TestProvinceNamesAreNotTowns(t *testing.T) {
	t.Parallel()
	g := mustLoad(t)
	// Mpumalanga is also a town in KwaZulu-Natal; in an address it is the
	// province, and it chooses among the Middelburgs.
	if r := g.Geocode("", "Mpumalanga"); r.Placed() {
		t.Errorf("province name placed as %q", r.Formatted)
	}
	if r := g.Geocode("", "Middelburg Airfield, Mpumalanga"); r.Province != "Mpumalanga" {
		t.Errorf("Middelburg, Mpumalanga placed in %s", r.Province)
	}
	if r := g.Geocode("", "Hangar 2, KZN"); r.Placed() {
		t.Errorf("province alias placed as %q", r.Formatted)
	}
	// A misspelling that resembles a town of another province than the
	// stated one is not a match.
	if r := g.Geocode("Gauteng", "Kestrel Flight Training"); r.Placed() {
		t.Errorf("Kestrel with Gauteng stated placed at %q (%s)", r.Formatted, r.Match)
	}
}

func FuzzGeocode(f *testing.F) {
	for _, c := range aviationLocations {
		f.Add(strings.Join(c.texts, "\x00"), c.hint)
	}
	f.Add("", "")
	f.Add("\xff\xfe FA", "Gauteng")
	g := mustLoad(f)
	f.Fuzz(func(t *testing.T, text, hint string) {
		r := g.Geocode(hint, strings.Split(text, "\x00")...)
		if r.Confidence < 0 || r.Confidence > 1 {
			t.Fatalf("confidence %v", r.Confidence)
		}
		if r.Placed() && (r.Province == "" || CheckLatLon(r.Lat, r.Lon, "ZA") != nil) {
			t.Fatalf("placed without province or at a bad point: %+v", r)
		}
	})
}

// A cell that repeats a name (a pasted column, a hostile input) must cost
// no more candidates than the name once: choose compares every candidate
// with every other, so 150,000 repeats of "durban" in one cell took two
// minutes.
func TestRepeatedWordsGiveOneCandidate(t *testing.T) {
	t.Parallel()
	g := mustLoad(t)
	for _, word := range []string{"Durban", "FAGC", "Virginia Airport", "Durbn"} {
		once, _ := g.candidates("", []string{word})
		many, _ := g.candidates("", []string{strings.Repeat(word+", ", 5000)})
		if len(once) == 0 || len(many) != len(once) {
			t.Errorf("%q: %d candidates once, %d when repeated 5000 times", word, len(once), len(many))
		}
		if a, b := g.Geocode("", word), g.Geocode("", strings.Repeat(word+" ", 5000)); a.Match != b.Match || a.Confidence != b.Confidence {
			t.Errorf("%q: once %s %v, repeated %s %v", word, a.Match, a.Confidence, b.Match, b.Confidence)
		}
	}
}

func TestParsePoint(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in       string
		lat, lon float64
		ok       bool
	}{
		{"-26.1,28.2", -26.1, 28.2, true},
		{" -26.1 , 28.2 ", -26.1, 28.2, true},
		{"-26.1 28.2", -26.1, 28.2, true},
		{"26.1S 28.2E", -26.1, 28.2, true},
		{"26.1s, 28.2e", -26.1, 28.2, true},
		{"26.1° S, 28.2° E", -26.1, 28.2, true},
		{"N 51.5, W 0.12", 51.5, -0.12, true},
		{"28.2E 26.1S", 0, 0, false}, // longitude first
		{"-26.1S 28.2E", 0, 0, false},
		{"26.1 S 28.2 E", 0, 0, false},
		{"NaN,NaN", 0, 0, false},
		{"NaNS, 28E", 0, 0, false},
		{"InfS, 28E", 0, 0, false},
		{"95,28", 0, 0, false},
		{"-26.1", 0, 0, false},
		{"", 0, 0, false},
		{"S, E", 0, 0, false},
	}
	for _, c := range cases {
		lat, lon, ok := ParsePoint(c.in)
		if ok != c.ok || lat != c.lat || lon != c.lon {
			t.Errorf("ParsePoint(%q) = %v, %v, %v; want %v, %v, %v", c.in, lat, lon, ok, c.lat, c.lon, c.ok)
		}
	}
}

func FuzzParsePoint(f *testing.F) {
	for _, s := range []string{"-26.1,28.2", "26.1S 28.2E", "26.1° S, 28.2° E", "NaN,1", "S, E", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lat, lon, ok := ParsePoint(s)
		if !ok {
			if lat != 0 || lon != 0 {
				t.Fatalf("%q: not a point but (%v, %v)", s, lat, lon)
			}
			return
		}
		if CheckLatLon(lat, lon, "") != nil {
			t.Fatalf("%q: read as (%v, %v), which is no point on Earth", s, lat, lon)
		}
		// What FormatPoint writes reads back to the same point.
		if la, lo, ok := ParsePoint(FormatPoint(lat, lon)); !ok || math.Abs(la-lat) > 1e-5 || math.Abs(lo-lon) > 1e-5 {
			t.Fatalf("%q: (%v, %v) formatted and read back as (%v, %v, %v)", s, lat, lon, la, lo, ok)
		}
	})
}

// A stated province may be written as an alias or with "Province": it
// must still choose among namesakes, let misspellings in its province
// through, and agree with a geocode in that province.
func TestStatedProvinceAliases(t *testing.T) {
	t.Parallel()
	g := mustLoad(t)
	cases := []struct{ hint, text, province, match string }{
		{"Mpumalanga Province", "Middelburg", "Mpumalanga", "place:middelburg"},
		{"KZN", "Durbn Flight Centre", "KwaZulu-Natal", "fuzzy:durbn~durban"},
		{"Natal", "Durbn Flight Centre", "KwaZulu-Natal", "fuzzy:durbn~durban"},
		{"Freestate", "Virginia", "Free State", "place:virginia"},
	}
	for _, c := range cases {
		if r := g.Geocode(c.hint, c.text); r.Province != c.province || r.Match != c.match {
			t.Errorf("%q stated, %q: %q %q, want %q %q", c.hint, c.text, r.Province, r.Match, c.province, c.match)
		}
	}
	tab := testTable(t, map[string]*table.Column{
		"address":  stringCol("Virginia Airport, Durban", "Durban", "Grand Central Airport"),
		"province": stringCol("KZN", "Kwazulu Natal", "Gauteng Province"),
		"flags":    stringCol("none", "none", "none"),
	}, "address", "province", "flags")
	out, st, err := g.Apply(context.Background(), tab, TableOptions{Texts: []string{"address"}, Province: "province", Flags: "flags"})
	if err != nil {
		t.Fatal(err)
	}
	if flags := out.ColumnByName("flags").Strings(); st.Mismatch != 0 || strings.Join(flags, ",") != "none,none,none" {
		t.Errorf("%d mismatches, flags %v; the stated provinces agree", st.Mismatch, flags)
	}
}

// Misspellings are looked for among a text's first words only: a long
// text of junk must not be placed because some word in it resembles a
// town.
func TestFuzzyMatchesOnlyTheFirstWords(t *testing.T) {
	t.Parallel()
	g := mustLoad(t)
	if r := g.Geocode("", "Durbn Flight Centre"); r.Match != "fuzzy:durbn~durban" {
		t.Fatalf("a misspelt town at the start: %q", r.Match)
	}
	late := strings.Repeat("zzzzz ", maxFuzzyWords) + "Durbn"
	if r := g.Geocode("", late); r.Placed() {
		t.Errorf("a misspelling after %d words of junk placed as %s", maxFuzzyWords, r.Match)
	}
	// Exact names still count anywhere in the text.
	if r := g.Geocode("", strings.Repeat("zzzzz ", 1000)+"Durban"); r.Match != "place:durban" {
		t.Errorf("a town named after 1000 words: %q", r.Match)
	}
}
