package backfill

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/archive"
	"github.com/hotpass/hotpass/specs"
	optdecode "github.com/hotpass/hotpass/specs/decode"
)

// Defaults of the orchestrator.backfill block.
const (
	DefaultArchiveRoot    = "dist/input-archives"
	DefaultRestoreRoot    = "dist/backfill"
	DefaultConcurrencyKey = "hotpass/backfill"
	DefaultProfile        = "aviation"
	// LatestVersion is the version run when neither flags nor windows name one.
	LatestVersion = "latest"
	// maxDays bounds one backfill so that a typo in a year cannot queue a
	// million runs.
	maxDays = 100 * 366
)

// OnMissing says what a run does when its archive does not exist.
type OnMissing string

// The on_missing policies.
const (
	// MissingFail fails the run (and so the backfill's exit status).
	MissingFail OnMissing = "fail"
	// MissingSkip records the run as missing and goes on.
	MissingSkip OnMissing = "skip"
)

// Config is a decoded, checked orchestrator.backfill block (or backfill
// task options). Paths are absolute.
type Config struct {
	// File is where the block was read from, for messages.
	File           string
	ArchiveRoot    string
	RestoreRoot    string
	ArchivePattern Pattern
	Windows        []Window
	// ConcurrencyLimit is how many runs may go at once across every process
	// sharing the state store; 0 runs them one after another in this
	// process without taking slots.
	ConcurrencyLimit int
	ConcurrencyKey   string
	// Parameters are merged into every run's params.
	Parameters map[string]any
	Pipeline   PipelineRef
	OnMissing  OnMissing
	// FailFast stops starting runs after the first failed one; the runs
	// already going finish.
	FailFast bool
	Limits   archive.Limits
}

// Window is a range of logical dates, both ends included, and the versions
// to run for each date (none: the versions from flags, else "latest").
type Window struct {
	Start, End time.Time
	Versions   []string
	Pos        specs.Pos
}

// PipelineRef names what each archive runs: a spec file (absolute path) or
// a built-in profile.
type PipelineRef struct {
	Spec    string
	Profile string
}

// String describes the pipeline for messages.
func (r PipelineRef) String() string {
	if r.Spec != "" {
		return r.Spec
	}
	return "profile " + r.Profile
}

// BlockOptions declares the options of an orchestrator.backfill block; a
// backfill task accepts them too, inlined in its own. OptionsSchema comes
// from the same declaration.
type BlockOptions struct {
	ArchiveRoot          string                           `yaml:"archive_root" minlen:"1" doc:"Directory holding the input archives, relative to this file. Default dist/input-archives."`
	RestoreRoot          string                           `yaml:"restore_root" minlen:"1" doc:"Directory archives are extracted under (<date>--<version>/), with outputs/, the state file and the summary. Default dist/backfill."`
	ArchivePattern       string                           `yaml:"archive_pattern" minlen:"1" examples:"hotpass-inputs-{date:%Y%m%d}-v{version}.zip|{date:%Y}/{date:%b}/inputs-{date:%d}-{version}.zip" doc:"Archive file name under archive_root, with {date:<strftime>} (%Y %m %d %j %y %b %%) and {version} placeholders. Default hotpass-inputs-{date:%Y%m%d}-v{version}.zip."`
	Windows              []optdecode.Node[windowOptions]  `yaml:"windows" doc:"Ranges of logical dates to replay, both ends included, each with its versions (default: latest)."`
	ConcurrencyLimit     *int                             `yaml:"concurrency_limit" min:"0" doc:"Runs at once across every process sharing the state store (slot leases). 0 runs them one after another in this process. Default 1."`
	ConcurrencyKey       string                           `yaml:"concurrency_key" minlen:"1" doc:"Name of the slot pool the limit applies to. Default hotpass/backfill."`
	Parameters           map[string]any                   `yaml:"parameters" doc:"Params given to every run, besides input_dir and output_path which the backfill sets."`
	Pipeline             *optdecode.Node[pipelineOptions] `yaml:"pipeline" doc:"What each archive runs: a spec file ({spec: FILE}, relative to this file) or a built-in profile ({profile: NAME}). Default {profile: aviation}."`
	OnMissing            OnMissing                        `yaml:"on_missing" enum:"fail|skip" doc:"What to do when a date's archive does not exist: fail the run (default) or skip it."`
	FailFast             bool                             `yaml:"fail_fast" doc:"Start no new run after the first failed one; runs already going finish, the rest are reported not started and a re-run does them. Default false: every date runs."`
	MaxUncompressedBytes *int64                           `yaml:"max_uncompressed_bytes" min:"1" doc:"Most bytes one archive may extract to, counted while decompressing. Default 4 GiB."`
	MaxFiles             *int                             `yaml:"max_files" min:"1" doc:"Most members one archive may hold. Default 10000."`
	MaxRatio             *float64                         `yaml:"max_ratio" gt:"0" doc:"Most a member may expand relative to its compressed size (zip bomb guard). Default 200."`
}

// windowOptions declares one entry of windows:.
type windowOptions struct {
	StartDate optdecode.Node[string]    `yaml:"start_date" hotpass:"required" doc:"First logical date, YYYY-MM-DD."`
	EndDate   optdecode.Node[string]    `yaml:"end_date" hotpass:"required" doc:"Last logical date, YYYY-MM-DD."`
	Versions  []optdecode.Node[version] `yaml:"versions" minlen:"1" doc:"Versions to run for each date."`
}

// version is a version name, which YAML may read as a number.
type version string

// JSONSchema accepts a name or a number.
func (version) JSONSchema() map[string]any { return map[string]any{"type": []any{"string", "integer"}} }

// pipelineOptions declares pipeline:.
type pipelineOptions struct {
	Spec    string `yaml:"spec" minlen:"1"`
	Profile string `yaml:"profile" minlen:"1"`
}

// OptionRules: a spec file or a profile. The decoder leaves the check to
// Configure, which words it for the block.
func (pipelineOptions) OptionRules() []optdecode.Rule {
	return []optdecode.Rule{optdecode.OneOf("spec", "profile")}
}

// problems collects diagnostics about a block, each prefixed with where
// the block is ("orchestrator.backfill" or `task "x": with`).
type problems struct {
	file  string
	where string
	diags specs.Diagnostics
}

func (d *problems) errorf(n *yaml.Node, key, format string, args ...any) *specs.Diagnostic {
	msg := fmt.Sprintf(format, args...)
	if key != "" {
		msg = d.where + "." + key + ": " + msg
	} else {
		msg = d.where + ": " + msg
	}
	d.diags = append(d.diags, specs.Errorf(specs.PosOf(d.file, n), "%s", msg))
	return &d.diags[len(d.diags)-1]
}

// decoded adds the problems of a decode of the block's part at prefix
// ("" for the block itself); it reports whether there were none.
func (d *problems) decoded(prefix string, err error) bool {
	if err == nil {
		return true
	}
	var ps optdecode.Problems
	if !errors.As(err, &ps) {
		d.errorf(nil, prefix, "%v", err)
		return false
	}
	for _, p := range ps {
		key := strings.TrimPrefix(prefix+"."+p.Key, ".")
		key = strings.TrimSuffix(key, ".")
		switch {
		case p.Kind == optdecode.Unknown:
			// The unknown key names itself; the message names its block.
			parent := key[:max(0, len(key)-len(p.Node.Value)-1)]
			d.errorf(p.Node, parent, "unknown option %s", p.Node.Value).Hint = p.UnknownHint("options: ")
		case p.Kind == optdecode.Type && p.Want == "whole number":
			d.errorf(p.Node, key, "must be a whole number, got %q", p.Node.Value)
		case p.Kind == optdecode.Type && p.Want == "boolean":
			d.errorf(p.Node, key, "must be true or false, got %q", p.Node.Value)
		case p.Kind == optdecode.Range && p.Op == ">":
			d.errorf(p.Node, key, "must be a number greater than %s, got %q", p.Bound, p.Node.Value)
		default:
			d.errorf(p.Node, key, "%s", p.Msg).Hint = p.Hint
		}
	}
	return false
}

// DecodeConfig decodes a backfill block. file and dir are the spec file and
// the directory relative paths are resolved against; where prefixes every
// message (e.g. "orchestrator.backfill"). It returns where each option was
// written too.
func DecodeConfig(file, dir string, n *yaml.Node, where string) (*Config, *optdecode.Block, error) {
	var o BlockOptions
	b, err := optdecode.Into(n, &o)
	d := &problems{file: file, where: where}
	if !d.decoded("", err) {
		return nil, b, d.diags
	}
	c, err := Configure(file, dir, where, &o, b)
	return c, b, err
}

// Problems words the error of decoding (a part of) a backfill block as
// diagnostics, for a caller that decodes the options itself (the backfill
// task, whose options include these).
func Problems(file, where string, err error) specs.Diagnostics {
	d := &problems{file: file, where: where}
	d.decoded("", err)
	return d.diags
}

// Configure checks decoded options and fills in the defaults: file and
// dir are the spec file and the directory relative paths are resolved
// against; where prefixes every message; b is where the options were
// written.
func Configure(file, dir, where string, o *BlockOptions, b *optdecode.Block) (*Config, error) {
	d := &problems{file: file, where: where}
	c := &Config{
		File:             file,
		ArchiveRoot:      engine.ResolvePath(dir, DefaultArchiveRoot),
		RestoreRoot:      engine.ResolvePath(dir, DefaultRestoreRoot),
		ConcurrencyLimit: 1,
		ConcurrencyKey:   DefaultConcurrencyKey,
		Pipeline:         PipelineRef{Profile: DefaultProfile},
		OnMissing:        MissingFail,
		FailFast:         o.FailFast,
		Parameters:       o.Parameters,
	}
	c.ArchivePattern, _ = ParsePattern(DefaultArchivePattern)
	if o.ArchiveRoot != "" {
		c.ArchiveRoot = engine.ResolvePath(dir, o.ArchiveRoot)
	}
	if o.RestoreRoot != "" {
		c.RestoreRoot = engine.ResolvePath(dir, o.RestoreRoot)
	}
	if o.ArchivePattern != "" {
		p, err := ParsePattern(o.ArchivePattern)
		if err != nil {
			d.errorf(b.Value("archive_pattern"), "archive_pattern", "%v", err).Hint = "placeholders: {date:<format>} with " + supportedVerbs + ", and {version}"
		}
		c.ArchivePattern = p
	}
	if o.ConcurrencyLimit != nil {
		c.ConcurrencyLimit = *o.ConcurrencyLimit
	}
	if o.ConcurrencyKey != "" {
		c.ConcurrencyKey = o.ConcurrencyKey
	}
	if o.OnMissing != "" {
		c.OnMissing = o.OnMissing
	}
	if o.MaxUncompressedBytes != nil {
		c.Limits.MaxUncompressedBytes = *o.MaxUncompressedBytes
	}
	if o.MaxFiles != nil {
		c.Limits.MaxFiles = *o.MaxFiles
	}
	if o.MaxRatio != nil {
		c.Limits.MaxRatio = *o.MaxRatio
	}
	for i, w := range o.Windows {
		if win, ok := d.window(fmt.Sprintf("windows[%d]", i), w.Node); ok {
			c.Windows = append(c.Windows, win)
		}
	}
	d.params(b.Value("parameters"), o.Parameters)
	if o.Pipeline != nil {
		c.Pipeline = d.pipeline(dir, o.Pipeline.Node)
	}
	if len(d.diags) > 0 {
		return nil, d.diags
	}
	c.Limits = c.Limits.WithDefaults()
	return c, nil
}

func (d *problems) window(key string, n *yaml.Node) (Window, bool) {
	var o windowOptions
	if _, err := optdecode.Into(n, &o); !d.decoded(key, err) {
		return Window{}, false
	}
	n = optdecode.Deref(n)
	w := Window{Pos: specs.PosOf(d.file, n)}
	if o.StartDate.Node == nil || o.EndDate.Node == nil {
		d.errorf(n, key, "needs both start_date and end_date (YYYY-MM-DD)")
		return Window{}, false
	}
	w.Start = d.date(key+".start_date", o.StartDate.Node)
	w.End = d.date(key+".end_date", o.EndDate.Node)
	for i, v := range o.Versions {
		vn := optdecode.Deref(v.Node)
		vkey := fmt.Sprintf("%s.versions[%d]", key, i)
		if vn.Kind != yaml.ScalarNode {
			d.errorf(vn, vkey, "must be a version name")
			continue
		}
		if err := CheckVersion(vn.Value); err != nil {
			d.errorf(vn, vkey, "%v", err)
			continue
		}
		w.Versions = append(w.Versions, vn.Value)
	}
	if w.Start.IsZero() || w.End.IsZero() {
		return Window{}, false
	}
	if err := checkRange(w.Start, w.End); err != nil {
		d.errorf(o.EndDate.Node, key+".end_date", "%v", err)
		return Window{}, false
	}
	return w, true
}

func (d *problems) date(key string, v *yaml.Node) time.Time {
	v = optdecode.Deref(v)
	t, err := ParseDate(v.Value)
	if v.Kind != yaml.ScalarNode || err != nil {
		d.errorf(v, key, "%q is not a date; write YYYY-MM-DD", v.Value)
		return time.Time{}
	}
	return t
}

func (d *problems) params(n *yaml.Node, m map[string]any) {
	for _, reserved := range []string{ParamInputDir, ParamOutputPath} {
		if _, ok := m[reserved]; ok {
			d.errorf(n, "parameters", "%s is set by the backfill for each run", reserved).Hint = "remove it from parameters"
		}
	}
}

func (d *problems) pipeline(dir string, v *yaml.Node) PipelineRef {
	var o pipelineOptions
	if _, err := optdecode.Into(v, &o); !d.decoded("pipeline", err) {
		return PipelineRef{}
	}
	r := PipelineRef{Spec: engine.ResolvePath(dir, o.Spec), Profile: o.Profile}
	if (r.Spec == "") == (r.Profile == "") {
		d.errorf(optdecode.Deref(v), "pipeline", "give exactly one of spec and profile")
	}
	return r
}

// ParseDate parses a logical date written YYYY-MM-DD.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date; write YYYY-MM-DD", s)
	}
	return t, nil
}

// checkRange refuses an end before the start and ranges longer than maxDays.
func checkRange(start, end time.Time) error {
	if end.Before(start) {
		return fmt.Errorf("end date %s is before start date %s", end.Format(time.DateOnly), start.Format(time.DateOnly))
	}
	if days := int(end.Sub(start).Hours()/24) + 1; days > maxDays {
		return fmt.Errorf("%d days from %s to %s is more than the limit of %d; split the backfill",
			days, start.Format(time.DateOnly), end.Format(time.DateOnly), maxDays)
	}
	return nil
}

// versionRe is what a version may be made of: it becomes part of file
// names and run ids.
var versionRe = regexp.MustCompile(`^[A-Za-z0-9._+/\\-]{1,100}$`)

// CheckVersion refuses version names that could not safely be part of a
// file name.
func CheckVersion(v string) error {
	if !versionRe.MatchString(v) {
		return fmt.Errorf("version %q: use 1 to 100 letters, digits and . _ + - / \\", v)
	}
	for _, el := range strings.FieldsFunc(v, func(r rune) bool { return r == '/' || r == '\\' }) {
		if el == ".." || el == "." {
			return fmt.Errorf("version %q: %q is not allowed as a part of a version", v, el)
		}
	}
	return nil
}
