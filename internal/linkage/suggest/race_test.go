//go:build race

package suggest

// raceEnabled is set under the race detector, which slows the accuracy runs
// tenfold; they exercise no concurrency the smaller tests do not.
const raceEnabled = true
