package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// suggest-blocking prints the chosen rules with their counts and recall,
// then a blocking_rules: block that loads as settings; a budget below the
// cheapest useful rule exits 2 naming the budget that works.
func TestSuggestBlocking(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	out := filepath.Join(tmp, "rules.yaml")
	stdout, stderr, code := cli(t, "linkage", "suggest-blocking", "--config", fakeConfig, "--input", fakeCSV, "--target-recall", "0.9", "--output", out)
	golden(t, "suggest_blocking_fake_1000", normalize(transcript(stdout, stderr, code), tmp))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	block, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(stdout, string(block)) {
		t.Errorf("--output holds %q, which is not the block printed", block)
	}
	cfg, err := os.ReadFile(fakeConfig)
	if err != nil {
		t.Fatal(err)
	}
	s, err := settings.Parse([]byte(strings.Replace(string(cfg), "blocking_rules: []\n", string(block), 1)))
	if err != nil {
		t.Fatalf("the printed block does not load as settings: %v", err)
	}
	if len(s.BlockingRules) == 0 || s.BlockingRules.Auto() {
		t.Errorf("rules from the block: %q", s.BlockingRules)
	}

	_, stderr, code = cli(t, "linkage", "suggest-blocking", "--config", fakeConfig, "--input", fakeCSV, "--max-comparisons", "10")
	if code != 2 || !strings.Contains(stderr, "smaller than the cheapest rule") || !strings.Contains(stderr, "raise --max-comparisons") {
		t.Errorf("budget 10: exit %d: %s", code, stderr)
	}
	_, stderr, code = cli(t, "linkage", "suggest-blocking", "--config", fakeConfig, "--input", fakeCSV, "--target-recall", "1.5")
	if code != 2 || !strings.Contains(stderr, "--target-recall 1.5 must be in (0, 1]") {
		t.Errorf("target 1.5: exit %d: %s", code, stderr)
	}
}
