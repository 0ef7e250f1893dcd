package linkjob_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// A job with `blocking_rules: auto` chooses its rules before training,
// predicts with them and records the choice and the prior's source in
// linkage_metadata.json and the saved model.
func TestAutoBlockingJob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := fakeSettings(t, linkjob.Overrides{})
	s.BlockingRules = settings.RuleList{settings.AutoBlocking}
	s.Training.BlockingRules = nil
	log, _ := quiet()
	model := filepath.Join(dir, "model.json")
	res, err := linkjob.Run(context.Background(), linkjob.Config{Settings: s, OutputDir: dir, ModelPath: model, Logger: log}, fakeInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, linkjob.MetadataFile))
	if err != nil {
		t.Fatal(err)
	}
	meta, err := linkjob.ReadMetadata(data)
	if err != nil {
		t.Fatal(err)
	}
	ab := meta.AutoBlocking
	if ab == nil || len(ab.Rules) == 0 {
		t.Fatalf("metadata has no auto_blocking choice: %+v", ab)
	}
	chosen := ab.RuleTexts()
	var used []string
	for _, b := range meta.Blocking {
		used = append(used, b.Rule)
	}
	if !slices.Equal(used, chosen) || !slices.Equal(meta.Settings.BlockingRules, chosen) || !slices.Equal(meta.Settings.Training.BlockingRules, chosen) {
		t.Errorf("prediction rules %q, settings %q, training rules %q; want the chosen %q", used, meta.Settings.BlockingRules, meta.Settings.Training.BlockingRules, chosen)
	}
	if meta.Training == nil || meta.Training.Prior.Source != "deterministic_rules" || meta.Training.Prior.EMLowerBound <= 0 {
		t.Errorf("training prior %+v, want source deterministic_rules with an EM lower bound", meta.Training)
	}
	if res.Prediction.Compared == 0 || res.Prediction.Compared >= res.Linker.TotalPairs() {
		t.Errorf("compared %d of %d pairs: the chosen rules should block", res.Prediction.Compared, res.Linker.TotalPairs())
	}
	// The saved model holds the chosen rules, so loading it needs no choice.
	loaded, err := linkjob.Run(context.Background(), linkjob.Config{Settings: s, OutputDir: filepath.Join(dir, "again"), ModelPath: model, Logger: log}, fakeInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Metadata.AutoBlocking != nil || !slices.Equal(loaded.Linker.Settings().BlockingRules, chosen) {
		t.Errorf("loaded model: auto_blocking %+v, rules %q; want the saved rules %q without a new choice", loaded.Metadata.AutoBlocking, loaded.Linker.Settings().BlockingRules, chosen)
	}
}
