package linkage

import (
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/evaluate"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// twoInputs returns a link_only linker over inputs of sizes na and nb (ids
// only), enough for one_to_one, which looks at record sources alone.
func twoInputs(t *testing.T) *Linker {
	t.Helper()
	s := simpleSettings()
	s.LinkType, s.OneToOne = settings.LinkOnly, true
	s.MatchThreshold, s.ReviewThreshold = 0.9, 0.5
	a := peopleTable(t, people[:3]...)
	b := peopleTable(t, people[3:6]...)
	return mustLinker(t, s, records.Input{Name: "a", Table: a}, records.Input{Name: "b", Table: b})
}

func TestOneToOne(t *testing.T) {
	t.Parallel()
	w := settings.MatchWeightThreshold
	tests := []struct {
		name      string
		pairs     []ScoredPair
		displaced []bool
	}{
		{"best pair first", []ScoredPair{{I: 0, J: 3, Weight: w(0.95)}, {I: 0, J: 4, Weight: w(0.99)}, {I: 1, J: 4, Weight: w(0.97)}},
			[]bool{true, false, true}},
		{"review pairs are left alone", []ScoredPair{{I: 0, J: 3, Weight: w(0.99)}, {I: 0, J: 4, Weight: w(0.6)}},
			[]bool{false, false}},
		{"ties go to the lower record numbers", []ScoredPair{{I: 1, J: 3, Weight: w(0.95)}, {I: 0, J: 3, Weight: w(0.95)}},
			[]bool{true, false}},
		{"disjoint pairs all stay", []ScoredPair{{I: 0, J: 3, Weight: w(0.95)}, {I: 1, J: 4, Weight: w(0.95)}, {I: 2, J: 5, Weight: w(0.91)}},
			[]bool{false, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := twoInputs(t)
			pred := &Prediction{Pairs: append([]ScoredPair(nil), tc.pairs...), matchW: w(0.9), reviewW: w(0.5)}
			want := 0
			for _, p := range tc.pairs {
				if p.Weight >= pred.matchW {
					pred.Matches++
				}
			}
			matches := pred.Matches
			for k, d := range tc.displaced {
				if d {
					want++
				}
				if got := pred.Pairs[k].Displaced; got {
					t.Fatalf("pair %d displaced before one_to_one ran", k)
				}
			}
			if got := l.oneToOne(pred); got != want {
				t.Errorf("displaced %d pairs, want %d", got, want)
			}
			for k, d := range tc.displaced {
				if pred.Pairs[k].Displaced != d {
					t.Errorf("pair %d displaced %v, want %v", k, pred.Pairs[k].Displaced, d)
				}
				if d && pred.Class(k) != Review {
					t.Errorf("displaced pair %d is %v, want review (there is a review band)", k, pred.Class(k))
				}
			}
			if pred.Matches != matches-int64(want) || len(pred.MatchPairs()) != int(pred.Matches) {
				t.Errorf("matches %d (%d match pairs), want %d", pred.Matches, len(pred.MatchPairs()), matches-int64(want))
			}
		})
	}
}

// TestOneToOneDBLPACM checks that one_to_one lifts precision on DBLP-ACM,
// where each paper appears at most once in each source.
func TestOneToOneDBLPACM(t *testing.T) {
	if raceEnabled {
		t.Skip("accuracy runs take minutes under the race detector; run go test without -race")
	}
	var tc accuracyCase
	for _, c := range accuracyCases {
		if c.name == "dblp_acm" {
			tc = c
		}
	}
	inputs, truth := tc.load(t)
	s := loadSettings(t, examples+tc.config)
	score := func(oneToOne bool) (evaluate.Scores, *Prediction) {
		s := s
		s.OneToOne = oneToOne
		_, pred := trainPredict(t, mustLinker(t, s, inputs...))
		sc, err := evaluate.Pairs(pred.MatchPairs(), truth)
		if err != nil {
			t.Fatal(err)
		}
		return sc, pred
	}
	base, _ := score(false)
	one, pred := score(true)
	t.Logf("match threshold %g: without one_to_one %v; with one_to_one %v (%d pairs displaced)", s.MatchThreshold, base, one, pred.Displaced)
	if one.Precision <= base.Precision {
		t.Errorf("one_to_one precision %.4f, want above %.4f", one.Precision, base.Precision)
	}
	if one.F1 < tc.minF1 || one.F1 < base.F1 {
		t.Errorf("one_to_one F1 %.4f, want at least %.3f and at least %.4f without it", one.F1, tc.minF1, base.F1)
	}
}
