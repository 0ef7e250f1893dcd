package refine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/synth"
)

// withoutDistance is the aviation profile with its location comparison
// taken out, so that neither linkage nor settling looks at distance.
func withoutDistance(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "profiles", "aviation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	from := strings.Index(s, "    # Where the record is:")
	to := strings.Index(s, "  # Candidate pairs:")
	if from < 0 || to < from || !strings.Contains(s[from:to], "type: distance_km") {
		t.Fatal("the aviation profile's location comparison moved; update this test")
	}
	return s[:from] + s[to:]
}

// The aviation profile compares the records' geocoded locations: "near"
// is neutral and "far" weighs against a match. On synthetic aviation data
// this must leave fewer rows mixing true organisations than the same
// profile without the comparison (no seed worse, fewer in all), and hold
// the bar entity resolution is held to: at most 3 % of rows mixed.
func TestDistanceLevelOnSyntheticAviation(t *testing.T) {
	t.Parallel()
	var with, without mergeFigures
	for _, tc := range []struct {
		seed int64
		orgs int
	}{{1, 200}, {42, 200}, {7, 600}, {3, 400}, {11, 400}, {5, 800}} {
		dir := t.TempDir()
		tr, err := synth.WriteAviationWorkbooks(filepath.Join(dir, "data"), tc.seed, tc.orgs)
		if err != nil {
			t.Fatal(err)
		}
		plain := filepath.Join(dir, "aviation-without-distance.yaml")
		if err := os.WriteFile(plain, []byte(withoutDistance(t)), 0o644); err != nil {
			t.Fatal(err)
		}
		idx := truthIndex(tr)
		w := figures(t, refineWithProfile(t, dir, "aviation", true), idx)
		wo := figures(t, refineWithProfile(t, dir, plain, true), idx)
		t.Logf("seed %d, %d organisations: with distance %d rows, %d mixed, %d of %d merged pairs false; without %d rows, %d mixed, %d of %d merged pairs false",
			tc.seed, tr.Organisations, w.rows, w.mixedRows, w.falsePairs, w.pairs, wo.rows, wo.mixedRows, wo.falsePairs, wo.pairs)
		if w.mixedRows > wo.mixedRows {
			t.Errorf("seed %d: %d mixed rows with distance, %d without", tc.seed, w.mixedRows, wo.mixedRows)
		}
		if w.mixedRows*100 > w.rows*3 {
			t.Errorf("seed %d: %d of %d rows mixed with distance; at most 3 %% allowed", tc.seed, w.mixedRows, w.rows)
		}
		with.rows += w.rows
		with.mixedRows += w.mixedRows
		without.rows += wo.rows
		without.mixedRows += wo.mixedRows
	}
	t.Logf("all seeds: with distance %d rows, %d mixed; without %d rows, %d mixed", with.rows, with.mixedRows, without.rows, without.mixedRows)
	if with.mixedRows >= without.mixedRows {
		t.Errorf("%d mixed rows with distance, %d without: the distance comparison must leave fewer", with.mixedRows, without.mixedRows)
	}
}
