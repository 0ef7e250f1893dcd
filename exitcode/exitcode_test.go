package exitcode_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hotpass/hotpass/exitcode"
)

func TestOf(t *testing.T) {
	t.Parallel()
	usage := exitcode.New(exitcode.Invalid, "usage")
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitcode.OK},
		{"plain error", errors.New("disk full"), exitcode.Failed},
		{"context cancelled without a code", context.Canceled, exitcode.Failed},
		{"sentinel", usage, exitcode.Invalid},
		{"wrapped sentinel", fmt.Errorf("--date: %w", usage), exitcode.Invalid},
		{"wrap", exitcode.Wrap(exitcode.DataInvalid, errors.New("expectations failed")), exitcode.DataInvalid},
		{"outer code wins", exitcode.Wrap(exitcode.Cancelled, fmt.Errorf("x: %w", usage)), exitcode.Cancelled},
		{"first of a join", errors.Join(errors.New("plain"), usage, exitcode.Wrap(exitcode.Cancelled, errors.New("c"))), exitcode.Invalid},
		{"a code of OK is not an exit of OK", exitcode.New(exitcode.OK, "odd"), exitcode.Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := exitcode.Of(tt.err); got != tt.want {
				t.Errorf("Of(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestWrapKeepsTheChain(t *testing.T) {
	t.Parallel()
	cause := errors.New("cause")
	err := exitcode.Wrap(exitcode.DataInvalid, fmt.Errorf("validate: %w", cause))
	if !errors.Is(err, cause) {
		t.Error("errors.Is does not see through Wrap")
	}
	if err.Error() != "validate: cause" {
		t.Errorf("Error() = %q, want the wrapped error's text", err.Error())
	}
	if exitcode.Wrap(exitcode.Failed, nil) != nil {
		t.Error("Wrap(code, nil) is not nil")
	}
}

func TestNewIsDistinct(t *testing.T) {
	t.Parallel()
	a, b := exitcode.New(exitcode.Invalid, "same"), exitcode.New(exitcode.Invalid, "same")
	if errors.Is(a, b) {
		t.Error("two sentinels with the same text and code compare equal")
	}
	if !errors.Is(fmt.Errorf("x: %w", a), a) {
		t.Error("a sentinel is not found through wrapping")
	}
}
