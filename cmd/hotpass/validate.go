package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/exitcode"
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
	addFormatFlag(cmd, &o.format)
	return cmd
}

// validateResult is one file's outcome, as --format json prints it.
type validateResult struct {
	Path        string             `json:"path"`
	Valid       bool               `json:"valid"`
	Diagnostics []specs.Diagnostic `json:"diagnostics"`
}

func runValidate(ctx context.Context, out io.Writer, o *validateOptions, paths []string) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	l, err := newLoader()
	if err != nil {
		return err
	}
	results := make([]validateResult, 0, len(paths))
	var nErr, nWarn, nInvalid int
	for i, p := range paths {
		diags, err := validateFile(ctx, l, p, o.strict)
		if err != nil {
			return exitcode.Wrap(exitcode.Cancelled, fmt.Errorf("validate interrupted after %d of %d specs: %w", i, len(paths), err))
		}
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
	if o.format == formatJSON {
		if err := writeJSON(out, map[string]any{"files": results, "errors": nErr, "warnings": nWarn}); err != nil {
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
// rendering (leniently: secrets need not be present) and compilation. The
// error is non-nil only when ctx ended the checks.
func validateFile(ctx context.Context, l *engine.Loader, path string, strict bool) (specs.Diagnostics, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if isProfileFile(path) {
		if _, err := profiles.Load(path); err != nil {
			return specs.AsDiagnostics(err), nil
		}
		return nil, nil
	}
	spec, diags, err := l.LoadContext(ctx, path, strict, nil)
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return diags, nil
	}
	_, err = l.Prepare(spec, engine.PrepareOptions{Lenient: true, Placeholders: true, ParamFlags: placeholderParams(spec), LookupEnv: placeholderEnv})
	if err != nil {
		// Warnings from lenient rendering repeat what Load already reported.
		diags = append(diags, specs.AsDiagnostics(err).Errors()...)
	}
	diags.Sort()
	return diags, ctx.Err()
}

// placeholderEnv looks variables up in the environment and stands in for
// those that are unset, as placeholderParams does for params: the check
// already warned about them (an error under --strict), and an option that
// needs a value, such as a datasource's dsn, must not fail because its
// secret is absent where specs are validated (pre-commit, CI).
func placeholderEnv(name string) (string, bool) {
	if v, ok := os.LookupEnv(name); ok {
		return v, true
	}
	return "unset-" + name, true
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
// cannot be read or parsed is treated as a spec, whose loader explains the
// problem. The file is read as a spec is (a regular file, size-limited) and
// decoded only to a node tree: decoding into Go maps compares every pair of
// keys.
func isProfileFile(path string) bool {
	src, err := specs.ReadFile(path)
	// Parsing costs as much as loading the spec: skip it for files that
	// cannot have a profile's keys.
	if err != nil || !bytes.Contains(src, []byte("sources")) && !bytes.Contains(src, []byte("fields")) {
		return false
	}
	var doc yaml.Node
	if yaml.Unmarshal(src, &doc) != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return false
	}
	top := map[string]bool{}
	if root := doc.Content[0]; root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			top[root.Content[i].Value] = true
		}
	}
	return !top["version"] && !top["tasks"] && (top["sources"] || top["fields"])
}
