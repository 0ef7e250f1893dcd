package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

const (
	fakeCSV    = "../../testdata/linkage/fake_1000/fake_1000.csv"
	fakeLabels = "../../testdata/linkage/fake_1000/fake_1000_labels.csv"
	fakeConfig = "../../examples/linkage/fake_1000.yaml"
	fakeRules  = "../../testdata/linkage/fake_1000/rules.yaml"
)

// resolve writes the artefacts and the deduplicated table, then evaluate
// scores the run against the truth column and against labelled pairs.
func TestResolveAndEvaluate(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	stdout, stderr, code := cli(t, "resolve", "--input", fakeCSV, "--output", out, "--config", fakeConfig)
	golden(t, "resolve_fake_1000", normalize(transcript(stdout, stderr, code), tmp))
	if code != 0 {
		t.Fatalf("resolve: exit %d: %s", code, stderr)
	}
	resolved := readParquet(t, filepath.Join(out, ResolvedFile))
	clusters := readParquet(t, filepath.Join(out, "linkage_clusters.parquet"))
	if names := clusters.Schema().Names(); strings.Join(names, ",") != "unique_id,cluster_id" {
		t.Errorf("clusters columns %v", names)
	}
	var n int64
	for _, s := range resolved.ColumnByName("cluster_size").Int64s() {
		n += s
	}
	if n != 1000 || resolved.ColumnByName("first_name") == nil {
		t.Errorf("resolved rows stand for %d records; columns %v", n, resolved.Schema().Names())
	}
	stdout, stderr, code = cli(t, "linkage", "evaluate", "--predictions", out, "--truth-column", "cluster", "--input", fakeCSV)
	golden(t, "evaluate_truth_column", normalize(transcript(stdout, stderr, code), tmp))
	stdout, stderr, code = cli(t, "linkage", "evaluate", "--predictions", out, "--labels", fakeLabels, "--threshold", "0.9")
	golden(t, "evaluate_labels", normalize(transcript(stdout, stderr, code), tmp))
	stdout, stderr, code = cli(t, "linkage", "evaluate", "--predictions", out, "--labels", fakeLabels, "--threshold", "0.9", "--format", "json")
	golden(t, "evaluate_labels_json", normalize(transcript(normalizeJSON(t, stdout), stderr, code), tmp))
	stdout, stderr, code = cli(t, "linkage", "evaluate", "--predictions", out, "--labels", fakeLabels, "--format", "tsv")
	golden(t, "evaluate_bad_format", normalize(transcript(stdout, stderr, code), tmp))
	_, stderr, code = cli(t, "linkage", "evaluate", "--predictions", out, "--labels", fakeLabels, "--threshold", "NaN")
	if code != 2 || !strings.Contains(stderr, "--threshold must be a number") {
		t.Errorf("NaN threshold: exit %d: %s", code, stderr)
	}
	_, stderr, code = cli(t, "linkage", "evaluate", "--predictions", out, "--labels", fakeLabels, "--threshold", "0.1")
	if code != 2 || !strings.Contains(stderr, "below the run's review threshold 0.2") {
		t.Errorf("threshold below review: exit %d: %s", code, stderr)
	}
}

// Without --config every column is compared exactly, and the output says
// so.
func TestResolveWithoutConfig(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	stdout, stderr, code := cli(t, "resolve", "--input", fakeCSV, "--output", filepath.Join(tmp, "out"), "--match-threshold", "0.99")
	if code != 0 || !strings.Contains(stdout, "no --config given: comparing every column by exact equality (first_name, surname, dob, city, email, cluster)") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	_, stderr, code = cli(t, "resolve", "--input", fakeCSV, "--output", filepath.Join(tmp, "out2"), "--config", fakeConfig, "--review-threshold", "0.7")
	if code != 2 || !strings.Contains(stderr, "review_threshold 0.7 is above match_threshold 0.5") {
		t.Errorf("thresholds out of order: exit %d: %s", code, stderr)
	}
	_, stderr, code = cli(t, "resolve", "--input", fakeCSV, "--output", filepath.Join(tmp, "out3"), "--id-column", "nope")
	if code == 0 || !strings.Contains(stderr, `no unique id column "nope"`) {
		t.Errorf("missing id column: exit %d: %s", code, stderr)
	}
}

// --no-linkage-use-splink classifies the pairs with the settings' rules,
// as orchestrate's flag does; usage mistakes exit 2 before anything runs.
func TestResolveLinkageUseSplink(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"both flags", []string{"--config", fakeRules, "--linkage-use-splink", "--no-linkage-use-splink"}, "contradict each other"},
		{"no config", []string{"--no-linkage-use-splink"}, "give --config with a rules: block"},
		{"settings without rules", []string{"--config", fakeConfig, "--no-linkage-use-splink"}, "the linkage settings " + fakeConfig + " have no rules: block"},
		{"false without rules", []string{"--config", fakeConfig, "--linkage-use-splink=false"}, "have no rules: block"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(tmp, strings.ReplaceAll(tc.name, " ", "_"))
			_, stderr, code := cli(t, append([]string{"resolve", "--input", fakeCSV, "--output", out}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d: %s; want exit 2 and %q", code, stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("the output directory was written despite the usage error")
			}
		})
	}
	for _, flags := range [][]string{{"--no-linkage-use-splink"}, {"--linkage-use-splink=false", "--no-linkage-use-splink"}} {
		out := filepath.Join(tmp, "out")
		stdout, stderr, code := cli(t, append([]string{"resolve", "--input", fakeCSV, "--output", out, "--config", fakeRules}, flags...)...)
		golden(t, "resolve_fake_1000_rules", normalize(transcript(stdout, stderr, code), tmp))
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", flags, code, stderr)
		}
		pairs := readParquet(t, filepath.Join(out, "linkage_matches.parquet"))
		if pairs.ColumnByName("rule") == nil || pairs.NumRows() == 0 {
			t.Errorf("%v: %d pairs with columns %v; want a rule column", flags, pairs.NumRows(), pairs.Schema().Names())
		}
	}
	// The model is the default, with or without the flag.
	for _, flags := range [][]string{nil, {"--linkage-use-splink"}} {
		stdout, stderr, code := cli(t, append([]string{"resolve", "--input", fakeCSV, "--output", filepath.Join(tmp, "model"), "--config", fakeRules}, flags...)...)
		if code != 0 || !strings.Contains(stdout, "model: trained") {
			t.Errorf("%v: exit %d, want a trained model:\n%s\n%s", flags, code, stdout, stderr)
		}
	}
}

// blocking-stats counts before running, and exits 2 with the count when a
// rule is over the cap.
func TestBlockingStats(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := cli(t, "linkage", "blocking-stats", "--config", fakeConfig, "--input", fakeCSV)
	golden(t, "blocking_stats", transcript(stdout, stderr, code))
	stdout, stderr, code = cli(t, "linkage", "blocking-stats", "--config", fakeConfig, "--input", fakeCSV, "--max-comparisons", "100000")
	golden(t, "blocking_stats_over_cap", transcript(stdout, stderr, code))
	if code != 2 || !strings.Contains(stderr, "yields 499500 comparisons, over the cap of 100000") {
		t.Errorf("over the cap: exit %d: %s", code, stderr)
	}
	stdout, stderr, code = cli(t, "linkage", "blocking-stats", "--config", fakeConfig, "--input", fakeCSV, "--format", "json")
	golden(t, "blocking_stats_json", transcript(normalizeJSON(t, stdout), stderr, code))
	stdout, stderr, code = cli(t, "linkage", "blocking-stats", "--config", fakeConfig, "--input", fakeCSV, "--max-comparisons", "100000", "--format", "json")
	golden(t, "blocking_stats_over_cap_json", transcript(normalizeJSON(t, stdout), stderr, code))
	if code != 2 {
		t.Errorf("over the cap, --format json: exit %d, want 2", code)
	}
	stdout, stderr, code = cli(t, "linkage", "blocking-stats", "--config", fakeConfig, "--input", fakeCSV, "--format", "tsv")
	golden(t, "blocking_stats_bad_format", transcript(stdout, stderr, code))
}

// The entity-resolution flags of orchestrate are checked before anything
// runs.
func TestOrchestrateEntityResolutionUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--linkage-match-threshold", "0.8"}, "need --enable-entity-resolution"},
		{[]string{"--enable-entity-resolution", "--linkage-match-threshold", "0.5", "--linkage-review-threshold", "0.7"}, "is above --match-threshold"},
		{[]string{"--enable-entity-resolution", "--label-studio-url", "http://ls:8080"}, "needs --label-studio-project"},
		{[]string{"--no-linkage-use-splink"}, "need --enable-entity-resolution"},
		{[]string{"--linkage-use-splink"}, "need --enable-entity-resolution"},
		{[]string{"--enable-entity-resolution", "--linkage-use-splink", "--no-linkage-use-splink"}, "contradict each other"},
	} {
		args := append([]string{"orchestrate", "--profile", "aviation", "--input-dir", dir, "--state-dir", filepath.Join(dir, ".hotpass")}, tc.args...)
		_, stderr, code := cli(t, args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d: %s", tc.args, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".hotpass")); err == nil {
		t.Error("a run started despite the usage error")
	}
}

func readParquet(t *testing.T, path string) *table.Table {
	t.Helper()
	tb, err := readParquetFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}
