package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Output formats of the commands that print a listing or a result.
const (
	formatText = "text"
	formatJSON = "json"
)

// addFormatFlag gives cmd the --format flag, text by default, that every
// command printing a listing or a result shares with validate.
func addFormatFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "format", formatText, "output format: text or json")
	_ = cmd.RegisterFlagCompletionFunc("format", completeFormat)
}

// completeFormat completes --format with the values that start as typed,
// as the other completions in this command do.
func completeFormat(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, f := range []string{formatText, formatJSON} {
		if strings.HasPrefix(f, toComplete) {
			out = append(out, f)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// checkFormat refuses an unknown --format value as a usage error, before
// the command does any work.
func checkFormat(format string) error {
	if format != formatText && format != formatJSON {
		return fmt.Errorf("%w: --format must be text or json, got %q", errUsage, format)
	}
	return nil
}

// writeJSON prints v as indented JSON followed by a newline, the shape every
// --format json output shares.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode json output: %w", err)
	}
	return nil
}

// jsonTime is a time for --format json: RFC 3339 in UTC, or null when zero.
func jsonTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// jsonString is s for --format json, or null when empty.
func jsonString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// jsonSeconds is a duration in seconds for --format json, or null when the
// duration is unknown (zero).
func jsonSeconds(d time.Duration) *float64 {
	if d <= 0 {
		return nil
	}
	s := d.Seconds()
	return &s
}

// jsonRaw is a stored JSON document for --format json, or null when absent.
func jsonRaw(m json.RawMessage) json.RawMessage {
	if len(m) == 0 {
		return json.RawMessage("null")
	}
	return m
}

// nonNil keeps an empty list a list ([]) in JSON output rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
