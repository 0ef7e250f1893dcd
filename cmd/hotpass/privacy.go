package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/compliance"
	"github.com/hotpass/hotpass/internal/compliance/audit"
	"github.com/hotpass/hotpass/internal/compliance/detect"
	"github.com/hotpass/hotpass/internal/refine"
)

func newPrivacyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "privacy",
		Short: "Find personal data, check the compliance audit trail, and erase a person",
		Args:  exactArgs(0),
	}
	cmd.AddCommand(newPrivacyScanCmd(), newPrivacyVerifyAuditCmd(g))
	return cmd
}

type privacyScanOptions struct {
	input         string
	sheet         string
	nameColumns   []string
	minConfidence float64
	format        string
}

func newPrivacyScanCmd() *cobra.Command {
	o := &privacyScanOptions{}
	cmd := &cobra.Command{
		Use:   "scan --input F [--sheet S] [--format json]",
		Short: "Report the personal data in a table, by column, without printing any of it",
		Long: "Scan every text column of an xlsx, CSV or Parquet file for email addresses, phone numbers,\n" +
			"South African ID numbers, payment card numbers, IPv4 and IPv6 addresses, IBANs and person\n" +
			"names, offline. Person names are the values of contact-name columns (contact_name, first_name,\n" +
			"surname, ... or --name-column), those names where they recur in other columns of the record, and\n" +
			"capitalised given names from a shipped list. The text output counts findings per column and\n" +
			"kind; --format json lists each finding with its type, column, row (the 1-based data row), byte\n" +
			"span and confidence. Values are never printed.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPrivacyScan(cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.input, "input", "", "table to scan (.xlsx, .csv or .parquet)")
	f.StringVar(&o.sheet, "sheet", "", "sheet of an xlsx file (default: the first)")
	f.StringArrayVar(&o.nameColumns, "name-column", nil, "column holding contact names; repeat for several (default: columns named like contact_name, first_name, surname)")
	f.Float64Var(&o.minConfidence, "min-confidence", 0.5, "leave out findings below this confidence, in [0, 1] (a given name on its own scores 0.4)")
	addFormatFlag(cmd, &o.format)
	requireFlags(cmd, "input")
	return cmd
}

// privacyScanReport is the --format json output of privacy scan.
type privacyScanReport struct {
	Input    string                 `json:"input"`
	Rows     int                    `json:"rows"`
	Columns  int                    `json:"columns"`
	Findings []detect.Finding       `json:"findings"`
	Summary  []detect.ColumnSummary `json:"summary"`
}

func runPrivacyScan(stdout io.Writer, o *privacyScanOptions) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	if o.minConfidence < 0 || o.minConfidence > 1 {
		return fmt.Errorf("%w: --min-confidence %g must be in [0, 1]", errUsage, o.minConfidence)
	}
	t, err := refine.ReadTable(o.input, o.sheet)
	if err != nil {
		return fmt.Errorf("privacy scan: %w", err)
	}
	for _, c := range o.nameColumns {
		if _, ok := t.Schema().Index(c); !ok {
			return fmt.Errorf("%w: --name-column %q: %s has no such column; its columns: %v", errUsage, c, o.input, t.Schema().Names())
		}
	}
	all := detect.New().Table(t, detect.TableOptions{NameColumns: o.nameColumns})
	fs := all[:0]
	for _, f := range all {
		if f.Confidence >= o.minConfidence {
			fs = append(fs, f)
		}
	}
	rep := privacyScanReport{Input: o.input, Rows: t.NumRows(), Columns: t.NumCols(), Findings: nonNil(fs), Summary: nonNil(detect.Summarise(fs))}
	if o.format == formatJSON {
		return writeJSON(stdout, rep)
	}
	fmt.Fprintf(stdout, "%s: %d rows, %d columns, %d findings\n", o.input, rep.Rows, rep.Columns, len(fs))
	if len(fs) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tFINDINGS\tROWS\tMAX CONFIDENCE")
	for _, s := range rep.Summary {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.2f\n", s.Column, s.Type, s.Count, s.Rows, s.MaxConfidence)
	}
	return tw.Flush()
}

func newPrivacyVerifyAuditCmd(g *globals) *cobra.Command {
	var path, format string
	cmd := &cobra.Command{
		Use:   "verify-audit [--audit F]",
		Short: "Check that no entry of the compliance audit trail was edited, removed or cut short",
		Long: "Read the audit trail (default <state dir>/privacy/audit.jsonl) and check every entry: complete,\n" +
			"numbered in order, its hash matching its content, chained to the entry before it, and the last\n" +
			"one the one its head file (audit.jsonl.head) names. Exit status: 0 when intact, 3 at the first\n" +
			"broken entry, which is reported by line.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			if path == "" {
				path = compliance.AuditPath(g.stateDir)
			}
			n, err := audit.Verify(path)
			var p *audit.Problem
			if errors.As(err, &p) {
				if format == formatJSON {
					_ = writeJSON(cmd.OutOrStdout(), map[string]any{"path": path, "entries_verified": n, "intact": false, "line": p.Line, "problem": p.Message})
				}
				return exitcode.Wrap(exitcode.DataInvalid, fmt.Errorf("audit trail broken: %w", err))
			}
			if err != nil {
				return err
			}
			if format == formatJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"path": path, "entries_verified": n, "intact": true})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d entries, chain intact\n", path, n)
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "audit", "", "audit trail file (default: <state dir>/privacy/audit.jsonl)")
	addFormatFlag(cmd, &format)
	return cmd
}
