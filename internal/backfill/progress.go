package backfill

// Event reports a change in a backfill's progress: a run started
// (Started set) or ended (Finished set), with the counts after it.
type Event struct {
	Started  *Job
	Finished *RunResult
	// Total runs, Done of them ended, Running now.
	Total, Done, Running int
	Succeeded, Failed    int
	Skipped, Missing     int
	// NotStarted counts the runs fail_fast kept from starting.
	NotStarted int
}
