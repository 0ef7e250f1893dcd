package backfill

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/archive"
	"github.com/hotpass/hotpass/internal/suggest"
	"github.com/hotpass/hotpass/specs"
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
	Limits     archive.Limits
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

// blockKeys are the options of an orchestrator.backfill block; a backfill
// task accepts them too.
var blockKeys = []string{
	"archive_root", "restore_root", "archive_pattern", "windows", "concurrency_limit", "concurrency_key",
	"parameters", "pipeline", "on_missing", "max_uncompressed_bytes", "max_files", "max_ratio",
}

// decoder decodes a mapping node with positions, collecting diagnostics.
type decoder struct {
	file  string
	dir   string
	where string // message prefix, e.g. "orchestrator.backfill"
	diags specs.Diagnostics
}

func (d *decoder) errorf(n *yaml.Node, key, format string, args ...any) *specs.Diagnostic {
	msg := fmt.Sprintf(format, args...)
	if key != "" {
		msg = d.where + "." + key + ": " + msg
	} else {
		msg = d.where + ": " + msg
	}
	d.diags = append(d.diags, specs.Errorf(specs.PosOf(d.file, n), "%s", msg))
	return &d.diags[len(d.diags)-1]
}

// DecodeConfig decodes a backfill block. file and dir are the spec file and
// the directory relative paths are resolved against; where prefixes every
// message (e.g. "orchestrator.backfill" or `task "x": with`). Keys listed
// in extra are accepted and returned by node for the caller to decode.
func DecodeConfig(file, dir string, n *yaml.Node, where string, extra ...string) (*Config, map[string]*yaml.Node, error) {
	d := &decoder{file: file, dir: dir, where: where}
	c := &Config{
		File:             file,
		ArchiveRoot:      resolve(dir, DefaultArchiveRoot),
		RestoreRoot:      resolve(dir, DefaultRestoreRoot),
		ConcurrencyLimit: 1,
		ConcurrencyKey:   DefaultConcurrencyKey,
		Pipeline:         PipelineRef{Profile: DefaultProfile},
		OnMissing:        MissingFail,
	}
	c.ArchivePattern, _ = ParsePattern(DefaultArchivePattern)
	extras := map[string]*yaml.Node{}
	n = deref(n)
	if n == nil || n.ShortTag() == "!!null" {
		return c, extras, nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "", "must be a mapping of backfill options")
		return nil, nil, d.diags
	}
	known := append(append([]string{}, blockKeys...), extra...)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		switch k.Value {
		case "archive_root":
			c.ArchiveRoot = resolve(dir, d.str(k.Value, v, false))
		case "restore_root":
			c.RestoreRoot = resolve(dir, d.str(k.Value, v, false))
		case "archive_pattern":
			if s := d.str(k.Value, v, false); s != "" {
				p, err := ParsePattern(s)
				if err != nil {
					d.errorf(v, k.Value, "%v", err).Hint = "placeholders: {date:<format>} with " + supportedVerbs + ", and {version}"
				}
				c.ArchivePattern = p
			}
		case "windows":
			c.Windows = d.windows(v)
		case "concurrency_limit":
			c.ConcurrencyLimit = d.int(k.Value, v, 0)
		case "concurrency_key":
			c.ConcurrencyKey = d.str(k.Value, v, false)
		case "parameters":
			c.Parameters = d.params(v)
		case "pipeline":
			c.Pipeline = d.pipeline(v)
		case "on_missing":
			switch s := d.str(k.Value, v, false); OnMissing(s) {
			case MissingFail, MissingSkip:
				c.OnMissing = OnMissing(s)
			default:
				if s != "" {
					d.errorf(v, k.Value, "must be fail or skip, got %q", s)
				}
			}
		case "max_uncompressed_bytes":
			c.Limits.MaxUncompressedBytes = int64(d.int(k.Value, v, 1))
		case "max_files":
			c.Limits.MaxFiles = d.int(k.Value, v, 1)
		case "max_ratio":
			f, err := strconv.ParseFloat(v.Value, 64)
			if v.Kind != yaml.ScalarNode || err != nil || f <= 0 {
				d.errorf(v, k.Value, "must be a number greater than 0, got %q", v.Value)
			}
			c.Limits.MaxRatio = f
		default:
			if contains(extra, k.Value) {
				extras[k.Value] = v
				continue
			}
			diag := d.errorf(k, "", "unknown option %s", k.Value)
			if s := suggest.Closest(k.Value, known); s != "" {
				diag.Hint = fmt.Sprintf("did you mean %q?", s)
			} else {
				diag.Hint = "options: " + strings.Join(known, ", ")
			}
		}
	}
	if len(d.diags) > 0 {
		return nil, nil, d.diags
	}
	c.Limits = c.Limits.WithDefaults()
	return c, extras, nil
}

// str decodes a string scalar; empty is an error unless allowEmpty.
func (d *decoder) str(key string, v *yaml.Node, allowEmpty bool) string {
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		d.errorf(v, key, "must be a string")
		return ""
	}
	if v.Value == "" && !allowEmpty {
		d.errorf(v, key, "must not be empty")
	}
	return v.Value
}

func (d *decoder) int(key string, v *yaml.Node, min int) int {
	n, err := strconv.Atoi(v.Value)
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" || err != nil {
		d.errorf(v, key, "must be a whole number, got %q", v.Value)
		return 0
	}
	if n < min {
		d.errorf(v, key, "must be at least %d, got %d", min, n)
	}
	return n
}

func (d *decoder) windows(v *yaml.Node) []Window {
	if v.Kind != yaml.SequenceNode {
		d.errorf(v, "windows", "must be a list of {start_date, end_date, versions}")
		return nil
	}
	var out []Window
	for i, wn := range v.Content {
		wn = deref(wn)
		key := fmt.Sprintf("windows[%d]", i)
		if wn.Kind != yaml.MappingNode {
			d.errorf(wn, key, "must be a mapping {start_date, end_date, versions}")
			continue
		}
		w := Window{Pos: specs.PosOf(d.file, wn)}
		var startNode, endNode *yaml.Node
		for j := 0; j+1 < len(wn.Content); j += 2 {
			k, val := wn.Content[j], deref(wn.Content[j+1])
			switch k.Value {
			case "start_date":
				startNode, w.Start = val, d.date(key+".start_date", val)
			case "end_date":
				endNode, w.End = val, d.date(key+".end_date", val)
			case "versions":
				w.Versions = d.versions(key+".versions", val)
			default:
				diag := d.errorf(k, key, "unknown option %s", k.Value)
				if s := suggest.Closest(k.Value, []string{"start_date", "end_date", "versions"}); s != "" {
					diag.Hint = fmt.Sprintf("did you mean %q?", s)
				}
			}
		}
		switch {
		case startNode == nil || endNode == nil:
			d.errorf(wn, key, "needs both start_date and end_date (YYYY-MM-DD)")
			continue
		case w.Start.IsZero() || w.End.IsZero():
			continue
		}
		if err := checkRange(w.Start, w.End); err != nil {
			d.errorf(endNode, key+".end_date", "%v", err)
			continue
		}
		out = append(out, w)
	}
	return out
}

func (d *decoder) date(key string, v *yaml.Node) time.Time {
	t, err := ParseDate(v.Value)
	if v.Kind != yaml.ScalarNode || err != nil {
		d.errorf(v, key, "%q is not a date; write YYYY-MM-DD", v.Value)
		return time.Time{}
	}
	return t
}

func (d *decoder) versions(key string, v *yaml.Node) []string {
	if v.Kind != yaml.SequenceNode {
		d.errorf(v, key, "must be a list of version names")
		return nil
	}
	var out []string
	for i, vn := range v.Content {
		vn = deref(vn)
		if vn.Kind != yaml.ScalarNode {
			d.errorf(vn, fmt.Sprintf("%s[%d]", key, i), "must be a version name")
			continue
		}
		if err := CheckVersion(vn.Value); err != nil {
			d.errorf(vn, fmt.Sprintf("%s[%d]", key, i), "%v", err)
			continue
		}
		out = append(out, vn.Value)
	}
	return out
}

func (d *decoder) params(v *yaml.Node) map[string]any {
	if v.Kind != yaml.MappingNode {
		d.errorf(v, "parameters", "must be a mapping of parameter names to values")
		return nil
	}
	var m map[string]any
	if err := v.Decode(&m); err != nil {
		d.errorf(v, "parameters", "%v", err)
		return nil
	}
	for _, reserved := range []string{ParamInputDir, ParamOutputPath} {
		if _, ok := m[reserved]; ok {
			d.errorf(v, "parameters", "%s is set by the backfill for each run", reserved).Hint = "remove it from parameters"
		}
	}
	return m
}

func (d *decoder) pipeline(v *yaml.Node) PipelineRef {
	if v.Kind != yaml.MappingNode {
		d.errorf(v, "pipeline", "must be {spec: FILE} or {profile: NAME}")
		return PipelineRef{}
	}
	var r PipelineRef
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], deref(v.Content[i+1])
		switch k.Value {
		case "spec":
			if s := d.str("pipeline.spec", val, false); s != "" {
				r.Spec = resolve(d.dir, s)
			}
		case "profile":
			r.Profile = d.str("pipeline.profile", val, false)
		default:
			d.errorf(k, "pipeline", "unknown option %s", k.Value).Hint = "write {spec: FILE} or {profile: NAME}"
		}
	}
	if (r.Spec == "") == (r.Profile == "") {
		d.errorf(v, "pipeline", "give exactly one of spec and profile")
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

func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return deref(n.Content[0])
	}
	return n
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
