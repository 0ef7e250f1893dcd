package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs"
)

type validateOptions struct {
	strict bool
	format string
}

func newValidateCmd(_ *globals) *cobra.Command {
	o := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate SPEC...",
		Short: "Check specs without running them (for pre-commit and CI)",
		Long: "Check each spec against the pipeline schema and the rules a schema cannot express: task\n" +
			"references, cycles, task types and their options, template syntax and names. Needs no secrets:\n" +
			"an environment variable that is referenced but unset is a warning (an error with --strict).\n" +
			"Exit status: 0 when every spec is valid, 2 otherwise.",
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runValidate(cmd.Context(), cmd.OutOrStdout(), o, args)
		},
	}
	cmd.Flags().BoolVar(&o.strict, "strict", false, "treat unset environment variables as errors")
	cmd.Flags().StringVar(&o.format, "format", "text", "output format: text or json")
	return cmd
}

// validateResult is one file's outcome, as --format json prints it.
type validateResult struct {
	Path        string             `json:"path"`
	Valid       bool               `json:"valid"`
	Diagnostics []specs.Diagnostic `json:"diagnostics"`
}

func runValidate(_ context.Context, out io.Writer, o *validateOptions, paths []string) error {
	if o.format != "text" && o.format != "json" {
		return fmt.Errorf("%w: --format must be text or json, got %q", errUsage, o.format)
	}
	l, err := newLoader()
	if err != nil {
		return err
	}
	results := make([]validateResult, 0, len(paths))
	var nErr, nWarn, nInvalid int
	for _, p := range paths {
		diags := validateFile(l, p, o.strict)
		r := validateResult{Path: p, Valid: !diags.HasErrors(), Diagnostics: diags}
		if r.Diagnostics == nil {
			r.Diagnostics = specs.Diagnostics{}
		}
		nErr += len(diags.Errors())
		nWarn += len(diags.Warnings())
		if !r.Valid {
			nInvalid++
		}
		results = append(results, r)
	}
	if o.format == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"files": results, "errors": nErr, "warnings": nWarn}); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			_ = specs.Diagnostics(r.Diagnostics).Print(out)
		}
		fmt.Fprintf(out, "%s, %s in %s", plural(nErr, "error"), plural(nWarn, "warning"), plural(len(paths), "spec"))
		if nInvalid > 0 {
			fmt.Fprintf(out, " (%d invalid)\n", nInvalid)
		} else {
			fmt.Fprintln(out, ": valid")
		}
	}
	if nInvalid > 0 {
		return reported(fmt.Errorf("%d invalid spec(s): %w", nInvalid, specs.ErrInvalid))
	}
	return nil
}

// validateFile runs every check on one spec: schema and static checks, then
// rendering (leniently: secrets need not be present) and compilation.
func validateFile(l *engine.Loader, path string, strict bool) specs.Diagnostics {
	if isProfileFile(path) {
		if _, err := profiles.Load(path); err != nil {
			return specs.AsDiagnostics(err)
		}
		return nil
	}
	spec, diags, err := l.Load(path, strict, nil)
	if err != nil {
		return diags
	}
	_, err = l.Prepare(spec, engine.PrepareOptions{Lenient: true, ParamFlags: placeholderParams(spec)})
	if err != nil {
		// Warnings from lenient rendering repeat what Load already reported.
		diags = append(diags, specs.AsDiagnostics(err).Errors()...)
	}
	diags.Sort()
	return diags
}

// placeholderParams gives required params without defaults a zero value of
// their type, so that validation can render the spec without them.
func placeholderParams(spec *specs.Spec) map[string]string {
	zero := map[specs.ParamType]string{
		specs.ParamInteger: "0", specs.ParamNumber: "0", specs.ParamBoolean: "false", specs.ParamDate: "1970-01-01",
	}
	out := map[string]string{}
	for _, p := range spec.Params {
		if p.Required && !p.HasDefault {
			out[p.Name] = zero[p.Type]
		}
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// isProfileFile tells a profile from a pipeline spec by its top-level keys:
// a profile has sources or fields and neither version nor tasks. A file that
// cannot be parsed is treated as a spec, whose loader explains the problem.
func isProfileFile(path string) bool {
	src, err := os.ReadFile(path)
	if err != nil || len(src) > specs.MaxFileSize {
		return false
	}
	var top map[string]any
	if yaml.Unmarshal(src, &top) != nil {
		return false
	}
	_, version := top["version"]
	_, tasks := top["tasks"]
	_, sources := top["sources"]
	_, fields := top["fields"]
	return !version && !tasks && (sources || fields)
}
