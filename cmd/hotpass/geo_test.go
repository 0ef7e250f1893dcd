package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestGeoClusters(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"geo_clusters_located", []string{"--input", "testdata/geo/located.csv", "--radius-km", "5"}, exitOK},
		{"geo_clusters_geocoded", []string{"--input", "testdata/geo/addresses.csv", "--radius-km", "30"}, exitOK},
		{"geo_clusters_bad_radius", []string{"--input", "testdata/geo/located.csv", "--radius-km", "-1"}, exitInvalid},
		{"geo_clusters_nan_radius", []string{"--input", "testdata/geo/located.csv", "--radius-km", "NaN"}, exitInvalid},
		{"geo_clusters_infinite_radius", []string{"--input", "testdata/geo/located.csv", "--radius-km", "Inf"}, exitInvalid},
		{"geo_clusters_unknown_label", []string{"--input", "testdata/geo/located.csv", "--radius-km", "5", "--label", "nmae"}, exitInvalid},
		{"geo_clusters_bad_country", []string{"--input", "testdata/geo/addresses.csv", "--radius-km", "5", "--country", "XX"}, exitInvalid},
		{"geo_clusters_missing_input", []string{"--input", "testdata/geo/nope.csv", "--radius-km", "5"}, exitFailed},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := cli(t, append([]string{"geo", "clusters"}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s\n%s", code, c.code, stdout, stderr)
			}
			golden(t, c.name, transcript(stdout, stderr, code))
		})
	}
}

// geoClustersJSON runs geo clusters with args and --format json and
// decodes its result.
func geoClustersJSON(t *testing.T, args ...string) geoClustersResult {
	t.Helper()
	stdout, stderr, code := cli(t, append(append([]string{"geo", "clusters"}, args...), "--format", "json")...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res geoClustersResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestGeoClustersJSON(t *testing.T) {
	t.Parallel()
	res := geoClustersJSON(t, "--input", "testdata/geo/located.csv", "--radius-km", "30")
	// The Johannesburg three (Grand Central 25 km from Germiston), the
	// Cape Town two; the row without coordinates and the swapped one are
	// not located.
	if res.Rows != 7 || res.Located != 5 || res.Unplaced != 2 || res.BadCoordinates != 1 || len(res.Clusters) != 2 {
		t.Fatalf("%+v", res)
	}
	if c := res.Clusters[0]; c.Size != 3 || c.Province != "Gauteng" || c.Members[0] != "Germiston Aero Club" {
		t.Errorf("largest cluster %+v", c)
	}
	if c := res.Clusters[1]; c.Size != 2 || c.Province != "Western Cape" {
		t.Errorf("second cluster %+v", c)
	}
}

// Clusters of one size whose first members share a name (four offices of
// one company in four towns) are listed in row order, the same on every
// run; they used to come out in the order of a map's iteration.
func TestGeoClustersTiesKeepRowOrder(t *testing.T) {
	t.Parallel()
	want := []string{"Durban", "Cape Town", "Pretoria", "Kimberley", "Johannesburg"}
	for run := 0; run < 10; run++ {
		res := geoClustersJSON(t, "--input", "testdata/geo/ties.csv", "--radius-km", "5")
		var got []string
		for _, c := range res.Clusters {
			got = append(got, c.Area)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("run %d: clusters in %v, want %v", run+1, got, want)
		}
	}
}

// Labels come from the data: printed raw, an escape sequence in an
// organisation's name would act on the reader's terminal and a tab or a
// bidirectional override would scramble the listing.
func TestGeoClustersQuotesHostileLabels(t *testing.T) {
	t.Parallel()
	names := []string{"Evil\x1b]0;owned\x07 Air", "Tab\tAir", "\u202eriA lakceH", "Plain Air"}
	var data strings.Builder
	w := csv.NewWriter(&data)
	_ = w.Write([]string{"organization_name", "latitude", "longitude"})
	for i, n := range names {
		// A degree apart: one cluster each, so every label is listed.
		_ = w.Write([]string{n, fmt.Sprint(-23 - i), "28.04"})
	}
	w.Flush()
	path := filepath.Join(t.TempDir(), "hostile.csv")
	if err := os.WriteFile(path, []byte(data.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cli(t, "geo", "clusters", "--input", path, "--radius-km", "5", "--label", "organization_name")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if i := strings.IndexFunc(stdout, func(r rune) bool { return r != '\n' && !unicode.IsPrint(r) }); i >= 0 || !utf8.ValidString(stdout) {
		t.Errorf("listing carries a control character or invalid UTF-8 at byte %d:\n%q", i, stdout)
	}
	for _, want := range []string{`"Evil\x1b]0;owned\a Air"`, `"Tab\tAir"`, `"\u202eriA lakceH"`, "Plain Air"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("listing lacks %s:\n%s", want, stdout)
		}
	}
}

// Coordinates with their hemisphere are located; written coordinates that
// cannot be read, or half a pair, are bad, not merely missing.
func TestGeoClustersCountsUnreadableCoordinates(t *testing.T) {
	t.Parallel()
	res := geoClustersJSON(t, "--input", "testdata/geo/coordinates.csv", "--radius-km", "5")
	if res.Rows != 4 || res.Located != 1 || res.Unplaced != 3 || res.BadCoordinates != 2 {
		t.Errorf("%d rows, %d located, %d unplaced, %d bad; want 4, 1, 3, 2", res.Rows, res.Located, res.Unplaced, res.BadCoordinates)
	}
	if len(res.Clusters) != 1 || res.Clusters[0].Province != "Gauteng" {
		t.Errorf("clusters %+v, want Hemisphere Air's in Gauteng", res.Clusters)
	}
}
