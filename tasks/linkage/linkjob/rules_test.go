package linkjob_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/labelstudio/labelstudiotest"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

func rulesSettings(t *testing.T) settings.Settings {
	t.Helper()
	s := fakeSettings(t, linkjob.Overrides{})
	err := yaml.Unmarshal([]byte(`
- name: name_and_dob
  all:
    - {comparison: first_name, op: jaro_winkler, threshold: 0.92}
    - {comparison: surname, op: jaro_winkler, threshold: 0.92}
    - {comparison: dob, op: exact}
- name: same_name
  decision: review
  all:
    - {comparison: first_name, op: exact}
    - {comparison: surname, op: exact}
`), &s.Rules)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Rule matching writes the artefacts the model writes, records the rule
// that fired on every pair (rule column, Label Studio task, metadata
// counts) and trains nothing; a model file is neither read nor written.
func TestRulesRecordedPerPair(t *testing.T) {
	t.Parallel()
	ls := labelstudiotest.New(t, "tok-rules")
	ls.AddProject(3, labelstudio.LabelingConfig())
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	log, _ := quiet()
	res, err := linkjob.Run(context.Background(), linkjob.Config{Settings: rulesSettings(t), Rules: true, ModelPath: model,
		OutputDir: dir, Logger: log, LabelStudio: &linkjob.LabelStudio{URL: ls.URL, Token: "tok-rules", Project: 3, Required: true}}, fakeInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(model); !os.IsNotExist(err) {
		t.Errorf("rule matching wrote a model file (%v)", err)
	}
	for _, f := range []string{linkjob.MatchesFile, linkjob.ReviewFile, linkjob.ClustersFile, linkjob.MetadataFile, linkjob.ReportFile} {
		if _, ok := res.Files[f]; !ok {
			t.Errorf("no %s among %v", f, res.Files)
		}
	}
	m := res.Metadata
	if m.Model.Source != linkjob.ModelRules || m.Training != nil {
		t.Errorf("model %+v, training %+v; want source rules and no training", m.Model, m.Training)
	}
	byRule := map[string]int64{}
	for _, f := range m.Fired {
		byRule[f.Rule] = f.Pairs
	}
	if byRule["name_and_dob"] != m.Pairs.Match || byRule["same_name"] != m.Pairs.Review || m.Pairs.Match == 0 || m.Pairs.Review == 0 {
		t.Errorf("fired %v for %d matches and %d reviews", m.Fired, m.Pairs.Match, m.Pairs.Review)
	}

	report, err := os.ReadFile(res.Files[linkjob.ReportFile])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), "the linkage rules classified the pairs") || strings.Contains(string(report), "<h3>first_name</h3>") {
		t.Error("the report of rule matching should say the rules classified the pairs and show no untrained m and u")
	}

	pairs := readParquet(t, res.Files[linkjob.MatchesFile])
	rule, class, prob := pairs.ColumnByName("rule"), pairs.ColumnByName("classification"), pairs.ColumnByName("match_probability")
	if rule == nil || class == nil || prob == nil {
		t.Fatalf("pairs columns %v; want rule, classification and match_probability", pairs.Schema().Names())
	}
	if int64(pairs.NumRows()) != m.Pairs.Match+m.Pairs.Review {
		t.Errorf("%d pair rows for %d matches and %d reviews", pairs.NumRows(), m.Pairs.Match, m.Pairs.Review)
	}
	for r := 0; r < pairs.NumRows(); r++ {
		want := map[string]string{"match": "name_and_dob", "review": "same_name"}[class.Strings()[r]]
		if rule.IsNull(r) || rule.Strings()[r] != want {
			t.Fatalf("row %d: %s pair recorded rule %q, want %q", r, class.Strings()[r], rule.Format(r), want)
		}
		if class.Strings()[r] == "match" && prob.Float64s()[r] != 1 {
			t.Errorf("row %d: a rule match has probability %v, want 1", r, prob.Float64s()[r])
		}
	}

	tasks := ls.TaskData(3)
	if int64(len(tasks)) != m.Pairs.Review {
		t.Fatalf("%d Label Studio tasks for %d review pairs", len(tasks), m.Pairs.Review)
	}
	for _, task := range tasks {
		b, _ := json.Marshal(task)
		var data struct {
			Rule string `json:"rule"`
		}
		if err := json.Unmarshal(b, &data); err != nil || data.Rule != "same_name" {
			t.Fatalf("task data %s: rule %q (%v), want same_name", b, data.Rule, err)
		}
	}
}

func TestRulesNeedARulesBlock(t *testing.T) {
	t.Parallel()
	_, err := linkjob.Run(context.Background(), linkjob.Config{Settings: fakeSettings(t, linkjob.Overrides{}), Rules: true,
		OutputDir: t.TempDir()}, fakeInputs(t))
	if err == nil || !strings.Contains(err.Error(), "needs a rules: block") {
		t.Errorf("Run without rules: %v", err)
	}
}
