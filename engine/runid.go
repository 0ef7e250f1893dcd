package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// runIDTime is the time layout that starts every run id: UTC, so that ids
// sort in start order whatever the machine's time zone.
const runIDTime = "20060102T150405Z"

// NewRunID returns a new run id such as 20261126T203600Z-a1b2c3: the UTC
// start time to the second, then 24 random bits so that runs started in the
// same second differ. Ids sort by start time. Callers that render templates
// with run.id before compiling create the id with this and pass it in
// RunOptions.RunID.
func NewRunID(t time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return t.UTC().Format(runIDTime) + "-" + hex.EncodeToString(b[:])
}

// checkRunID rejects ids that cannot be a directory name under runs/.
func checkRunID(id string) error {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, `/\`+"\x00") {
		return fmt.Errorf("invalid run id %q: it must be usable as a directory name", id)
	}
	return nil
}

// TimeoutError is the error of an attempt that ran past its timeout.
type TimeoutError struct {
	After time.Duration
}

// Error reads "timed out after 5s".
func (e *TimeoutError) Error() string { return "timed out after " + FormatDuration(e.After) }

// Is makes errors.Is(err, context.DeadlineExceeded) hold.
func (e *TimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// FormatDuration prints d as time.Duration does but without trailing zero
// units: 10m rather than 10m0s, 1h rather than 1h0m0s.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
