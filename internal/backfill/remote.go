package backfill

import (
	"fmt"
	"time"
)

// MarkMissing makes r the row of a run whose archive does not exist:
// missing, and failed too when on_missing is fail.
func (c *Config) MarkMissing(r *RunResult) {
	r.Missing, r.Status = true, StatusMissing
	if c.OnMissing == MissingFail {
		r.Status = StatusFailed
		r.Error = fmt.Sprintf("archive not found: %s (on_missing: fail; create it with `hotpass archive`, or set on_missing: skip)", r.Archive)
	}
}

// Row is the summary row of j before it runs.
func Row(j Job) RunResult {
	return RunResult{Date: j.DateString(), Version: j.Version, Archive: j.Archive, InputDir: j.RestoreDir, OutputPath: j.OutputPath}
}

// Finish completes a backfill whose runs went elsewhere (on Temporal
// workers): it remembers the runs that ended in the state file, as Run
// does, so a later backfill skips what succeeded, then counts the rows and
// writes the summary. Rows without an archive hash (never extracted) are
// not remembered.
func Finish(c *Config, sum *Summary) error {
	state, err := OpenState(c.RestoreRoot)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for i, r := range sum.Runs {
		if r.ArchiveSHA256 == "" || (r.Status != StatusSucceeded && r.Status != StatusFailed) {
			continue
		}
		err := state.Put(r.Date+"/"+r.Version, Entry{Date: r.Date, Version: r.Version, Archive: r.Archive, ArchiveSHA256: r.ArchiveSHA256,
			Status: r.Status, RunID: r.RunID, Records: r.Records, FinishedAt: now, Error: r.Error})
		if err != nil && r.Status == StatusSucceeded {
			sum.Runs[i].Status, sum.Runs[i].Error = StatusFailed, fmt.Sprintf("the run succeeded but its state was not saved: %v", err)
		}
	}
	sum.Elapsed = time.Since(sum.StartedAt)
	sum.count()
	return sum.WriteJSON(c.RestoreRoot)
}
