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
	"hotpass archive": `
hotpass archive --input-dir examples/aviation/data --date 2024-03-01 --version 1
hotpass archive --input-dir examples/aviation/data --date 2024-03-02 --version 1 --archive-root dist/archives`,
	"hotpass backfill": `
hotpass archive --input-dir examples/aviation/data --date 2024-03-01 --version 1
hotpass backfill --config backfill.yaml --start-date 2024-03-01 --end-date 2024-03-03 --version v1 --dry-run
hotpass backfill --config backfill.yaml --start-date 2024-03-01 --end-date 2024-03-01 --version 1`,
	"hotpass deploy": `
hotpass deploy --name demo-nightly --spec examples/demo/pipeline.yaml --schedule "0 2 * * *" \
  --timezone Africa/Johannesburg --tag demo --param out_dir=out/nightly
hotpass deploy --name aviation-on-demand --profile aviation --params '{"policy": "drop"}'`,
	"hotpass deployment ls": `
hotpass deploy --name demo-nightly --spec examples/demo/pipeline.yaml --schedule @daily --tag demo
hotpass deployment ls --tag demo
hotpass deployment ls --format json`,
	"hotpass deployment show": `
hotpass deploy --name demo-nightly --spec examples/demo/pipeline.yaml --schedule @daily
hotpass deployment show demo-nightly
hotpass deployment show demo-nightly --format json`,
	"hotpass deployment pause": `
hotpass deploy --name demo-nightly --spec examples/demo/pipeline.yaml --schedule @daily
hotpass deployment pause demo-nightly`,
	"hotpass deployment resume": `
hotpass deploy --name demo-nightly --spec examples/demo/pipeline.yaml --schedule @daily --paused
hotpass deployment resume demo-nightly`,
	"hotpass deployment rm": `
hotpass deploy --name demo-nightly --spec examples/demo/pipeline.yaml --schedule @daily
hotpass deployment rm demo-nightly`,
	"hotpass deployment run": `
hotpass deploy --name demo-nightly --spec examples/demo/pipeline.yaml --schedule @daily
hotpass deployment run demo-nightly --wait --param out_dir=out/now
hotpass deployment run demo-nightly --params '{"out_dir": "out/queued"}'   # for hotpass serve`,
	"hotpass graph": `
hotpass graph examples/demo/pipeline.yaml
hotpass graph examples/demo/pipeline.yaml --format dot > demo.dot`,
	"hotpass init": `
hotpass init my-pipeline
cd my-pipeline && hotpass validate pipeline.yaml && hotpass run pipeline.yaml`,
	"hotpass linkage blocking-stats": `
hotpass linkage blocking-stats --config examples/linkage/fake_1000.yaml \
  --input testdata/linkage/fake_1000/fake_1000.csv`,
	"hotpass linkage suggest-blocking": `
hotpass linkage suggest-blocking --config examples/linkage/fake_1000.yaml \
  --input testdata/linkage/fake_1000/fake_1000.csv --max-comparisons 5000000 --target-recall 0.95`,
	"hotpass linkage export-splink": `
hotpass linkage export-splink --model dist/people/model.json --output dist/people/splink_model.json`,
	"hotpass profiles ls": `
hotpass profiles ls
hotpass profiles ls --format json`,
	"hotpass runs ls": `
hotpass run examples/demo/pipeline.yaml
hotpass runs ls --limit 10
hotpass runs ls --status failed --format json`,
	"hotpass runs show": `
hotpass run examples/demo/pipeline.yaml --run-id demo-1
hotpass runs show demo-1
hotpass runs show demo-1 --format json`,
	"hotpass runs logs": `
hotpass run examples/demo/pipeline.yaml --run-id demo-1
hotpass runs logs demo-1
hotpass runs logs demo-1 --task prepare`,
	"hotpass runs cancel": `
hotpass runs cancel 20260301T120000-3f9a
hotpass runs cancel 20260301T120000-3f9a --wait 0 --format json`,
	"hotpass runs prune": `
hotpass runs prune --older-than 30d`,
	"hotpass schema": `
hotpass schema > pipeline.schema.json
hotpass schema --profile > profile.schema.json`,
	"hotpass serve": `
HOTPASS_API_TOKEN=$(openssl rand -hex 32) hotpass serve --addr 127.0.0.1:4200
hotpass serve --addr 127.0.0.1:4200 --workers 2 --trace-url 'http://localhost:16686/trace/{trace_id}'`,
	"hotpass version": `
hotpass version
hotpass --version`,
	"hotpass completion bash": `
hotpass completion bash > hotpass.bash   # then: source hotpass.bash`,
	"hotpass completion zsh": `
hotpass completion zsh > _hotpass   # put it in a directory on $fpath`,
	"hotpass completion fish": `
hotpass completion fish > hotpass.fish`,
	"hotpass completion powershell": `
hotpass completion powershell > hotpass.ps1`,
	"hotpass run": `
hotpass run examples/demo/pipeline.yaml --run-id demo-1
hotpass run examples/demo/pipeline.yaml --param out_dir=out/today
hotpass run examples/demo/pipeline.yaml --resume demo-1   # reuses what is unchanged`,
	"hotpass worker": `
hotpass worker --artifacts file:///mnt/hotpass --max-tasks 8
hotpass worker --temporal-address 127.0.0.1:7233 --namespace etl --task-queue nightly --artifacts file:///mnt/hotpass`,
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
	"hotpass geo clusters": `
hotpass orchestrate --profile aviation --input-dir examples/aviation/data --output dist/refined.xlsx
hotpass geo clusters --input dist/refined.parquet --radius-km 10
hotpass geo clusters --input dist/refined.xlsx --radius-km 25 --format json`,
	"hotpass privacy scan": `
hotpass privacy scan --input "examples/aviation/data/Contact Database.xlsx" --sheet Company_Contacts
hotpass privacy scan --input "examples/aviation/data/Contact Database.xlsx" --sheet Company_Contacts --format json`,
	"hotpass privacy erase": `
hotpass privacy erase --match email=jane.doe@example.com --dry-run
hotpass privacy erase --match email=jane.doe@example.com --match phone=+27821234567 --file dist/refined.xlsx --yes`,
	"hotpass privacy verify-audit": `
hotpass privacy erase --match email=jane.doe@example.com
hotpass privacy verify-audit
hotpass privacy verify-audit --format json`,
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
