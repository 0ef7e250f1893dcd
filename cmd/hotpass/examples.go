package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// commandExamples are the Examples sections of --help, by command path.
// Each runs as written from the root of a checkout (TestHelpExamples runs
// them all, in a fresh copy of examples/ and the bundled linkage data), so
// keep them to what the checkout holds. Kept together, apart from the
// commands' wiring, so that they read as one set.
var commandExamples = map[string]string{
	"hotpass run": `
hotpass run examples/demo/pipeline.yaml --run-id demo-1
hotpass run examples/demo/pipeline.yaml --param out_dir=out/today
hotpass run examples/demo/pipeline.yaml --resume demo-1   # reuses what is unchanged`,
	"hotpass validate": `
hotpass validate examples/demo/pipeline.yaml examples/aviation/pipeline.yaml
hotpass validate --strict --format json examples/demo/pipeline.yaml`,
	"hotpass orchestrate": `
hotpass orchestrate --profile aviation --input-dir examples/aviation/data --output dist/refined.xlsx
mkdir -p pipelines
hotpass orchestrate --profile aviation --input-dir examples/aviation/data --print-spec > pipelines/aviation.yaml
hotpass run pipelines/aviation.yaml`,
	"hotpass resolve": `
hotpass resolve --input testdata/linkage/fake_1000/fake_1000.csv --output dist/people \
  --config examples/linkage/fake_1000.yaml`,
	"hotpass linkage evaluate": `
hotpass resolve --input testdata/linkage/fake_1000/fake_1000.csv --output dist/people \
  --config examples/linkage/fake_1000.yaml
hotpass linkage evaluate --predictions dist/people --truth-column cluster \
  --input testdata/linkage/fake_1000/fake_1000.csv`,
	"hotpass profiles show": `
hotpass profiles show aviation
hotpass profiles show aviation --format json`,
}

// addExamples sets each command's Example from commandExamples, indented
// as cobra's help shows examples.
func addExamples(c *cobra.Command) {
	if ex, ok := commandExamples[c.CommandPath()]; ok {
		c.Example = "  " + strings.ReplaceAll(strings.TrimPrefix(ex, "\n"), "\n", "\n  ")
	}
	for _, sub := range c.Commands() {
		addExamples(sub)
	}
}
