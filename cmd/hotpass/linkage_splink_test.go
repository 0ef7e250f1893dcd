package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const splinkModels = "../../testdata/linkage/splink_models/"

// export-splink writes the Splink file the linkage tests score in DuckDB.
func TestExportSplink(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "splink.json")
	stdout, stderr, code := cli(t, "linkage", "export-splink", "--model", splinkModels+"hotpass_fake_1000_model.json", "--output", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "5 comparisons, 4 blocking rules") {
		t.Errorf("stdout %q", stdout)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(splinkModels + "hotpass_fake_1000_splink.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("export differs from hotpass_fake_1000_splink.json:\n%s", got)
	}
}

// An untrained model (settings) or a Splink file cannot be exported; the
// message says what to give instead and nothing is written.
func TestExportSplinkRefusesUntrained(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ model, want string }{
		{fakeConfig, "holds linkage settings, not a trained model: train it first"},
		{splinkModels + "saved_model_from_demo.json", "is already a Splink model file"},
		{"no-such-model.json", "no such file"},
	} {
		out := filepath.Join(t.TempDir(), "splink.json")
		_, stderr, code := cli(t, "linkage", "export-splink", "--model", tc.model, "--output", out)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("--model %s: exit %d, stderr %q; want exit 2 and %q", tc.model, code, stderr, tc.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("--model %s: %s was written", tc.model, out)
		}
	}
}

// resolve --config takes a Splink model file and runs it as trained.
func TestResolveSplinkModel(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	_, stderr, code := cli(t, "resolve", "--input", fakeCSV, "--output", out, "--config", splinkModels+"saved_model_from_demo.json")
	if code != 0 {
		t.Fatalf("resolve: exit %d: %s", code, stderr)
	}
	meta, err := os.ReadFile(filepath.Join(out, "linkage_metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Model    struct{ Source string } `json:"model"`
		Training *json.RawMessage        `json:"training"`
	}
	if err := json.Unmarshal(meta, &m); err != nil {
		t.Fatal(err)
	}
	if m.Model.Source != "settings" || m.Training != nil {
		t.Errorf("metadata should record a model taken from the settings without training:\n%s", meta)
	}
}
