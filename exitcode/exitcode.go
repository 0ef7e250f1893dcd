// Package exitcode is how an error says which status the hotpass command
// exits with. Errors that decide it implement Error; the command maps any
// error through Of, so the decision stays with the package that knows what
// went wrong and never depends on matching error values or messages.
//
// The statuses are part of the command's contract (README, "Exit codes").
package exitcode

import "errors"

// Exit statuses of the hotpass command.
const (
	// OK: the command did what it was asked.
	OK = 0
	// Failed: a task failed, or the command failed at run time.
	Failed = 1
	// Invalid: an invalid spec, configuration or usage; nothing ran.
	Invalid = 2
	// DataInvalid: data broke its expectations under a `fail` policy.
	DataInvalid = 3
	// Cancelled: interrupted (Ctrl-C, SIGTERM), as shells report SIGINT.
	Cancelled = 130
)

// Error is an error that carries the exit status it should end the command
// with. Wrapping such an error keeps its status: Of finds it anywhere in the
// chain.
type Error interface {
	error
	ExitCode() int
}

// New returns an error with text msg that carries code. Each call returns a
// distinct value, so it serves as a sentinel for errors.Is as well.
func New(code int, msg string) error { return &sentinel{code: code, msg: msg} }

type sentinel struct {
	code int
	msg  string
}

func (e *sentinel) Error() string { return e.msg }
func (e *sentinel) ExitCode() int { return e.code }

// Wrap returns an error that reads and unwraps as err and carries code,
// which takes precedence over any status err carries itself. Wrap(code, nil)
// is nil.
func Wrap(code int, err error) error {
	if err == nil {
		return nil
	}
	return &wrapped{code: code, err: err}
}

type wrapped struct {
	code int
	err  error
}

func (e *wrapped) Error() string { return e.err.Error() }
func (e *wrapped) Unwrap() error { return e.err }
func (e *wrapped) ExitCode() int { return e.code }

// Of returns the exit status for err: OK for nil, the status of the first
// error in err's chain that implements Error, and Failed for any other
// error. An error never ends the command with OK, whatever it claims.
func Of(err error) int {
	if err == nil {
		return OK
	}
	var e Error
	if errors.As(err, &e) && e.ExitCode() != OK {
		return e.ExitCode()
	}
	return Failed
}
