package runstate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// OutputExt is the extension of the task output tables kept in a run
// directory (see TaskOutput).
const OutputExt = ".parquet"

// Which runs keep their outputs (a spec's keep_outputs).
const (
	// KeepAll keeps the outputs of the latest runs, whatever their status.
	KeepAll = "all"
	// KeepFailed keeps outputs only in runs that can be resumed.
	KeepFailed = "failed"
	// KeepNone also lets a resumable run lose its outputs once a later run
	// has resumed it: that run copied every output it reused.
	KeepNone = "none"
	// DefaultKeepRuns is how many of a pipeline's latest runs keep their
	// outputs under KeepAll when nothing else is configured.
	DefaultKeepRuns = 20
)

// Policy says which of a pipeline's runs keep their task outputs.
type Policy struct {
	// Keep is KeepAll, KeepFailed or KeepNone; "" means KeepAll.
	Keep string
	// Runs is how many of the pipeline's latest runs KeepAll keeps; older
	// runs that succeeded lose their outputs. 0 means DefaultKeepRuns.
	Runs int
}

// RunInfo is what retention knows of one run directory.
type RunInfo struct {
	ID       string
	Pipeline string
	// Status is the run record's status. A run whose process died still
	// says "running": it is treated like a failed run (resumable).
	Status    string
	StartedAt time.Time
	// Kept is the bytes of output tables in the run directory.
	Kept int64
	// ResumedBy is set when a later run resumed this one.
	ResumedBy string
}

// Resumable reports whether `--resume` may still want the run's outputs:
// every run but a successful one.
func (r RunInfo) Resumable() bool { return r.Status != "succeeded" }

// KeptSize returns the bytes of the output tables kept in runDir; a
// missing directory keeps nothing.
func KeptSize(runDir string) (int64, error) {
	entries, err := os.ReadDir(runDir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("kept size of %s: %w", runDir, err)
	}
	var n int64
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), OutputExt) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		n += fi.Size()
	}
	return n, nil
}

// ListRuns reads every run directory that has a run record, newest first. A
// directory whose record cannot be read is skipped: retention never
// touches what it does not understand.
func (l Layout) ListRuns() ([]RunInfo, error) {
	entries, err := os.ReadDir(l.Runs())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list runs in %s: %w", l.Runs(), err)
	}
	var out []RunInfo
	resumedBy := map[string]string{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := l.Run(e.Name())
		var rec struct {
			RunID     string    `json:"run_id"`
			Pipeline  string    `json:"pipeline"`
			Status    string    `json:"status"`
			StartedAt time.Time `json:"started_at"`
		}
		data, err := os.ReadFile(RecordPath(dir))
		if err != nil || json.Unmarshal(data, &rec) != nil || rec.RunID != e.Name() {
			continue
		}
		var res struct {
			From string `json:"resumed_from"`
		}
		if data, err := os.ReadFile(ResumePath(dir)); err == nil && json.Unmarshal(data, &res) == nil && res.From != "" {
			resumedBy[res.From] = rec.RunID
		}
		kept, err := KeptSize(dir)
		if err != nil {
			return nil, err
		}
		out = append(out, RunInfo{ID: rec.RunID, Pipeline: rec.Pipeline, Status: rec.Status, StartedAt: rec.StartedAt, Kept: kept})
	}
	for i := range out {
		out[i].ResumedBy = resumedBy[out[i].ID]
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].StartedAt.Equal(out[j].StartedAt) {
			return out[i].StartedAt.After(out[j].StartedAt)
		}
		return out[i].ID > out[j].ID
	})
	return out, nil
}

// Expired returns the runs, among runs (newest first), whose outputs the
// policy of their pipeline no longer keeps. Runs that are still going
// ("running", which also covers crashed runs) and runs that can be resumed
// are never in it, except under KeepNone once a later run has resumed them.
// Runs that keep nothing are left out.
func Expired(runs []RunInfo, policy func(pipeline string) Policy) []RunInfo {
	seen := map[string]int{}
	var out []RunInfo
	for _, r := range runs {
		p := policy(r.Pipeline)
		seen[r.Pipeline]++
		if r.Kept == 0 || r.Status == "running" || r.Status == "pending" {
			continue
		}
		var expired bool
		switch p.Keep {
		case KeepFailed:
			expired = !r.Resumable()
		case KeepNone:
			expired = !r.Resumable() || r.ResumedBy != ""
		default:
			n := p.Runs
			if n <= 0 {
				n = DefaultKeepRuns
			}
			expired = seen[r.Pipeline] > n && !r.Resumable()
		}
		if expired {
			out = append(out, r)
		}
	}
	return out
}

// RemoveOutputs deletes the output tables kept in runDir and returns the
// bytes freed. The run record and logs stay: the run is still listed and
// its logs readable, only --resume has nothing to reuse from it.
func RemoveOutputs(runDir string) (int64, error) {
	entries, err := os.ReadDir(runDir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("remove kept outputs of %s: %w", runDir, err)
	}
	var freed int64
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), OutputExt) {
			continue
		}
		p := filepath.Join(runDir, e.Name())
		fi, err := e.Info()
		if err == nil {
			freed += fi.Size()
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove kept output %s: %w", p, err))
		}
	}
	return freed, errors.Join(errs...)
}

// ApplyRetention removes the kept outputs of the runs that policy no
// longer keeps, among pipeline's runs (all pipelines when pipeline is
// empty), and returns what it removed. dryRun reports without removing.
func (l Layout) ApplyRetention(pipeline string, policy func(pipeline string) Policy, dryRun bool) ([]RunInfo, error) {
	runs, err := l.ListRuns()
	if err != nil {
		return nil, err
	}
	if pipeline != "" {
		mine := runs[:0:0]
		for _, r := range runs {
			if r.Pipeline == pipeline {
				mine = append(mine, r)
			}
		}
		runs = mine
	}
	expired := Expired(runs, policy)
	if dryRun {
		return expired, nil
	}
	var errs []error
	for i, r := range expired {
		freed, err := RemoveOutputs(l.Run(r.ID))
		expired[i].Kept = freed
		if err != nil {
			errs = append(errs, err)
		}
	}
	return expired, errors.Join(errs...)
}
