package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/backfill"
	"github.com/hotpass/hotpass/internal/quality"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs"
)

// TestExitCodeOfErrorKinds maps each kind of error the commands return to
// its exit status, through the status the error carries, and checks which
// ones are printed.
func TestExitCodeOfErrorKinds(t *testing.T) {
	t.Parallel()
	diag := specs.Diagnostics{specs.Errorf(specs.Pos{File: "p.yaml", Line: 3, Col: 5}, "unknown key %q", "comand")}
	runFailed := fmt.Errorf("%w: 1 task failed: load", engine.ErrRunFailed)
	tests := []struct {
		name      string
		err       error
		want      int
		wantPrint string // "" when nothing may be printed
	}{
		{"nil", nil, exitOK, ""},
		{"plain error", errors.New("open out.csv: permission denied"), exitFailed, "hotpass: open out.csv: permission denied"},
		{"spec diagnostics", diag, exitInvalid, "p.yaml:3:5: error: unknown key"},
		{"wrapped spec diagnostics", fmt.Errorf("load: %w", diag), exitInvalid, "p.yaml:3:5: error: unknown key"},
		{"param error", fmt.Errorf("param %q is required: %w", "region", specs.ErrInvalid), exitInvalid, "param \"region\" is required"},
		{"usage", fmt.Errorf("%w: --date must be YYYY-MM-DD", errUsage), exitInvalid, "hotpass: usage: --date must be YYYY-MM-DD"},
		{"unknown run", fmt.Errorf("%w: --resume x: no such run", runner.ErrUnknownRun), exitInvalid, "no such run"},
		{"not resumable", fmt.Errorf("%w: --resume x: the run is running", runner.ErrNotResumable), exitInvalid, "the run is running"},
		{"unknown profile", fmt.Errorf("%w: shipping", profiles.ErrUnknown), exitInvalid, "no such profile"},
		{"telemetry settings", fmt.Errorf("%w: OTEL_EXPORTER_OTLP_PROTOCOL", runner.ErrTelemetryConfig), exitInvalid, "invalid telemetry settings"},
		{"backfill selection", fmt.Errorf("%w: end date before start date", backfill.ErrSelection), exitInvalid, "end date before start date"},
		{"backfill profile", fmt.Errorf("%w: shipping", backfill.ErrNoProfile), exitInvalid, "no such profile"},
		{"expectations failed", fmt.Errorf("%w: not_null(name)", quality.ErrExpectationsFailed), exitDataInvalid, "not_null(name)"},
		{"run failed", reported(runFailed), exitFailed, ""},
		{"run failed on data validation", reported(exitcode.Wrap(exitcode.DataInvalid, runFailed)), exitDataInvalid, ""},
		{"run failed and its record not written", reported(errors.Join(runFailed, errors.New("write run.json: disk full"))), exitFailed, ""},
		{"run cancelled", reported(fmt.Errorf("%w: cancelled: context canceled", engine.ErrRunCancelled)), exitCancelled, ""},
		{"invalid specs reported by validate", reported(fmt.Errorf("2 invalid spec(s): %w", specs.ErrInvalid)), exitInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			if got := exitCode(tt.err, &stderr); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
			switch {
			case tt.wantPrint == "" && stderr.Len() > 0:
				t.Errorf("printed a reported error:\n%s", stderr.String())
			case !strings.Contains(stderr.String(), tt.wantPrint):
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantPrint)
			}
		})
	}
}

// TestExitCodeOfARealRun runs specs through the command and checks that the
// status the loader's or the engine's error carries is the exit code. Data
// validation (TestDataValidationExitCode) and Ctrl-C (TestRunCancelled)
// have their own tests.
func TestExitCodeOfARealRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		spec string
		want int
	}{
		{"succeeded", "version: 1\nname: ok\ntasks:\n  a: {type: noop}\n", exitOK},
		{"task failed", "version: 1\nname: bad\ntasks:\n  a: {type: noop, with: {fail: true}}\n", exitFailed},
		{"invalid spec", "version: 1\nname: bad\ntasks:\n  a: {type: noop, needs: [nope]}\n", exitInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".yaml")
			if err := os.WriteFile(path, []byte(tt.spec), 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			code := execute(context.Background(), []string{"run", "--no-progress", "--state-dir", t.TempDir(), path}, &out, &errb)
			if code != tt.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.want, out.String(), errb.String())
			}
		})
	}
}
