package compare

import (
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
)

func buildSet(t *testing.T, rows [][]any) *records.Set {
	t.Helper()
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "id", Type: table.String},
		table.Field{Name: "name", Type: table.String},
		table.Field{Name: "dob", Type: table.String},
		table.Field{Name: "amount", Type: table.Float64},
		table.Field{Name: "emails", Type: table.String},
		table.Field{Name: "empty", Type: table.String},
	), len(rows))
	for _, r := range rows {
		if err := b.AppendRow(append(r, nil)...); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	recs, err := records.New(settings.DedupeOnly, "id", []records.Input{{Name: "t", Table: tb}})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

var testRows = [][]any{
	{"0", "Martha", "1980-01-15", 100.0, "a@x.com; b@y.com"},
	{"1", "Marhta", "19800115", 104.0, "B@Y.com"},
	{"2", "martha ", "1980-02-10", 200.0, "c@z.com"},
	{"3", "Jonathan", "1981-01-15", nil, nil},
	{"4", nil, "not a date", 0.0, "a@x.com,c@z.com"},
	{"5", "Jon", "1990-06-30", 0.0, ""},
}

func testSettings() settings.Settings {
	s := settings.Settings{
		ProbabilityTwoRandomRecordsMatch: 0.01,
		Comparisons: []settings.Comparison{
			{Column: "name", Lowercase: true, Trim: true, Levels: []settings.Level{
				{Type: settings.Null}, {Type: settings.Exact}, {Type: settings.DamerauLevenshtein, Threshold: 1},
				{Type: settings.JaroWinkler, Threshold: 0.8}, {Type: settings.Levenshtein, Threshold: 5}, {Type: settings.Else}}},
			{Column: "dob", Levels: []settings.Level{
				{Type: settings.Null}, {Type: settings.Exact}, {Type: settings.DateDiff, Threshold: 0}, {Type: settings.DateDiff, Threshold: 1, Unit: "months"},
				{Type: settings.DateDiff, Threshold: 1, Unit: "years"}, {Type: settings.Else}}},
			{Column: "amount", Levels: []settings.Level{
				{Type: settings.Null}, {Type: settings.AbsDiff, Threshold: 5}, {Type: settings.RelDiff, Threshold: 0.5}, {Type: settings.Else}}},
			{Column: "emails", Lowercase: true, Levels: []settings.Level{
				{Type: settings.Null}, {Type: settings.Exact}, {Type: settings.ArrayIntersect, Separator: ",;", Threshold: 2},
				{Type: settings.ArrayIntersect, Separator: ",;"}, {Type: settings.Else}}},
		},
	}
	if err := s.Validate(); err != nil {
		panic(err)
	}
	return s
}

func TestLevels(t *testing.T) {
	t.Parallel()
	s := testSettings()
	e, err := Compile(&s, buildSet(t, testRows), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		i, j int32
		want [4]uint8
		why  string
	}{
		{0, 1, [4]uint8{2, 2, 1, 3}, "transposition; same date in two layouts; |100-104| ≤ 5; one shared address"},
		{0, 2, [4]uint8{1, 3, 2, 4}, "equal after lowercase and trim; 26 days; 100 vs 200 is 50% apart; disjoint"},
		{0, 3, [4]uint8{4, 5, 0, 0}, "5 edits apart; 366 days is over a year; amount null; emails null"},
		{0, 4, [4]uint8{0, 5, 3, 3}, "name null; unparseable date is no evidence; 100 vs 0 is 100% apart; one shared"},
		{2, 4, [4]uint8{0, 5, 3, 3}, "200 vs 0; one shared address"},
		{3, 5, [4]uint8{3, 5, 0, 0}, "Jonathan/Jon JW 0.875; empty emails are null"},
		{4, 5, [4]uint8{0, 5, 1, 0}, "0 = 0 by abs diff"},
		{1, 4, [4]uint8{0, 5, 3, 4}, "lowercased b@y.com is not in the other list"},
	} {
		var v [4]uint8
		e.NewWorker().Vector(tc.i, tc.j, v[:])
		if v != tc.want {
			t.Errorf("pair (%d, %d): levels %v, want %v (%s)", tc.i, tc.j, v, tc.want, tc.why)
		}
		var back [4]uint8
		e.NewWorker().Vector(tc.j, tc.i, back[:])
		if back != v {
			t.Errorf("pair (%d, %d) is not symmetric: %v vs %v", tc.i, tc.j, v, back)
		}
	}
	if w := strings.Join(e.Warnings(), "\n"); !strings.Contains(w, `"dob": 1 values are not dates`) {
		t.Errorf("warnings %q: want one about the unparseable date", w)
	}
}

func TestVectorDoesNotAllocate(t *testing.T) {
	s := testSettings()
	e, err := Compile(&s, buildSet(t, testRows), Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := e.NewWorker()
	v := make([]uint8, 4)
	allocs := testing.AllocsPerRun(100, func() {
		for i := int32(0); i < 6; i++ {
			for j := i + 1; j < 6; j++ {
				w.Vector(i, j, v)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run of 15 pairs, want 0", allocs)
	}
}

func TestCompileProblems(t *testing.T) {
	t.Parallel()
	recs := buildSet(t, testRows)
	s := testSettings()
	s.Comparisons[0].Column = "nosuch"
	if _, err := Compile(&s, recs, Options{}); err == nil || !strings.Contains(err.Error(), `no column "nosuch"`) || !strings.Contains(err.Error(), "comparisons[0]") {
		t.Errorf("missing column: got %v", err)
	}
	s = testSettings()
	s.Comparisons[3].Column = "empty"
	e, err := Compile(&s, recs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(e.Warnings(), "\n"); !strings.Contains(w, `column "empty" is null in every record`) {
		t.Errorf("all-null column: warnings %q", w)
	}
}

func TestTermFrequencies(t *testing.T) {
	t.Parallel()
	s := testSettings()
	s.Comparisons[0].Levels[1].TFAdjustmentColumn = "name"
	s.Comparisons[0].Levels[1].TFAdjustmentWeight = 1
	e, err := Compile(&s, buildSet(t, testRows), Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.BuildTF(Options{TFTables: map[string]map[string]float64{"name": {"jon": 0.5}}})
	tf := e.TF(0, 1)
	// Non-null names after normalisation: martha ×2, marhta, jonathan, jon.
	if tf == nil || tf.LogTF[0] != -1.3219280948873622 || tf.LogTF[5] != -1 {
		t.Fatalf("term frequencies %+v: want log2(2/5) for martha and the saved 0.5 for jon", tf)
	}
	if tbl := e.TFTable("name"); tbl["martha"] != 0.4 {
		t.Errorf("TF table %v", tbl)
	}
}
