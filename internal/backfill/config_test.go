package backfill

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/specs"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPattern(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, version, want string
	}{
		{DefaultArchivePattern, "3", "hotpass-inputs-20240229-v3.zip"},
		{"{date:%Y}/{date:%b}/in-{date:%d}-{version}.zip", "rc/1", "2024/Feb/in-29-rc/1.zip"},
		{"x-{date:%y%j%%}-100%%.zip", "a", "x-24060%-100%%.zip"},
		{"{date}.zip", "a", "2024-02-29.zip"},
	}
	for _, tc := range cases {
		p, err := ParsePattern(tc.pattern)
		if err != nil {
			t.Fatalf("ParsePattern(%q): %v", tc.pattern, err)
		}
		got, err := p.Render(day("2024-02-29"), tc.version)
		if err != nil || got != tc.want {
			t.Errorf("%q.Render = %q, %v; want %q", tc.pattern, got, err, tc.want)
		}
	}
	bad := map[string]string{
		"in-{date:%H}.zip":      "%H is not supported",
		"in-{version}.zip":      "no {date",
		"in-{date:%Y.zip":       "never closed",
		"in-{day}.zip":          "unknown placeholder",
		"in-{date:%Y}}.zip":     "closes no placeholder",
		"in-{date:%}.zip":       "lone '%'",
		"in-{date:}-{version}":  "empty date format",
		"in-{date:%Y-%m-%e}.gz": "%e is not supported",
	}
	for pattern, want := range bad {
		if _, err := ParsePattern(pattern); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePattern(%q) = %v, want an error containing %q", pattern, err, want)
		}
	}
	p, _ := ParsePattern("../{date}-{version}.zip")
	if _, err := p.Render(day("2024-01-01"), "v1"); err == nil {
		t.Error("a pattern leaving the archive root rendered")
	}
}

// TestPatternVersion checks that a version given with the "v" its pattern
// already writes names the same archive as without it, and that versions
// elsewhere are left as given.
func TestPatternVersion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, version, wantVersion, wantName string
	}{
		{DefaultArchivePattern, "v1", "1", "hotpass-inputs-20240229-v1.zip"},
		{DefaultArchivePattern, "1", "1", "hotpass-inputs-20240229-v1.zip"},
		{DefaultArchivePattern, "V2", "2", "hotpass-inputs-20240229-v2.zip"},
		{DefaultArchivePattern, "v1.2.3", "1.2.3", "hotpass-inputs-20240229-v1.2.3.zip"},
		{DefaultArchivePattern, "vnext", "vnext", "hotpass-inputs-20240229-vvnext.zip"}, // not a number: as given
		{DefaultArchivePattern, "v", "v", "hotpass-inputs-20240229-vv.zip"},
		{DefaultArchivePattern, "latest", "latest", "hotpass-inputs-20240229-vlatest.zip"},
		{"in-{date}-{version}.zip", "v1", "v1", "in-2024-02-29-v1.zip"},          // the pattern writes no "v"
		{"{version}/{date}.zip", "v1", "v1", "v1/2024-02-29.zip"},                // nothing before {version}
		{"in-{date}-V{version}.zip", "v3", "3", "in-2024-02-29-V3.zip"},          // either case
		{"{date}-v{version}-{version}.zip", "v1", "v1", "2024-02-29-vv1-v1.zip"}, // one {version} without the "v"
		{"{date}-{date:%Y}v{version}.zip", "v1", "1", "2024-02-29-2024v1.zip"},
		{"{date}-release-v{version}.tar.gz", "v10", "10", "2024-02-29-release-v10.tar.gz"},
	}
	for _, tc := range cases {
		p, err := ParsePattern(tc.pattern)
		if err != nil {
			t.Fatalf("ParsePattern(%q): %v", tc.pattern, err)
		}
		if got := p.Version(tc.version); got != tc.wantVersion {
			t.Errorf("%q.Version(%q) = %q, want %q", tc.pattern, tc.version, got, tc.wantVersion)
		}
		got, err := p.Render(day("2024-02-29"), tc.version)
		if err != nil || got != tc.wantName {
			t.Errorf("%q.Render(%q) = %q, %v; want %q", tc.pattern, tc.version, got, err, tc.wantName)
		}
	}
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{DefaultArchivePattern, "{date}", "{date:%%%Y}/{version}", "{", "}"} {
		f.Add(s, "v1")
	}
	f.Fuzz(func(t *testing.T, pattern, version string) {
		p, err := ParsePattern(pattern)
		if err != nil {
			return
		}
		if CheckVersion(version) != nil {
			return
		}
		name, err := p.Render(day("2024-12-31"), version)
		if err == nil && !filepath.IsLocal(name) {
			t.Fatalf("Render gave %q, outside the root", name)
		}
	})
}

// decode parses a YAML document and decodes it as a backfill block.
func decode(t *testing.T, src string) (*Config, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	c, _, err := DecodeConfig("cfg.yaml", "/base", &doc, BlockPath)
	return c, err
}

func TestDecodeConfigDefaults(t *testing.T) {
	t.Parallel()
	c, err := decode(t, "windows: [{start_date: 2024-01-01, end_date: 2024-01-03, versions: [1, b]}]\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.ArchiveRoot != "/base/dist/input-archives" || c.RestoreRoot != "/base/dist/backfill" ||
		c.ConcurrencyLimit != 1 || c.ConcurrencyKey != DefaultConcurrencyKey || c.OnMissing != MissingFail ||
		c.Pipeline.Profile != DefaultProfile || c.ArchivePattern.String() != DefaultArchivePattern || c.FailFast {
		t.Errorf("defaults: %+v", c)
	}
	if len(c.Windows) != 1 || !c.Windows[0].End.Equal(day("2024-01-03")) || strings.Join(c.Windows[0].Versions, ",") != "1,b" {
		t.Errorf("windows: %+v", c.Windows)
	}
	if c.Limits.MaxFiles == 0 || c.Limits.MaxUncompressedBytes == 0 || c.Limits.MaxRatio == 0 {
		t.Errorf("limits not defaulted: %+v", c.Limits)
	}
}

func TestDecodeConfigFailFast(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]bool{"": false, "fail_fast: true\n": true, "fail_fast: false\n": false} {
		c, err := decode(t, "windows: [{start_date: 2024-01-01, end_date: 2024-01-01}]\n"+src)
		if err != nil || c.FailFast != want {
			t.Errorf("%q: fail_fast %v, %v; want %v", src, c != nil && c.FailFast, err, want)
		}
	}
}

func TestDecodeConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, want, pos string
	}{
		{"end before start", "windows:\n  - start_date: 2024-02-01\n    end_date: 2024-01-01\n", "end date 2024-01-01 is before start date 2024-02-01", "cfg.yaml:3:15"},
		{"invalid date", "windows:\n  - {start_date: 2024-02-30, end_date: 2024-03-01}\n", `"2024-02-30" is not a date`, "cfg.yaml:2:18"},
		{"missing end", "windows:\n  - {start_date: 2024-02-01}\n", "needs both start_date and end_date", "cfg.yaml:2:5"},
		{"unknown option", "archive_rot: x\n", "unknown option archive_rot", "cfg.yaml:1:1"},
		{"bad on_missing", "on_missing: ignore\n", "must be fail or skip", "cfg.yaml:1:13"},
		{"negative limit", "concurrency_limit: -1\n", "must be at least 0", "cfg.yaml:1:20"},
		{"limit not a number", "concurrency_limit: many\n", "must be a whole number", "cfg.yaml:1:20"},
		{"bad pattern", "archive_pattern: 'x-{date:%H}.zip'\n", "%H is not supported", "cfg.yaml:1:18"},
		{"bad version", "windows: [{start_date: 2024-01-01, end_date: 2024-01-01, versions: ['../x']}]\n", `".." is not allowed`, "cfg.yaml:1:69"},
		{"pipeline both", "pipeline: {spec: a.yaml, profile: aviation}\n", "exactly one of spec and profile", "cfg.yaml:1:11"},
		{"reserved param", "parameters: {input_dir: /tmp}\n", "input_dir is set by the backfill", "cfg.yaml:1:13"},
		{"max_ratio zero", "max_ratio: 0\n", "greater than 0", "cfg.yaml:1:12"},
		{"fail_fast not a boolean", "fail_fast: sometimes\n", `fail_fast: must be true or false, got "sometimes"`, "cfg.yaml:1:12"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := decode(t, tc.src)
			var ds specs.Diagnostics
			if !errors.As(err, &ds) || !errors.Is(err, specs.ErrInvalid) {
				t.Fatalf("err = %v, want diagnostics", err)
			}
			if !strings.Contains(ds[0].Message, tc.want) || ds[0].Pos.String() != tc.pos {
				t.Errorf("got %s: %s; want %s: ...%s...", ds[0].Pos, ds[0].Message, tc.pos, tc.want)
			}
			if !strings.HasPrefix(ds[0].Message, BlockPath) {
				t.Errorf("message %q does not name the block", ds[0].Message)
			}
		})
	}
}

func TestJobs(t *testing.T) {
	t.Parallel()
	c, err := decode(t, `
restore_root: /r
archive_root: /a
windows:
  - {start_date: 2024-01-30, end_date: 2024-02-01, versions: [v1]}
  - {start_date: 2024-02-01, end_date: 2024-02-01, versions: [v1, "rc/2"]}
`)
	if err != nil {
		t.Fatal(err)
	}
	keys := func(js []Job) string {
		var s []string
		for _, j := range js {
			s = append(s, j.Key())
		}
		return strings.Join(s, " ")
	}
	jobs, err := c.Jobs(Selection{})
	if err != nil {
		t.Fatal(err)
	}
	// v1 is version 1: the default pattern writes the "v" itself.
	if got := keys(jobs); got != "2024-01-30/1 2024-01-31/1 2024-02-01/1 2024-02-01/rc/2" {
		t.Errorf("jobs = %s", got)
	}
	if first := jobs[0]; first.Archive != "/a/hotpass-inputs-20240130-v1.zip" || first.RunID != "backfill-2024-01-30-1" {
		t.Errorf("job of version v1: %+v", first)
	}
	last := jobs[3]
	if last.Archive != "/a/hotpass-inputs-20240201-vrc/2.zip" || last.RestoreDir != "/r/2024-02-01--rc-2" ||
		last.OutputPath != "/r/outputs/refined-2024-02-01-rc-2.xlsx" || last.RunID != "backfill-2024-02-01-rc-2" {
		t.Errorf("job paths: %+v", last)
	}
	jobs, err = c.Jobs(Selection{Start: "2024-03-01", End: "2024-03-02"})
	if err != nil || keys(jobs) != "2024-03-01/1 2024-03-01/rc/2 2024-03-02/1 2024-03-02/rc/2" {
		t.Errorf("flag range with window versions = %s, %v", keys(jobs), err)
	}
	jobs, err = c.Jobs(Selection{Start: "2024-03-01", End: "2024-03-01", Versions: []string{"x"}})
	if err != nil || keys(jobs) != "2024-03-01/x" {
		t.Errorf("flag range and version = %s, %v", keys(jobs), err)
	}
	jobs, err = c.Jobs(Selection{Start: "2024-03-01", End: "2024-03-01", Versions: []string{"v2", "2", "V2"}})
	if err != nil || keys(jobs) != "2024-03-01/2" {
		t.Errorf("v2, 2 and V2 as one version = %s, %v", keys(jobs), err)
	}
	empty, _ := decode(t, "{}")
	jobs, err = empty.Jobs(Selection{Start: "2024-03-01", End: "2024-03-01"})
	if err != nil || keys(jobs) != "2024-03-01/latest" {
		t.Errorf("default version = %s, %v", keys(jobs), err)
	}
	for _, sel := range []Selection{
		{Start: "2024-03-02", End: "2024-03-01"},
		{Start: "2024-13-01", End: "2024-13-02"},
		{Start: "2024-03-01"},
		{Start: "2024-03-01", End: "2024-03-01", Versions: []string{"a/../../b"}},
		{Start: "1900-01-01", End: "2100-01-01"},
	} {
		if _, err := c.Jobs(sel); !errors.Is(err, ErrSelection) {
			t.Errorf("Jobs(%+v) = %v, want ErrSelection", sel, err)
		}
	}
	if _, err := empty.Jobs(Selection{}); !errors.Is(err, ErrSelection) {
		t.Errorf("no windows and no flags: %v, want ErrSelection", err)
	}
}

func TestSchemaMatchesPipelineSchema(t *testing.T) {
	t.Parallel()
	base, err := os.ReadFile(filepath.Join("..", "..", "schemas", "pipeline.base.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs map[string]any `json:"$defs"`
	}
	if err := jsonUnmarshal(base, &doc); err != nil {
		t.Fatal(err)
	}
	var ours any
	if err := jsonUnmarshal(OptionsSchema, &ours); err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(doc.Defs["backfill"], ours) {
		t.Error("schemas/pipeline.base.json $defs.backfill differs from backfill.OptionsSchema; copy one into the other")
	}
}
