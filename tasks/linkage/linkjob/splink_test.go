package linkjob_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

const splinkDemo = "../../../testdata/linkage/splink_models/saved_model_from_demo.json"

// A Splink model file given as settings, as JSON or as the YAML of a
// task's inline settings, is imported and runs without training.
func TestSplinkModelAsSettings(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(splinkDemo)
	if err != nil {
		t.Fatal(err)
	}
	yml := `
probability_two_random_records_match: 0.01
blocking_rules_to_generate_predictions: ["l.surname = r.surname"]
comparisons:
  - output_column_name: first_name
    comparison_levels:
      - {sql_condition: "first_name_l IS NULL OR first_name_r IS NULL", is_null_level: true}
      - {sql_condition: "first_name_l = first_name_r", m_probability: 0.9, u_probability: 0.01}
      - {sql_condition: ELSE, m_probability: 0.1, u_probability: 0.99}
`
	for _, tc := range []struct {
		name string
		data []byte
		n    int
	}{{"json", data, 5}, {"yaml", []byte(yml), 1}} {
		s, err := linkjob.DecodeSettings(tc.data, linkjob.Overrides{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !s.Training.Skip || len(s.Comparisons) != tc.n || s.MatchThreshold != settings.DefaultMatchThreshold {
			t.Errorf("%s: skip %v, %d comparisons, match threshold %g", tc.name, s.Training.Skip, len(s.Comparisons), s.MatchThreshold)
		}
	}
	s, err := linkjob.LoadSettings(splinkDemo, linkjob.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	log, _ := quiet()
	dir := t.TempDir()
	res, err := linkjob.Run(context.Background(), linkjob.Config{Settings: s, OutputDir: dir, Logger: log}, fakeInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Metadata.Model.Source != "settings" || res.Metadata.Training != nil {
		t.Errorf("model source %q, training %v: a Splink model runs as trained", res.Metadata.Model.Source, res.Metadata.Training)
	}
	if res.Metadata.Pairs.Match == 0 {
		t.Error("no matches")
	}
	// A bad level is reported with its place in the file and a caret.
	bad := strings.Replace(string(data), `levenshtein(CAST(\"dob_l\" AS TEXT)`, `soundex(CAST(\"dob_l\" AS TEXT)`, 1)
	if bad == string(data) {
		t.Fatal("the demo model changed; fix the edit")
	}
	path := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = linkjob.LoadSettings(path, linkjob.Overrides{})
	if err == nil || !strings.Contains(err.Error(), "comparisons[2] (dob) comparison_levels[2]") || !strings.Contains(err.Error(), "\n    ^") {
		t.Errorf("error %v, want the level named and a caret", err)
	}
}
