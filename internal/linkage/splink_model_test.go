package linkage

import (
	"context"
	"encoding/csv"
	"flag"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/evaluate"
	"github.com/hotpass/hotpass/internal/linkage/linktest"
	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/linkage/splink"
)

var update = flag.Bool("update", false, "rewrite the exported Splink model golden files")

const splinkModels = testdata + "splink_models/"

// fake1000 is Splink's fake_1000 dataset, all columns as text.
func fake1000(t testing.TB) records.Input {
	return records.Input{Name: "fake_1000", Table: readCSV(t, testdata+"fake_1000/fake_1000.csv", ',', false)}
}

func importSplink(t testing.TB, path string) settings.Settings {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := splink.Import(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// scored is one pair's comparison vector and weight, keyed by the pair's
// unique ids in text order.
type scored struct {
	vec    []uint8
	weight float64
}

type idPair struct{ l, r string }

func orderedIDs(a, b string) idPair {
	if b < a {
		a, b = b, a
	}
	return idPair{a, b}
}

// predictAll scores every blocked pair, keeping all of them.
func predictAll(t testing.TB, l *Linker) map[idPair]scored {
	t.Helper()
	pred, err := l.Predict(context.Background(), PredictOptions{MinProbability: -1, KeepVectors: true})
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[idPair]scored, len(pred.Pairs))
	recs := l.Records()
	// Records of several inputs are input/id, as the golden files write them.
	id := func(i int32) string {
		if recs.NumInputs() == 1 {
			return recs.ID(int(i))
		}
		return recs.InputName(recs.Source(int(i))) + "/" + recs.ID(int(i))
	}
	for k, p := range pred.Pairs {
		out[orderedIDs(id(p.I), id(p.J))] = scored{vec: append([]uint8(nil), pred.Vector(k)...), weight: p.Weight}
	}
	return out
}

// checkAgainstDuckDB compares every pair with the scores
// bench/duckdb/splink_golden.mjs computed in DuckDB from the Splink model's
// own SQL: the same pairs, the same levels, weight and probability to 1e-9.
func checkAgainstDuckDB(t *testing.T, got map[idPair]scored, golden string) {
	t.Helper()
	f, err := os.Open(golden)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", golden, err)
	}
	header := rows[0]
	nc := len(header) - 4
	if len(rows)-1 != len(got) {
		t.Errorf("%s: DuckDB blocked %d pairs, Hotpass %d", golden, len(rows)-1, len(got))
	}
	for n, row := range rows[1:] {
		line := n + 2
		p := orderedIDs(row[0], row[1])
		s, ok := got[p]
		if !ok {
			t.Errorf("%s:%d: pair %v blocked by DuckDB but not by Hotpass", golden, line, p)
			continue
		}
		for c := 0; c < nc; c++ {
			if want := row[2+c]; strconv.Itoa(int(s.vec[c])) != want {
				t.Errorf("%s:%d: pair %v %s = %d, DuckDB %s", golden, line, p, header[2+c], s.vec[c], want)
			}
		}
		mw, err1 := strconv.ParseFloat(row[2+nc], 64)
		mp, err2 := strconv.ParseFloat(row[3+nc], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s:%d: bad number: %v %v", golden, line, err1, err2)
		}
		if math.Abs(s.weight-mw) > 1e-9 {
			t.Errorf("%s:%d: pair %v match weight %.15g, DuckDB %.15g", golden, line, p, s.weight, mw)
		}
		if prob := model.Probability(s.weight); math.Abs(prob-mp) > 1e-9 {
			t.Errorf("%s:%d: pair %v match probability %.15g, DuckDB %.15g", golden, line, p, prob, mp)
		}
	}
}

// TestSplinkParity runs Splink's own models, imported as they are, on
// fake_1000 (the data saved_model_from_demo.json was trained on and whose
// columns real_time_settings.json compares) and checks every blocked pair
// against DuckDB. dates_model.json adds the date levels Splink's
// DateOfBirthComparison writes (try_strptime null level, EPOCH
// differences), SUBSTR blocking and a term-frequency floor.
// neutral_level_model.json is the demo model with its dob Levenshtein
// level marked is_null_level: a neutral level, weighing nothing in both.
func TestSplinkParity(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"saved_model_from_demo", "real_time_settings", "dates_model", "neutral_level_model"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := mustLinker(t, importSplink(t, splinkModels+name+".json"), fake1000(t))
			checkAgainstDuckDB(t, predictAll(t, l), splinkModels+name+"_fake_1000_scores.csv")
		})
	}
}

// TestSplinkParityLinkOnly runs a link_only model in Splink's form
// (written by hand: date levels on YYYYMMDD text, several similarity
// functions, term-frequency weights below 1) on FEBRL4's two files:
// only pairs across the files, term frequencies over both.
func TestSplinkParityLinkOnly(t *testing.T) {
	t.Parallel()
	a := readCSV(t, testdata+"febrl/febrl_dataset4a.csv", ',', true)
	b := readCSV(t, testdata+"febrl/febrl_dataset4b.csv", ',', true)
	l := mustLinker(t, importSplink(t, splinkModels+"febrl4_link_only.json"),
		records.Input{Name: "febrl_dataset4a", Table: a}, records.Input{Name: "febrl_dataset4b", Table: b})
	checkAgainstDuckDB(t, predictAll(t, l), splinkModels+"febrl4_link_only_febrl4_scores.csv")
}

// TestSplinkRoundTrip imports a Splink model, exports it and imports the
// export: both imports give the same settings and every pair the same
// score.
func TestSplinkRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"saved_model_from_demo", "real_time_settings", "dates_model"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			first := mustLinker(t, importSplink(t, splinkModels+name+".json"), fake1000(t))
			data, err := splink.Export(first.Model())
			if err != nil {
				t.Fatal(err)
			}
			s2, err := splink.Import(data)
			if err != nil {
				t.Fatalf("import of the export: %v\n%s", err, data)
			}
			second := mustLinker(t, s2, fake1000(t))
			a, b := predictAll(t, first), predictAll(t, second)
			if len(a) != len(b) {
				t.Fatalf("%d pairs before the round trip, %d after", len(a), len(b))
			}
			for p, x := range a {
				y, ok := b[p]
				if !ok || x.weight != y.weight || string(x.vec) != string(y.vec) {
					t.Errorf("pair %v: %v %.17g before, %v %.17g after", p, x.vec, x.weight, y.vec, y.weight)
				}
			}
		})
	}
}

// nativeFake1000 is a Hotpass configuration for fake_1000 with levels that
// Splink can express; the model it trains is exported and scored by DuckDB.
const nativeFake1000 = `
comparisons:
  - column: first_name
    levels:
      - {type: null}
      - {type: exact, tf_adjustment_column: first_name}
      - {type: jaro_winkler, threshold: 0.9}
      - {type: else}
  - column: surname
    levels:
      - {type: null}
      - {type: exact, tf_adjustment_column: surname}
      - {type: damerau_levenshtein, threshold: 1}
      - {type: jaro, threshold: 0.8}
      - {type: else}
  - column: dob
    levels:
      - {type: null}
      - {type: exact}
      - {type: levenshtein, threshold: 1}
      - {type: else}
  - column: city
    levels:
      - {type: null}
      - {type: exact, tf_adjustment_column: city, tf_adjustment_weight: 0.5}
      - {type: else}
  - column: email
    levels:
      - {type: null}
      - {type: exact}
      - {type: exact, regex: "^[^@]+", label: username}
      - {type: else}
blocking_rules: ["first_name + city", "surname", "dob", "substr(email, 4)"]
training:
  blocking_rules: ["first_name + surname", "dob"]
  deterministic_rules: ["first_name + surname + dob"]
  recall: 0.8
  seed: 7
`

// TestSplinkExportScoredByDuckDB trains a Hotpass model on fake_1000,
// exports it, and checks that DuckDB scores the export (golden file made
// by bench/duckdb/splink_golden.mjs) as Hotpass scores the model. The
// trained model and its export are golden files too: -update rewrites
// them, after which the DuckDB scores must be regenerated.
func TestSplinkExportScoredByDuckDB(t *testing.T) {
	t.Parallel()
	modelPath, exportPath := splinkModels+"hotpass_fake_1000_model.json", splinkModels+"hotpass_fake_1000_splink.json"
	if *update {
		s, err := settings.Parse([]byte(nativeFake1000))
		if err != nil {
			t.Fatal(err)
		}
		l := mustLinker(t, s, fake1000(t))
		if _, err := l.Train(context.Background()); err != nil {
			t.Fatal(err)
		}
		m := l.Model()
		m.TFTables = nil // computed from the data, as Splink does
		if err := m.Save(modelPath); err != nil {
			t.Fatal(err)
		}
	}
	m, err := model.Load(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	data, err := splink.Export(m)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(exportPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(exportPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(data) {
		t.Errorf("export differs from %s (run go test -update and regenerate the DuckDB scores):\n%s", exportPath, data)
	}
	l, err := NewFromModel(m, []records.Input{fake1000(t)}, Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstDuckDB(t, predictAll(t, l), splinkModels+"hotpass_fake_1000_splink_fake_1000_scores.csv")
}

// TestSplinkDemoAccuracy scores Splink's demo model, imported as it is, on
// the data it was trained on: pairwise precision, recall and F1 at the
// default 0.9 threshold. Its blocking rules reach only part of the true
// pairs, which bounds recall; the floors sit just under what the model
// scores.
func TestSplinkDemoAccuracy(t *testing.T) {
	t.Parallel()
	in := fake1000(t)
	l := mustLinker(t, importSplink(t, splinkModels+"saved_model_from_demo.json"), in)
	pred, err := l.Predict(context.Background(), PredictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := evaluate.Pairs(pred.MatchPairs(), evaluate.Truth{Entity: columnStrings(t, in.Table, "cluster")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("saved_model_from_demo on fake_1000 at 0.9: %d pairs compared; %v", pred.Compared, got)
	all, err := l.Predict(context.Background(), PredictOptions{MinProbability: -1})
	if err != nil {
		t.Fatal(err)
	}
	pairs := make([][2]int32, len(all.Pairs))
	for k, p := range all.Pairs {
		pairs[k] = [2]int32{p.I, p.J}
	}
	blocked, err := evaluate.Pairs(pairs, evaluate.Truth{Entity: columnStrings(t, in.Table, "cluster")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("true pairs among the blocked ones: %d (blocking recall %.4f)", blocked.TruePositives, blocked.Recall)
	if got.Precision < 0.99 || got.Recall < 0.51 || got.F1 < 0.67 {
		t.Errorf("precision %.4f recall %.4f F1 %.4f, want at least 0.99, 0.51 and 0.67", got.Precision, got.Recall, got.F1)
	}
}

// A Splink model whose columns the input lacks is refused before any
// work, naming the comparison, the level and the missing column.
func TestSplinkModelColumnsMissing(t *testing.T) {
	t.Parallel()
	in := fake1000(t)
	s := importSplink(t, splinkModels+"saved_model_from_demo.json")
	renamed := linktest.ReadCSVBytes(t, "renamed", []byte("unique_id,first_name,surname,dob,town,mail\n1,a,b,2000-01-01,c,d\n"), ',', false)
	_, err := New(s, []records.Input{{Name: "renamed", Table: renamed}}, Options{Logger: discardLogger()})
	if err == nil {
		t.Fatal("a model comparing city and email ran on an input without them")
	}
	for _, want := range []string{`comparisons[3] (city)`, `input "renamed" has no column "city"`, "town"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q: %v", want, err)
		}
	}
	if _, err := New(s, []records.Input{in}, Options{Logger: discardLogger()}); err != nil {
		t.Errorf("fake_1000 has every column: %v", err)
	}
}

// demoNative writes saved_model_from_demo.json's levels and blocking rules
// in Hotpass's own syntax.
const demoNative = `
probability_two_random_records_match: 0.00298012298012298
comparisons:
  - column: first_name
    levels: [{type: null}, {type: exact, tf_adjustment_column: first_name}, {type: jaro_winkler, threshold: 0.92},
             {type: jaro_winkler, threshold: 0.88}, {type: jaro_winkler, threshold: 0.7}, {type: else}]
  - column: surname
    levels: [{type: null}, {type: exact, tf_adjustment_column: surname}, {type: jaro_winkler, threshold: 0.92},
             {type: jaro_winkler, threshold: 0.88}, {type: jaro_winkler, threshold: 0.7}, {type: else}]
  - column: dob
    levels: [{type: null}, {type: exact}, {type: levenshtein, threshold: 1}, {type: else}]
  - column: city
    levels: [{type: null}, {type: exact, tf_adjustment_column: city}, {type: else}]
  - column: email
    levels: [{type: null}, {type: exact, tf_adjustment_column: email}, {type: exact, regex: "^[^@]+"},
             {type: jaro_winkler, threshold: 0.88}, {type: jaro_winkler, threshold: 0.88, regex: "^[^@]+"}, {type: else}]
blocking_rules: ["first_name + city", "surname", "dob"]
`

// BenchmarkPredictSplinkImport100k scores 100,000 generated persons with
// Splink's demo model, imported, and with the same levels written natively
// and given the same parameters: an imported model compiles to the same
// comparisons, so comparisons/s should not differ.
func BenchmarkPredictSplinkImport100k(b *testing.B) {
	tb := loadPersons100k(b)
	imported := importSplink(b, splinkModels+"saved_model_from_demo.json")
	native, err := settings.Parse([]byte(demoNative))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		s    settings.Settings
	}{{"imported", imported}, {"native", native}} {
		b.Run(bc.name, func(b *testing.B) {
			l := mustLinker(b, bc.s, records.Input{Name: "persons", Table: tb})
			ref := mustLinker(b, imported, records.Input{Name: "persons", Table: tb})
			if err := l.SetParams(ref.Params()); err != nil {
				b.Fatal(err)
			}
			benchPredict(b, l)
		})
	}
}

// The native form of the demo model is the imported one: same tests,
// thresholds and rules, so the benchmark compares like with like.
func TestSplinkDemoNativeEquivalent(t *testing.T) {
	t.Parallel()
	imported := importSplink(t, splinkModels+"saved_model_from_demo.json")
	native, err := settings.Parse([]byte(demoNative))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(imported.BlockingRules, native.BlockingRules) || len(imported.Comparisons) != len(native.Comparisons) {
		t.Fatalf("rules %q vs %q, %d vs %d comparisons", imported.BlockingRules, native.BlockingRules, len(imported.Comparisons), len(native.Comparisons))
	}
	for c, ic := range imported.Comparisons {
		nc := native.Comparisons[c]
		if ic.Column != nc.Column || len(ic.Levels) != len(nc.Levels) {
			t.Fatalf("comparison %d: %q with %d levels vs %q with %d", c, ic.Column, len(ic.Levels), nc.Column, len(nc.Levels))
		}
		for l, il := range ic.Levels {
			nl := nc.Levels[l]
			if il.Type != nl.Type || il.Threshold != nl.Threshold || il.Regex != nl.Regex || il.Column != nl.Column || il.TFAdjustmentColumn != nl.TFAdjustmentColumn {
				t.Errorf("%s level %d: imported %+v, native %+v", ic.Column, l, il, nl)
			}
		}
	}
}
