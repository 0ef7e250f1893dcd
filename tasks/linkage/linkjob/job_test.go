package linkjob_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/tasks/datasource"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

const (
	fakeCSV    = "../../../testdata/linkage/fake_1000/fake_1000.csv"
	fakeConfig = "../../../examples/linkage/fake_1000.yaml"
)

func fakeInputs(t testing.TB) []records.Input {
	t.Helper()
	tb, err := datasource.Read(context.Background(), datasource.Config{Path: fakeCSV,
		Types: map[string]string{"unique_id": "string", "dob": "string"}}, ".")
	if err != nil {
		t.Fatal(err)
	}
	return []records.Input{{Name: "fake_1000", Table: tb}}
}

func fakeSettings(t testing.TB, ov linkjob.Overrides) settings.Settings {
	t.Helper()
	s, err := linkjob.LoadSettings(fakeConfig, ov)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readParquet(t *testing.T, path string) *table.Table {
	t.Helper()
	r, err := parquetio.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tb, err := table.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// quiet returns a logger that keeps what it is told, for assertions.
func quiet() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})), &buf
}

// A model saved by one run and loaded by the next gives the same
// predictions, without training.
func TestModelSaveThenLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	model := filepath.Join(dir, "model", "fake_1000.json")
	log, _ := quiet()
	var tables [2]*table.Table
	for k, out := range []string{"first", "second"} {
		res, err := linkjob.Run(context.Background(), linkjob.Config{Settings: fakeSettings(t, linkjob.Overrides{}),
			ModelPath: model, OutputDir: filepath.Join(dir, out), Logger: log}, fakeInputs(t))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"trained", "loaded"}[k]
		if res.Metadata.Model.Source != want {
			t.Fatalf("run %d: model %s, want %s", k+1, res.Metadata.Model.Source, want)
		}
		if (res.Metadata.Training != nil) != (k == 0) {
			t.Errorf("run %d: training info %v", k+1, res.Metadata.Training)
		}
		tables[k] = readParquet(t, filepath.Join(dir, out, linkjob.MatchesFile))
	}
	if !tables[0].Equal(tables[1]) {
		t.Fatalf("predictions differ after loading the model:\n%s", tables[0].Diff(tables[1]))
	}
	if tables[0].NumRows() == 0 {
		t.Fatal("no pairs predicted")
	}
}

func tableOf(t *testing.T, header []string, rows ...[]string) *table.Table {
	t.Helper()
	fields := make([]table.Field, len(header))
	for i, h := range header {
		fields[i] = table.Field{Name: h, Type: table.String}
	}
	b := table.NewBuilder(table.MustSchema(fields...), len(rows))
	for _, r := range rows {
		for i, v := range r {
			b.Column(i).AppendString(v)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func nameSettings(t *testing.T, extra string) settings.Settings {
	t.Helper()
	s, err := linkjob.DecodeSettings([]byte(`
unique_id_column: id
probability_two_random_records_match: 0.01
comparisons:
  - column: name
    levels: [{type: null}, {type: exact}, {type: jaro_winkler, threshold: 0.8}, {type: else}]
blocking_rules: [town]
training: {blocking_rules: [town]}
`+extra), linkjob.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// smallInputs are a few people, two of them in one block.
func smallInputs(t *testing.T) []records.Input {
	t.Helper()
	return []records.Input{{Name: "people", Table: tableOf(t, []string{"id", "name", "town"},
		[]string{"1", "Ann", "X"}, []string{"2", "Anne", "X"}, []string{"3", "Bob", "Y"}, []string{"4", "Bo", "Y"})}}
}

// Bad inputs fail with a message naming the row, column or rule and what
// to do, before any pair is scored.
func TestBadInputs(t *testing.T) {
	t.Parallel()
	good := tableOf(t, []string{"id", "name", "town"}, []string{"1", "Ann", "X"}, []string{"2", "Anne", "X"}, []string{"3", "Bob", "Y"})
	many := make([][]string, 45_000)
	for i := range many {
		many[i] = []string{fmt.Sprint(i), "n" + fmt.Sprint(i%97), "same"}
	}
	tests := []struct {
		name   string
		table  *table.Table
		extra  string
		settle func(*settings.Settings)
		want   []string
	}{
		{name: "missing id column", table: tableOf(t, []string{"key", "name", "town"}, []string{"1", "A", "X"}),
			want: []string{`no unique id column "id"`, "key, name, town"}},
		{name: "duplicate ids", table: tableOf(t, []string{"id", "name", "town"}, []string{"1", "A", "X"}, []string{"1", "B", "X"}),
			want: []string{"rows 1 and 2", `duplicate unique id "1"`}},
		{name: "comparison on a missing column", table: good,
			settle: func(s *settings.Settings) { s.Comparisons[0].Column = "surname" },
			want:   []string{`no column "surname"`}},
		{name: "billion pairs", table: tableOf(t, []string{"id", "name", "town"}, many...),
			want: []string{`blocking rule "town" yields 1012477500 comparisons, over the cap of 1000000000`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := nameSettings(t, tc.extra)
			if tc.settle != nil {
				tc.settle(&s)
			}
			log, _ := quiet()
			_, err := linkjob.Run(context.Background(), linkjob.Config{Settings: s, OutputDir: t.TempDir(), Logger: log},
				[]records.Input{{Name: "people", Table: tc.table}})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// Thresholds out of order are refused whether the settings or the
// overrides put them so (fake_1000.yaml: match 0.5, review 0.2).
func TestThresholdOrder(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		ov   linkjob.Overrides
		want string // "" when valid
	}{
		{linkjob.Overrides{MatchThreshold: f(0.3)}, ""},
		{linkjob.Overrides{ReviewThreshold: f(0.8)}, "review_threshold 0.8 is above match_threshold 0.5"},
		{linkjob.Overrides{MatchThreshold: f(0.1)}, "review_threshold 0.2 is above match_threshold 0.1"},
		{linkjob.Overrides{MatchThreshold: f(1.5)}, "match_threshold 1.5 must be a probability"},
	} {
		raw, err := linkjob.DecodeRawFile(fakeConfig)
		if err != nil {
			t.Fatal(err)
		}
		err = linkjob.CheckThresholds(linkjob.EffectiveThresholds(raw, tc.ov))
		_, aerr := linkjob.ApplyOverrides(raw, tc.ov)
		if tc.want == "" {
			if err != nil || aerr != nil {
				t.Errorf("%+v: %v / %v", tc.ov, err, aerr)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || aerr == nil {
			t.Errorf("%+v: error %v (apply: %v), want %q", tc.ov, err, aerr, tc.want)
		}
	}
}

// A decisions file with a corrupt line: the line is skipped with a warning
// naming it, and the valid decisions still constrain the clusters.
func TestCorruptDecisionLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	left, right := labelstudio.RecordRef{Source: "people", ID: "1"}, labelstudio.RecordRef{Source: "people", ID: "3"}
	d := labelstudio.Decision{AnnotationID: "a1", PairID: labelstudio.PairID(left, right), Left: left, Right: right,
		Decision: labelstudio.Match, Reviewer: "r@example.com", Timestamp: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	if _, err := labelstudio.AppendDecisions(filepath.Join(dir, linkjob.DecisionsFile), []labelstudio.Decision{d}, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, linkjob.DecisionsFile)
	good, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append([]byte("{not json\n"), good...), 0o644); err != nil {
		t.Fatal(err)
	}
	log, buf := quiet()
	res, err := linkjob.Run(context.Background(), linkjob.Config{Settings: nameSettings(t, ""), OutputDir: dir, Logger: log}, smallInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range res.Warnings {
		found = found || strings.Contains(w, linkjob.DecisionsFile+":1:")
	}
	if !found || !strings.Contains(buf.String(), linkjob.DecisionsFile+":1:") {
		t.Errorf("no warning naming line 1: %q / %s", res.Warnings, buf)
	}
	if res.Metadata.Decisions.Read != 1 || res.Metadata.Decisions.MustLink != 1 {
		t.Errorf("decisions %+v", res.Metadata.Decisions)
	}
	// Ann (X) and Bob (Y) share no block: only the decision joins them.
	if l := res.Clusters.Labels; l[0] != l[2] {
		t.Errorf("must-link 1–3 not applied: clusters %v", l)
	}
}

// BenchmarkRunFake1000 is a whole job on fake_1000: train, score all
// 499,500 pairs, cluster and write every artefact.
func BenchmarkRunFake1000(b *testing.B) {
	inputs := fakeInputs(b)
	s := fakeSettings(b, linkjob.Overrides{})
	dir := b.TempDir()
	log, _ := quiet()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := linkjob.Run(context.Background(), linkjob.Config{Settings: s, OutputDir: dir, Logger: log}, inputs); err != nil {
			b.Fatal(err)
		}
	}
}
