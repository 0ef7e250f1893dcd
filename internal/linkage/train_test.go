package linkage

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/records"
)

// With training.u_exclude_deterministic, u counts only the random pairs
// the deterministic rules do not find; the people table is small enough
// for every pair to be sampled, so the shares are exact.
func TestTrainExcludesDeterministicPairsFromU(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                   string
		exclude                bool
		sampled, excluded      int64
		uNameExact, uCityExact float64
		nameExactNotSeen       bool
	}{
		// Names are non-null on records 1-6 (15 pairs): anna/anna and
		// bob/bob agree. Cities agree on 4 of the same 15 pairs.
		{name: "all pairs", sampled: 21, uNameExact: 2.0 / 15, uCityExact: 4.0 / 15},
		// name + city finds anna/anna and bob/bob, which leaves no pair
		// with the same name (u falls back to 1/(2·13)) and 2 of 13 in
		// one city.
		{name: "without the deterministic rules' pairs", exclude: true, sampled: 19, excluded: 2,
			uNameExact: 1.0 / 26, uCityExact: 2.0 / 13, nameExactNotSeen: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := simpleSettings()
			s.ProbabilityTwoRandomRecordsMatch = 0
			s.Training.DeterministicRules = []string{"name + city"}
			s.Training.UExcludeDeterministic = tc.exclude
			l := mustLinker(t, s, records.Input{Name: "people", Table: peopleTable(t, people...)})
			res, err := l.Train(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.USampledPairs != tc.sampled || res.UExcludedPairs != tc.excluded {
				t.Errorf("u from %d pairs, %d left out; want %d and %d", res.USampledPairs, res.UExcludedPairs, tc.sampled, tc.excluded)
			}
			if res.DeterministicPairs != 2 {
				t.Errorf("deterministic rules found %d pairs, want 2", res.DeterministicPairs)
			}
			p := l.Params()
			if u := p.Comparisons[0].Levels[1].U; math.Abs(u-tc.uNameExact) > 1e-12 {
				t.Errorf("u(name exact) %g, want %g", u, tc.uNameExact)
			}
			if u := p.Comparisons[1].Levels[1].U; math.Abs(u-tc.uCityExact) > 1e-12 {
				t.Errorf("u(city exact) %g, want %g", u, tc.uCityExact)
			}
			warned := false
			for _, w := range res.Warnings {
				warned = warned || (strings.Contains(w, `comparison "name" level "exact": not seen in 19 random pairs`))
			}
			if warned != tc.nameExactNotSeen {
				t.Errorf("warnings %q: want a name exact not-seen warning: %v", res.Warnings, tc.nameExactNotSeen)
			}
		})
	}
}

// training.min_m_probability keeps every trained m at or above it, each
// comparison's m still summing to 1; without it EM leaves some below.
func TestTrainFloorsM(t *testing.T) {
	t.Parallel()
	const floor = 0.05
	below := func(floorM float64) (int, []string) {
		s := simpleSettings()
		s.Training.MinMProbability = floorM
		l := mustLinker(t, s, records.Input{Name: "people", Table: peopleTable(t, people...)})
		if _, err := l.Train(context.Background()); err != nil {
			t.Fatal(err)
		}
		n := 0
		var problems []string
		for _, cp := range l.Params().Comparisons {
			var sum float64
			for _, lp := range cp.Levels {
				if lp.Null {
					continue
				}
				sum += lp.M
				if lp.M < floor-1e-12 {
					n++
				}
			}
			if math.Abs(sum-1) > 1e-9 {
				problems = append(problems, cp.Name)
			}
		}
		return n, problems
	}
	if n, bad := below(0); n == 0 || len(bad) > 0 {
		t.Errorf("without a floor: %d levels with m below %g (want some), m not summing to 1 in %v", n, floor, bad)
	}
	if n, bad := below(floor); n > 0 || len(bad) > 0 {
		t.Errorf("with min_m_probability %g: %d levels below it, m not summing to 1 in %v", floor, n, bad)
	}
}
