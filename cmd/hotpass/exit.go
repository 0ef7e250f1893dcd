package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/hotpass/hotpass/specs"
)

// Exit codes, part of the CLI's contract (DESIGN.md).
const (
	exitOK = 0
	// exitFailed: a task failed, or the command failed at run time.
	exitFailed = 1
	// exitInvalid: invalid spec or usage.
	exitInvalid = 2
	// exitDataInvalid: data validation failed under a `fail` policy.
	exitDataInvalid = 3
	// exitCancelled: interrupted (Ctrl-C / SIGTERM), as shells report SIGINT.
	exitCancelled = 130
)

// errUsage marks command-line mistakes (unknown flag, wrong argument count).
var errUsage = errors.New("usage")

// exitError carries an exit code; a reported exitError has already been
// explained to the user and is not printed again.
type exitError struct {
	code     int
	err      error
	reported bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// reported wraps err with code, noting that the user has already been told.
func reported(code int, err error) error { return &exitError{code: code, err: err, reported: true} }

// exitCode maps an error returned by a command to the process exit code and
// prints it unless it was already reported.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if !ee.reported && ee.err != nil {
			printError(stderr, ee.err)
		}
		return ee.code
	}
	printError(stderr, err)
	switch {
	case errors.Is(err, errUsage), errors.Is(err, specs.ErrInvalid):
		return exitInvalid
	}
	return exitFailed
}

func printError(w io.Writer, err error) {
	var ds specs.Diagnostics
	if errors.As(err, &ds) {
		_ = ds.Print(w)
		return
	}
	fmt.Fprintf(w, "hotpass: %v\n", err)
}
