package backfill

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotpass/hotpass/exitcode"
)

// ErrSelection is wrapped by errors about which runs to do (bad dates,
// versions or overrides): the caller's input, not the data, is wrong, so
// it carries exit status 2 (exitcode.Invalid).
var ErrSelection = exitcode.New(exitcode.Invalid, "invalid backfill selection")

// Params set by the backfill on every run, on top of Config.Parameters.
const (
	// ParamInputDir is the directory the run's archive was extracted to.
	ParamInputDir = "input_dir"
	// ParamOutputPath is where the run should write its refined workbook.
	ParamOutputPath = "output_path"
)

// Selection narrows or overrides the config's windows, as flags do.
type Selection struct {
	// Start and End (YYYY-MM-DD) replace the windows when set; both or
	// neither must be given.
	Start, End string
	// Versions replace every window's versions when set.
	Versions []string
}

// Job is one run of a backfill: a logical date and a version, and where
// its files live.
type Job struct {
	Date    time.Time
	Version string
	// Archive is the input archive's path.
	Archive string
	// RestoreDir is where the archive is extracted:
	// <restore_root>/<YYYY-MM-DD>--<version>.
	RestoreDir string
	// OutputPath is <restore_root>/outputs/refined-<date>-<version>.xlsx.
	OutputPath string
	// RunID is backfill-<date>-<version>.
	RunID string
}

// DateString is the job's logical date as YYYY-MM-DD.
func (j Job) DateString() string { return j.Date.Format(time.DateOnly) }

// Key identifies the job in the state file.
func (j Job) Key() string { return j.DateString() + "/" + j.Version }

// SafeVersion is the version with '/' and '\' replaced by '-', for
// directory names and run ids.
func SafeVersion(v string) string {
	return strings.NewReplacer("/", "-", `\`, "-").Replace(v)
}

// Jobs expands the config and selection into runs: every date of each
// window (or of the selection's range) times the versions (selection, else
// window, else "latest"), in date order, without repeats.
func (c *Config) Jobs(sel Selection) ([]Job, error) {
	for _, v := range sel.Versions {
		if err := CheckVersion(v); err != nil {
			return nil, fmt.Errorf("%w: --version: %v", ErrSelection, err)
		}
	}
	windows := c.Windows
	if sel.Start != "" || sel.End != "" {
		if sel.Start == "" || sel.End == "" {
			return nil, fmt.Errorf("%w: give both --start-date and --end-date, or neither to use the config's windows", ErrSelection)
		}
		start, err := ParseDate(sel.Start)
		if err != nil {
			return nil, fmt.Errorf("%w: --start-date: %v", ErrSelection, err)
		}
		end, err := ParseDate(sel.End)
		if err != nil {
			return nil, fmt.Errorf("%w: --end-date: %v", ErrSelection, err)
		}
		if err := checkRange(start, end); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSelection, err)
		}
		windows = []Window{{Start: start, End: end, Versions: allVersions(c.Windows)}}
	}
	if len(windows) == 0 {
		return nil, fmt.Errorf("%w: no dates to run: give --start-date and --end-date, or list windows under %s in %s",
			ErrSelection, BlockPath, c.File)
	}
	seen := map[string]bool{}
	var jobs []Job
	for _, w := range windows {
		versions := sel.Versions
		if len(versions) == 0 {
			versions = w.Versions
		}
		if len(versions) == 0 {
			versions = []string{LatestVersion}
		}
		for d := w.Start; !d.After(w.End); d = d.AddDate(0, 0, 1) {
			for _, v := range versions {
				j, err := c.job(d, v)
				if err != nil {
					return nil, err
				}
				if !seen[j.Key()] {
					seen[j.Key()] = true
					jobs = append(jobs, j)
				}
			}
		}
	}
	return jobs, nil
}

// job fills in the paths of one run.
func (c *Config) job(d time.Time, v string) (Job, error) {
	v = c.ArchivePattern.Version(v)
	name, err := c.ArchivePattern.Render(d, v)
	if err != nil {
		return Job{}, fmt.Errorf("%w: %v", ErrSelection, err)
	}
	date, safe := d.Format(time.DateOnly), SafeVersion(v)
	return Job{
		Date:       d,
		Version:    v,
		Archive:    filepath.Join(c.ArchiveRoot, filepath.FromSlash(name)),
		RestoreDir: filepath.Join(c.RestoreRoot, date+"--"+safe),
		OutputPath: filepath.Join(c.RestoreRoot, "outputs", "refined-"+date+"-"+safe+".xlsx"),
		RunID:      "backfill-" + date + "-" + safe,
	}, nil
}

// allVersions is every version named by any window, in order, once each.
func allVersions(ws []Window) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range ws {
		for _, v := range w.Versions {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}
