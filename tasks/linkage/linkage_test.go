package linkage_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/linkage/evaluate"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
	"github.com/hotpass/hotpass/tasks/tasktest"

	_ "github.com/hotpass/hotpass/tasks/linkage"
	_ "github.com/hotpass/hotpass/tasks/read"
)

// Paths from this package to the shared fixtures.
var (
	fake1000CSV    = abs("../../testdata/linkage/fake_1000/fake_1000.csv")
	fake1000Config = abs("../../examples/linkage/fake_1000.yaml")
)

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return a
}

func load(t *testing.T, dir, src string) (*engine.Plan, error) {
	t.Helper()
	return tasktest.Plan(t, dir, src)
}

func run(t *testing.T, dir, src string) *engine.RunRecord {
	t.Helper()
	p, err := load(t, dir, src)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, ".hotpass")})
	if err != nil {
		t.Fatal(err)
	}
	return rec
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

func strs(t *testing.T, tb *table.Table, col string) []string {
	t.Helper()
	c := tb.ColumnByName(col)
	if c == nil {
		t.Fatalf("no column %q in %v", col, tb.Schema().Names())
	}
	out := make([]string, tb.NumRows())
	for i := range out {
		out[i] = c.Format(i)
	}
	return out
}

func fakeSpec(extra string) string {
	return `version: 1
name: link
tasks:
  people:
    type: read
    with: {path: ` + fake1000CSV + `, types: {unique_id: string, dob: string}}
  dedupe:
    type: linkage
    with:
      input: people
      config: ` + fake1000Config + `
      output_dir: out
` + extra
}

// The task on fake_1000: every artefact exists and reads back, the
// clusters reach the library's accuracy bar, and the output table is the
// input with cluster_id.
func TestFake1000Artefacts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := run(t, dir, fakeSpec(""))
	task := rec.Task("dedupe")
	if task.Status != engine.StatusSucceeded {
		t.Fatalf("dedupe: %s %s", task.Status, task.Error)
	}
	out := filepath.Join(dir, "out")
	matches := readParquet(t, filepath.Join(out, linkjob.MatchesFile))
	review := readParquet(t, filepath.Join(out, linkjob.ReviewFile))
	clusters := readParquet(t, filepath.Join(out, linkjob.ClustersFile))
	if matches.NumRows() == 0 || review.NumRows() == 0 {
		t.Fatalf("%d matches, %d review pairs", matches.NumRows(), review.NumRows())
	}
	for _, col := range []string{"unique_id_l", "source_dataset_l", "unique_id_r", "source_dataset_r", "match_weight",
		"match_probability", "classification", "gamma_first_name", "level_first_name", "bf_first_name",
		"tf_adj_first_name", "first_name_l", "first_name_r", "dob_l", "email_r"} {
		if matches.ColumnByName(col) == nil {
			t.Errorf("matches lack %q: %v", col, matches.Schema().Names())
		}
	}
	classes := map[string]int{}
	for _, c := range strs(t, matches, "classification") {
		classes[c]++
	}
	if classes["reject"] != 0 || classes["match"] == 0 || classes["review"] != review.NumRows() {
		t.Errorf("classes in matches: %v; review queue %d", classes, review.NumRows())
	}
	for i, p := range strs(t, review, "match_probability") {
		f, _ := strconv.ParseFloat(p, 64)
		if f < 0.2 || f >= 0.5 {
			t.Fatalf("review row %d: probability %v outside [0.2, 0.5)", i+1, f)
		}
	}
	if got := clusters.Schema().Names(); len(got) != 2 || got[0] != "unique_id" || got[1] != "cluster_id" {
		t.Fatalf("clusters columns %v", got)
	}
	// Pairwise F1 of the clusters against the true entities.
	people := readParquet(t, filepath.Join(dir, ".hotpass", "runs", rec.RunID, "dedupe.parquet"))
	if people.NumRows() != 1000 || people.ColumnByName("cluster_id") == nil || people.ColumnByName("cluster") == nil {
		t.Fatalf("output table: %d rows, columns %v", people.NumRows(), people.Schema().Names())
	}
	labels := make([]int32, clusters.NumRows())
	for i, v := range clusters.ColumnByName("cluster_id").Int64s() {
		labels[i] = int32(v)
	}
	sc, err := evaluate.Clusters(labels, evaluate.Truth{Entity: strs(t, people, "cluster")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fake_1000 clusters: %v", sc)
	if sc.F1 < 0.87 {
		t.Errorf("cluster F1 %.4f < 0.87: %v", sc.F1, sc)
	}
	// Metadata: thresholds, counts, λ, EM runs — enough to retrain.
	data, err := os.ReadFile(filepath.Join(out, linkjob.MetadataFile))
	if err != nil {
		t.Fatal(err)
	}
	m, err := linkjob.ReadMetadata(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Thresholds.Match != 0.5 || m.Thresholds.Review != 0.2 || m.Pairs.Compared != 499500 ||
		m.Pairs.Match+m.Pairs.Review+m.Pairs.Reject != m.Pairs.Compared || m.Training == nil || len(m.Training.EM) != 2 ||
		m.Clusters.Count == 0 || len(m.Settings.Comparisons) != 5 || m.Model.Source != "trained" {
		t.Errorf("metadata %+v", m)
	}
	if int64(matches.NumRows()) != m.Pairs.Match+m.Pairs.Review || int64(review.NumRows()) != m.Pairs.Review {
		t.Errorf("%d match rows, %d review rows; metadata %+v", matches.NumRows(), review.NumRows(), m.Pairs)
	}
	html, err := os.ReadFile(filepath.Join(out, linkjob.ReportFile))
	if err != nil || !strings.Contains(string(html), "<svg") || !strings.Contains(string(html), "first_name") {
		t.Errorf("report: %v (%d bytes)", err, len(html))
	}
	var attrs map[string]any
	b, _ := json.Marshal(task.Attrs)
	_ = json.Unmarshal(b, &attrs)
	if attrs["pairs_compared"] != float64(499500) {
		t.Errorf("attrs %v", attrs)
	}
}

// Option mistakes are reported at their position when the spec loads.
func TestPrepareErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ with, want string }{
		{"{input: people, config: " + fake1000Config + ", review_threshold: 0.8}", "with.review_threshold: review_threshold 0.8 is above match_threshold 0.5"},
		{"{input: people, config: " + fake1000Config + ", match_threshold: 0.6, review_threshold: 0.7}", "with.review_threshold: review_threshold 0.7 is above match_threshold 0.6"},
		{"{input: people}", "exactly one of them"},
		{"{input: people, config: " + fake1000Config + ", settings: {link_type: dedupe_only}}", "exactly one of them"},
		{"{input: people, settings: {comparisons: [{column: a, levels: [{type: exact, treshold: 1}, {type: else}]}]}}", `unknown level option "treshold"`},
		{"{input: people, config: nope.yaml}", "with.config:"},
		{"{input: people, config: " + fake1000Config + ", label_studio: {url: 'http://ls:8080'}}", "label_studio.project"},
		{"{input: people, config: " + fake1000Config + ", label_studio: {url: 'http://ls:8080', projet: 3}}", `unknown key "projet"`},
		{"{input: people, config: " + fake1000Config + ", match_threshold: high}", `"high" is not a number`},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		_, err := load(t, dir, "version: 1\nname: l\ntasks:\n  people:\n    type: read\n    with: {path: "+fake1000CSV+"}\n  link:\n    type: linkage\n    with: "+tc.with+"\n")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "spec.yaml:9:") {
			t.Errorf("with %s: error %v, want %q at spec.yaml:9", tc.with, err, tc.want)
		}
	}
}

// use_splink: false classifies the pairs with the settings' rules: no
// model is trained, every kept pair names the rule that fired, and the
// output table still carries the clusters.
func TestUseSplinkFalseUsesRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rules := abs("../../testdata/linkage/fake_1000/rules.yaml")
	rec := run(t, dir, strings.Replace(fakeSpec("      use_splink: false\n"), fake1000Config, rules, 1))
	task := rec.Task("dedupe")
	if task.Status != engine.StatusSucceeded {
		t.Fatalf("dedupe: %s %s", task.Status, task.Error)
	}
	if task.Attrs["model"] != linkjob.ModelRules {
		t.Errorf("model attr %v, want %q", task.Attrs["model"], linkjob.ModelRules)
	}
	data, err := os.ReadFile(filepath.Join(dir, "out", linkjob.MetadataFile))
	if err != nil {
		t.Fatal(err)
	}
	m, err := linkjob.ReadMetadata(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Model.Source != linkjob.ModelRules || m.Training != nil || m.Pairs.Match == 0 || m.Pairs.Review == 0 {
		t.Errorf("model %+v, training %+v, pairs %+v; want rules, no training, matches and reviews", m.Model, m.Training, m.Pairs)
	}
	matches := readParquet(t, filepath.Join(dir, "out", linkjob.MatchesFile))
	for i, r := range strs(t, matches, "rule") {
		if r != "name_and_dob_or_email" && r != "same_name" {
			t.Fatalf("pair row %d: rule %q", i, r)
		}
	}
	people := readParquet(t, filepath.Join(dir, ".hotpass", "runs", rec.RunID, "dedupe.parquet"))
	if people.NumRows() != 1000 || people.ColumnByName("cluster_id") == nil {
		t.Errorf("output table: %d rows, columns %v", people.NumRows(), people.Schema().Names())
	}
}

// use_splink: false with settings that have no rules is refused where
// the option is written, before anything runs; so is a value that is no
// boolean. An empty value (an unset template param) keeps the model.
func TestUseSplinkDiagnostics(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ value, want string }{
		{"false", `spec.yaml:13:19: error: task "dedupe": with.use_splink: false needs deterministic rules, but the linkage settings (with.config) have none`},
		{"False", "with.use_splink: false needs deterministic rules"},
		{"maybe", `spec.yaml:13:19: error: task "dedupe": with.use_splink: "maybe" is not a boolean`},
	} {
		_, err := load(t, t.TempDir(), fakeSpec("      use_splink: "+tc.value+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("use_splink: %s: error %v, want %q", tc.value, err, tc.want)
		}
	}
	if _, err := load(t, t.TempDir(), fakeSpec("      use_splink: ''\n")); err != nil {
		t.Errorf("use_splink '' (unset): %v", err)
	}
	if _, err := load(t, t.TempDir(), fakeSpec("      use_splink: true\n")); err != nil {
		t.Errorf("use_splink true: %v", err)
	}
}
