// Package engine compiles a parsed spec into a plan (a checked, ordered DAG
// of prepared tasks) and runs it: scheduling under global and per-key
// concurrency limits, retries with backoff, timeouts, failure propagation,
// cancellation, per-task logs and the run record (run.json).
//
// The engine knows task types only through the Type and Task interfaces;
// task packages implement them and register themselves elsewhere.
package engine
