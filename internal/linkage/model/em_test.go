package model

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/settings"
)

func ptr(v float64) *float64 { return &v }

// knownParamsSettings are three two-level comparisons (exact, else) with no
// starting values, as in Splink's test_correctness_of_convergence.
func knownParamsSettings() settings.Settings {
	s := settings.Settings{ProbabilityTwoRandomRecordsMatch: 0.2}
	for _, c := range []string{"col_1", "col_2", "col_3"} {
		s.Comparisons = append(s.Comparisons, settings.Comparison{Column: c, Levels: []settings.Level{
			{Type: settings.Exact}, {Type: settings.Else},
		}})
	}
	return s
}

// TestEMRecoversKnownParameters runs EM on Splink's vectors generated with
// known m and u (index 0 of the file is "else", 1 "exact"; our levels are
// exact then else) and checks that it finds them again.
func TestEMRecoversKnownParameters(t *testing.T) {
	t.Parallel()
	f, err := os.Open("../../../testdata/linkage/splink/known_params_comparison_vectors.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cnt := NewCounter(3, false)
	type row struct {
		v    []uint8
		want float64
	}
	var data []row
	for _, r := range rows[1:] {
		v := make([]uint8, 3)
		for c := 0; c < 3; c++ {
			v[c] = uint8(1 - mustInt(t, r[c])) // file: 1 = exact → our level 0
		}
		cnt.Add(v)
		data = append(data, row{v, mustFloat(t, r[7])})
	}
	if len(data) != 4000 {
		t.Fatalf("read %d vectors, want 4000", len(data))
	}
	s := knownParamsSettings()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	res := EM(cnt.Patterns(), Start(&s), EMConfig{MaxIterations: 200, Tolerance: 1e-5})
	if !res.Converged {
		t.Fatalf("EM did not converge in %d iterations", res.Iterations)
	}
	p := res.Params
	if math.Abs(p.Lambda-0.5)/0.5 > 0.01 {
		t.Errorf("λ = %v, want 0.5 within 1%%", p.Lambda)
	}
	want := []struct{ m, u [2]float64 }{
		{[2]float64{0.7, 0.3}, [2]float64{0.1, 0.9}},
		{[2]float64{0.9, 0.1}, [2]float64{0.025, 0.975}},
		{[2]float64{0.95, 0.05}, [2]float64{0.2, 0.8}},
	}
	for c, w := range want {
		for l := 0; l < 2; l++ {
			got := p.Comparisons[c].Levels[l]
			if math.Abs(got.M-w.m[l]) > 0.01 || math.Abs(got.U-w.u[l]) > 0.01 {
				t.Errorf("col_%d level %d: m %.4f u %.4f, want m %.3f u %.3f (±0.01)", c+1, l, got.M, got.U, w.m[l], w.u[l])
			}
		}
	}
	wts := p.Weights()
	for k, r := range data {
		s := wts.Prior
		for c, l := range r.v {
			s += wts.BF[c][l]
		}
		if got := Probability(s); math.Abs(got-r.want)/r.want > 0.01 {
			t.Errorf("row %d: match probability %v, want %v within 1%%", k+2, got, r.want)
			break
		}
	}
}

func TestEMReportsNonConvergence(t *testing.T) {
	t.Parallel()
	cnt := NewCounter(2, false)
	for _, v := range [][]uint8{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 0}, {1, 1}} {
		cnt.Add(v)
	}
	s := knownParamsSettings()
	s.Comparisons = s.Comparisons[:2]
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	res := EM(cnt.Patterns(), Start(&s), EMConfig{MaxIterations: 1, Tolerance: 1e-12})
	if res.Converged || res.Iterations != 1 || res.MaxChange < 1e-12 {
		t.Fatalf("got converged=%v after %d iterations (change %g), want a reported non-convergence", res.Converged, res.Iterations, res.MaxChange)
	}
}

func TestEMKeepsInactiveAndFixedParameters(t *testing.T) {
	t.Parallel()
	cnt := NewCounter(2, false)
	for _, v := range [][]uint8{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {0, 0}, {0, 0}} {
		cnt.Add(v)
	}
	s := knownParamsSettings()
	s.Comparisons = s.Comparisons[:2]
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	start := Start(&s)
	res := EM(cnt.Patterns(), start, EMConfig{MaxIterations: 5, Tolerance: 1e-9, FixU: true, Inactive: []bool{true, false}})
	if res.Params.Comparisons[0].Levels[0] != start.Comparisons[0].Levels[0] {
		t.Errorf("inactive comparison changed: %+v", res.Params.Comparisons[0].Levels[0])
	}
	for l, lp := range res.Params.Comparisons[1].Levels {
		if lp.U != start.Comparisons[1].Levels[l].U {
			t.Errorf("fixed u changed at level %d: %v", l, lp.U)
		}
		if lp.M == start.Comparisons[1].Levels[l].M {
			t.Errorf("m of the active comparison did not move at level %d", l)
		}
	}
}

func TestProbabilityIsStable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ w, want float64 }{
		{0, 0.5}, {1, 2.0 / 3}, {-1, 1.0 / 3}, {2000, 1}, {-2000, 0}, {-1074, math.Exp2(-1074)},
	} {
		got := Probability(tc.w)
		if math.IsNaN(got) || math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("Probability(%v) = %v, want %v", tc.w, got, tc.want)
		}
	}
}

func mustInt(t *testing.T, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestModelRoundTrip(t *testing.T) {
	t.Parallel()
	s := knownParamsSettings()
	s.Comparisons[0].Levels[0].MProbability = ptr(0.8)
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	m := &Model{Settings: s, Params: Start(&s), TFTables: map[string]map[string]float64{"col_1": {"a": 0.25}}}
	m.Params.Comparisons[1].Levels[0].M = 0.123456789
	path := t.TempDir() + "/model.json"
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Params.Comparisons[1].Levels[0].M != 0.123456789 || got.TFTables["col_1"]["a"] != 0.25 ||
		*got.Settings.Comparisons[0].Levels[0].MProbability != 0.8 || got.Params.Lambda != 0.2 {
		t.Errorf("round trip lost values: %+v", got)
	}
	bad := *got
	bad.Params = got.Params.Clone()
	bad.Params.Comparisons = bad.Params.Comparisons[:2]
	data, err := bad.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(data); err == nil {
		t.Error("a model whose parameters do not fit its settings was accepted")
	}
}

func TestFloorM(t *testing.T) {
	t.Parallel()
	lv := func(ms ...float64) []LevelParams {
		out := []LevelParams{{Label: "null", Null: true}}
		for _, m := range ms {
			out = append(out, LevelParams{M: m, U: 0.5})
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		floor float64
		m     []float64
		want  []float64
	}{
		{"else far below the floor", 1e-3, []float64{0.9, 0.1 - 3e-14, 3e-14}, []float64{0.9 - 0.9/0.998*1e-3 + 1e-3*1e-3/0.998, 0.1 - 0.1/0.998*1e-3 + 1e-3*1e-3/0.998, 1e-3}},
		{"all above the floor", 1e-3, []float64{0.7, 0.3}, []float64{0.7, 0.3}},
		{"two levels below", 0.1, []float64{0.96, 0.02, 0.02}, []float64{0.8, 0.1, 0.1}},
		{"floor unreachable", 0.6, []float64{0.5, 0.5}, []float64{0.5, 0.5}},
		{"no floor", 0, []float64{1, 0}, []float64{1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := Params{Lambda: 0.1, Comparisons: []ComparisonParams{{Name: "c", Levels: lv(tc.m...)}}}
			p.FloorM(tc.floor)
			var sum float64
			for l, lp := range p.Comparisons[0].Levels[1:] {
				sum += lp.M
				if math.Abs(lp.M-tc.want[l]) > 1e-12 {
					t.Errorf("level %d: m %g, want %g", l+1, lp.M, tc.want[l])
				}
				if lp.U != 0.5 {
					t.Errorf("level %d: u changed to %g", l+1, lp.U)
				}
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("m sums to %g, want 1", sum)
			}
			if p.Comparisons[0].Levels[0].M != 0 {
				t.Errorf("null level got m %g", p.Comparisons[0].Levels[0].M)
			}
		})
	}
}

// A neutral level is left out of estimation as the null level is: EM
// never gives it an m or a u, it weighs 0, and the levels that do weigh
// share m and u among themselves.
func TestEMLeavesNeutralLevelsOut(t *testing.T) {
	t.Parallel()
	s := knownParamsSettings()
	s.Comparisons = s.Comparisons[:2]
	s.Comparisons[1].Levels = []settings.Level{
		{Type: settings.Null},
		{Type: settings.DistanceKm, Threshold: 50, Neutral: true},
		{Type: settings.DistanceKm, Threshold: 100},
		{Type: settings.Else},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	cnt := NewCounter(2, false)
	for _, v := range [][]uint8{{0, 1}, {0, 1}, {0, 2}, {0, 1}, {1, 3}, {1, 3}, {1, 2}, {0, 0}, {1, 1}} {
		cnt.Add(v)
	}
	start := Start(&s)
	if lp := start.Comparisons[1].Levels[1]; !lp.Null || lp.M != 0 || lp.U != 0 {
		t.Fatalf("start of the neutral level %+v, want no evidence", lp)
	}
	res := EM(cnt.Patterns(), start, EMConfig{MaxIterations: 50, Tolerance: 1e-9})
	levels := res.Params.Comparisons[1].Levels
	if levels[1] != start.Comparisons[1].Levels[1] {
		t.Errorf("EM changed the neutral level: %+v", levels[1])
	}
	if m, u := levels[2].M+levels[3].M, levels[2].U+levels[3].U; math.Abs(m-1) > 1e-9 || math.Abs(u-1) > 1e-9 {
		t.Errorf("m and u of the weighing levels sum to %v and %v, want 1", m, u)
	}
	w := res.Params.Weights()
	if w.BF[1][1] != 0 || w.BF[1][0] != 0 {
		t.Errorf("weights of the null and neutral levels %v and %v, want 0", w.BF[1][0], w.BF[1][1])
	}
	if w.BF[1][3] >= 0 {
		t.Errorf("\"farther than 100 km\" weighs %v, want evidence against a match", w.BF[1][3])
	}
}
