package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/specs"
)

// Exit codes, part of the CLI's contract (README, "Exit codes"). Errors
// carry them (see package exitcode); these names are for reading tests.
const (
	exitOK          = exitcode.OK
	exitFailed      = exitcode.Failed
	exitInvalid     = exitcode.Invalid
	exitDataInvalid = exitcode.DataInvalid
	exitCancelled   = exitcode.Cancelled
)

// errUsage marks command-line mistakes (unknown flag, wrong argument count).
var errUsage = exitcode.New(exitcode.Invalid, "usage")

// reportedError is an error the user has already been told about (by a
// summary, for instance); it is not printed again. Its exit status is that
// of the error it wraps.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// reported marks err as already explained to the user.
func reported(err error) error { return &reportedError{err: err} }

// exitCode maps an error returned by a command to the process exit code,
// through the status the error carries, and prints it unless it was
// already reported.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var r *reportedError
	if !errors.As(err, &r) {
		printError(stderr, err)
	}
	return exitcode.Of(err)
}

func printError(w io.Writer, err error) {
	var ds specs.Diagnostics
	if errors.As(err, &ds) {
		_ = ds.Print(w)
		return
	}
	fmt.Fprintf(w, "hotpass: %v\n", err)
}
