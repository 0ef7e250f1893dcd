package refine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/synth"
)

// withDistance is the aviation profile with a distance comparison on the
// records' geocoded location added to its comparisons.
func withDistance(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "profiles", "aviation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	at := strings.Index(s, "  # A distance comparison")
	if at < 0 || !strings.Contains(s, "geohash(location, 4)") {
		t.Fatal("the aviation profile's linkage section moved; update this test")
	}
	return s[:at] + `    - name: location
      column: location
      levels:
        - {type: null}
        - {type: distance_km, threshold: 5}
        - {type: distance_km, threshold: 50}
        - {type: else}
` + s[at:]
}

// The aviation profile blocks on a geohash of the records' location but
// leaves the distance comparison out; this measures both ways on synthetic
// aviation data (the figures are in the profile's comment) and holds the
// distance variant to the bar entity resolution is held to: at most 3 %
// of rows mixing true organisations.
func TestDistanceLevelOnSyntheticAviation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		seed int64
		orgs int
	}{{1, 200}, {42, 200}, {7, 600}} {
		dir := t.TempDir()
		tr, err := synth.WriteAviationWorkbooks(filepath.Join(dir, "data"), tc.seed, tc.orgs)
		if err != nil {
			t.Fatal(err)
		}
		dist := filepath.Join(dir, "aviation-with-distance.yaml")
		if err := os.WriteFile(dist, []byte(withDistance(t)), 0o644); err != nil {
			t.Fatal(err)
		}
		idx := truthIndex(tr)
		without := figures(t, refineWithProfile(t, dir, "aviation", true), idx)
		with := figures(t, refineWithProfile(t, dir, dist, true), idx)
		t.Logf("seed %d, %d organisations: without distance %d rows, %d mixed, %d of %d merged pairs false; with distance %d rows, %d mixed, %d of %d merged pairs false",
			tc.seed, tr.Organisations, without.rows, without.mixedRows, without.falsePairs, without.pairs, with.rows, with.mixedRows, with.falsePairs, with.pairs)
		if with.mixedRows*100 > with.rows*3 || without.mixedRows*100 > without.rows*3 {
			t.Errorf("seed %d: mixed rows %d of %d with distance, %d of %d without; at most 3 %% allowed", tc.seed, with.mixedRows, with.rows, without.mixedRows, without.rows)
		}
	}
}
