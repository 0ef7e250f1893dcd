package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/labelstudio/labelstudiotest"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// The operator how-to's entity resolution with clerical review, verbatim
// (URL and TOKEN filled in), on the bundled aviation workbooks, with the
// probabilistic model and with the deterministic rules. The review band
// reaches Label Studio either way; the token given on the command line
// authenticates but appears nowhere in the run directory, the history
// database, the artefacts or the output.
func TestHowToEntityResolutionWithReview(t *testing.T) {
	t.Parallel()
	bin := hotpassBinary(t)
	const token = "ls-token-5c1e9a77d2"
	for _, tc := range []struct {
		flag, model string
	}{
		{"--linkage-use-splink", "trained"},
		{"--no-linkage-use-splink", linkjob.ModelRules},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			t.Parallel()
			ls := labelstudiotest.New(t, token)
			ls.AddProject(12, labelstudio.LabelingConfig())
			dir := t.TempDir()
			if err := os.CopyFS(filepath.Join(dir, "data"), os.DirFS("../../examples/aviation/data")); err != nil {
				t.Fatal(err)
			}
			args := []string{"orchestrate", "--profile", "aviation", "--enable-entity-resolution", tc.flag,
				"--linkage-match-threshold", "0.92", "--linkage-review-threshold", "0.7", "--linkage-output-dir", "dist/linkage",
				"--label-studio-url", ls.URL, "--label-studio-token", token, "--label-studio-project", "12"}
			out, err := howto(t, bin, dir, args...)
			if err != nil {
				t.Fatalf("hotpass %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			if strings.Contains(out, token) {
				t.Errorf("the token appears in the output:\n%s", out)
			}
			meta, err := os.ReadFile(filepath.Join(dir, "dist", "linkage", linkjob.MetadataFile))
			if err != nil {
				t.Fatal(err)
			}
			m, err := linkjob.ReadMetadata(meta)
			if err != nil {
				t.Fatal(err)
			}
			if m.Model.Source != tc.model || m.Thresholds.Match != 0.92 || m.Thresholds.Review != 0.7 {
				t.Errorf("model %q with thresholds %+v; want %q, 0.92 and 0.7", m.Model.Source, m.Thresholds, tc.model)
			}
			tasks := ls.TaskData(12)
			if len(tasks) == 0 || int64(len(tasks)) != m.Pairs.Review {
				t.Errorf("%d tasks in Label Studio for %d review pairs", len(tasks), m.Pairs.Review)
			}
			pairs := readParquet(t, filepath.Join(dir, "dist", "linkage", linkjob.MatchesFile))
			rule := pairs.ColumnByName("rule")
			if (rule != nil) != (tc.model == linkjob.ModelRules) {
				t.Errorf("pairs columns %v: a rule column belongs to rule matching only", pairs.Schema().Names())
			}
			if rule != nil {
				for r := 0; r < pairs.NumRows(); r++ {
					if rule.IsNull(r) {
						t.Fatalf("pair row %d has no rule", r)
					}
				}
				for _, task := range tasks {
					if task["rule"] == nil || task["rule"] == "" {
						t.Fatalf("review task %v does not say which rule sent it", task["pair_id"])
					}
				}
			}
			assertNowhere(t, dir, token)
		})
	}
}

// assertNowhere fails when secret appears in any file under dir: run
// records, logs, the history database (with its journal) and artefacts.
func assertNowhere(t *testing.T, dir, secret string) {
	t.Helper()
	var seen []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		seen = append(seen, filepath.Base(path))
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the token appears in %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{storeFile, "run.json"} {
		if !strings.Contains(strings.Join(seen, " "), want) {
			t.Errorf("no %s under %s (files %v): the check looked in the wrong place", want, dir, seen)
		}
	}
}
