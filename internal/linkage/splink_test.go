package linkage

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

func p(v float64) *float64 { return &v }

// basicSettings reconstructs the model of Splink's tests/basic_settings.py
// as far as the splink2 fixtures show it: λ = 0.3 (iteration 0 of the λ
// history); first_name exact (m 0.7, u 0.1, term-frequency adjusted with
// weight 0.6), Levenshtein ≤ 2 (0.2, 0.1), else (0.1, 0.8); dob, city and
// email exact (0.9, 0.1) and else (0.1, 0.9) (iteration 0 of the m/u
// history). Splink 2 gave nulls level −1, which carries no evidence: here
// that is a leading null level.
func basicSettings() settings.Settings {
	exactElse := func(col string) settings.Comparison {
		return settings.Comparison{Column: col, Levels: []settings.Level{
			{Type: settings.Null},
			{Type: settings.Exact, MProbability: p(0.9), UProbability: p(0.1)},
			{Type: settings.Else, MProbability: p(0.1), UProbability: p(0.9)},
		}}
	}
	return settings.Settings{
		ProbabilityTwoRandomRecordsMatch: 0.3,
		Comparisons: []settings.Comparison{
			{Column: "first_name", Levels: []settings.Level{
				{Type: settings.Null},
				{Type: settings.Exact, MProbability: p(0.7), UProbability: p(0.1), TFAdjustmentColumn: "first_name", TFAdjustmentWeight: 0.6},
				{Type: settings.Levenshtein, Threshold: 2, MProbability: p(0.2), UProbability: p(0.1)},
				{Type: settings.Else, MProbability: p(0.1), UProbability: p(0.8)},
			}},
			exactElse("dob"), exactElse("city"), exactElse("email"),
		},
		BlockingRules: []string{"surname"},
	}
}

func splinkDemo(t *testing.T) *Linker {
	tb := readCSV(t, testdata+"splink/fake_1000_from_splink_demos.csv", ',', false)
	return mustLinker(t, basicSettings(), records.Input{Name: "fake_1000", Table: tb})
}

func readFixture(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(testdata + "splink/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for k, h := range rows[0] {
			m[h] = r[k]
		}
		out = append(out, m)
	}
	return out
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSplink479vs481 reproduces Splink's score of the pair (479, 481),
// including the term-frequency adjustment of first_name.
func TestSplink479vs481(t *testing.T) {
	t.Parallel()
	l := splinkDemo(t)
	want := readFixture(t, "splink2_479_vs_481.csv")[0]
	i, ok1 := l.Lookup("fake_1000", want["unique_id_l"])
	j, ok2 := l.Lookup("fake_1000", want["unique_id_r"])
	if !ok1 || !ok2 {
		t.Fatal("records 479 and 481 not found")
	}
	w, vec := l.Score(i, j)
	// Levels: first_name exact (1), dob exact (1), city else (2), email else (2).
	if vec[0] != 1 || vec[1] != 1 || vec[2] != 2 || vec[3] != 2 {
		t.Errorf("comparison vector %v, want [1 1 2 2]", vec)
	}
	if mw := num(t, want["match_weight"]); math.Abs(w-mw) > 1e-12 {
		t.Errorf("match weight %.16f, want %.16f", w, mw)
	}
	if mp := num(t, want["match_probability"]); math.Abs(model.Probability(w)-mp) > 1e-12 {
		t.Errorf("match probability %.16f, want %.16f", model.Probability(w), mp)
	}
	tfBF := math.Pow(2, 0.6*(math.Log2(0.1)-l.Engine().TF(0, 1).LogTF[i]))
	if want := num(t, want["bf_tf_adj_first_name"]); math.Abs(tfBF-want) > 1e-12 {
		t.Errorf("term-frequency Bayes factor %v, want %v", tfBF, want)
	}
}

// TestSplinkEMHistory reproduces the first EM iterations of Splink 2 on
// pairs blocked by surname, with u fixed and with u estimated.
func TestSplinkEMHistory(t *testing.T) {
	t.Parallel()
	l := splinkDemo(t)
	pat, err := l.Patterns(context.Background(), []string{"surname"})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{"first_name": 0, "dob": 1, "city": 2, "email": 3}
	for _, tc := range []struct {
		suffix string
		fixU   bool
	}{{"fixed_u", true}, {"no_fix", false}} {
		res := model.EM(pat, l.Params(), model.EMConfig{MaxIterations: 2, Tolerance: 0, FixU: tc.fixU, KeepHistory: true, TFWeight: l.TFWeights()})
		for _, r := range readFixture(t, "splink2_proportion_of_matches_history_"+tc.suffix+".csv") {
			it := int(num(t, r["iteration"]))
			if got, want := res.History[it].Lambda, num(t, r["λ"]); math.Abs(got-want) > 1e-12 {
				t.Errorf("%s iteration %d: λ %.12f, want %.12f", tc.suffix, it, got, want)
			}
		}
		for _, r := range readFixture(t, "splink2_m_u_history_"+tc.suffix+".csv") {
			it := int(num(t, r["iteration"]))
			c := names[r["column_name"]]
			// Splink 2 numbers levels from else (0) upwards; ours run from
			// the null level down to else.
			lv := l.Engine().NumLevels(c) - 1 - int(num(t, r["gamma_index"]))
			got := res.History[it].Comparisons[c].Levels[lv]
			if math.Abs(got.M-num(t, r["m_probability"])) > 1e-12 || math.Abs(got.U-num(t, r["u_probability"])) > 1e-12 {
				t.Errorf("%s iteration %d %s %s: m %.12f u %.12f, want m %s u %s", tc.suffix, it, r["column_name"], r["level_name"],
					got.M, got.U, r["m_probability"], r["u_probability"])
			}
		}
	}
}
