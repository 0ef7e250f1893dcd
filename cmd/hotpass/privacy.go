package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/compliance"
	"github.com/hotpass/hotpass/internal/compliance/audit"
	"github.com/hotpass/hotpass/internal/compliance/detect"
	"github.com/hotpass/hotpass/internal/compliance/erase"
	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/internal/runstate"
)

func newPrivacyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "privacy",
		Short: "Find personal data, check the compliance audit trail, and erase a person",
		Args:  exactArgs(0),
	}
	cmd.AddCommand(newPrivacyScanCmd(), newPrivacyVerifyAuditCmd(g), newPrivacyEraseCmd(g))
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

// eraseConfirmAbove is the number of matching rows above which erase
// wants --yes: a match that wide is more likely a mistake (a shared
// switchboard number) than one person.
const eraseConfirmAbove = 10_000

type privacyEraseOptions struct {
	matches     []string
	files       []string
	dryRun      bool
	yes         bool
	audit       string
	suppression string
	format      string
}

func newPrivacyEraseCmd(g *globals) *cobra.Command {
	o := &privacyEraseOptions{}
	cmd := &cobra.Command{
		Use:   "erase --match email=ADDRESS [--match phone=NUMBER] [--file F] [--dry-run] [--yes]",
		Short: "Erase a person from the outputs and kept task outputs, and suppress them in later runs",
		Long: "Find the rows holding the given email addresses or phone numbers (in columns named like email or\n" +
			"phone; emails compared without case, phones in E.164) in the outputs Hotpass knows of: the\n" +
			"xlsx, Parquet and CSV files that runs in the history wrote, the kept task outputs under\n" +
			"<state dir>/runs/, and each --file. Every file with a match is rewritten without those rows,\n" +
			"atomically. The erasure goes into the audit trail with hashed identifiers only, and the hashes\n" +
			"join the suppression list, so that a later compliance task flags the person if an input still\n" +
			"holds them. --dry-run reports what would change. More than 10,000 matching rows need --yes.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPrivacyErase(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.matches, "match", nil, "email=ADDRESS or phone=NUMBER; repeat for several")
	f.StringArrayVar(&o.files, "file", nil, "another output to erase from (.xlsx, .parquet, .csv); repeat for several")
	f.BoolVar(&o.dryRun, "dry-run", false, "report the files and rows that would change, and change nothing")
	f.BoolVar(&o.yes, "yes", false, "go ahead when more than 10,000 rows match")
	f.StringVar(&o.audit, "audit", "", "audit trail file (default: <state dir>/privacy/audit.jsonl)")
	f.StringVar(&o.suppression, "suppression-list", "", "suppression list file (default: <state dir>/privacy/suppression.jsonl)")
	addFormatFlag(cmd, &o.format)
	requireFlags(cmd, "match")
	return cmd
}

// privacyEraseReport is the --format json output of privacy erase.
type privacyEraseReport struct {
	DryRun   bool         `json:"dry_run"`
	Searched int          `json:"files_searched"`
	Matches  int          `json:"matches"`
	Changed  []erase.File `json:"files_changed"`
}

func runPrivacyErase(cmd *cobra.Command, g *globals, o *privacyEraseOptions) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	var ids []erase.Identifier
	for _, m := range o.matches {
		id, err := erase.ParseMatch(m)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		ids = append(ids, id)
	}
	for _, f := range o.files {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%w: --file %s: %v", errUsage, f, err)
		}
	}
	paths, err := knownOutputs(cmd.Context(), g)
	if err != nil {
		return err
	}
	paths = append(paths, o.files...)
	plan, err := erase.Find(erase.Existing(paths), ids)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	rep := privacyEraseReport{DryRun: o.dryRun, Searched: len(plan.Files), Matches: plan.Matches, Changed: nonNil(plan.Changed())}
	if plan.Matches > eraseConfirmAbove && !o.yes && !o.dryRun {
		return exitcode.Wrap(exitcode.Invalid, fmt.Errorf("%d rows match in %d files, more than %d: check the identifiers (a shared number matches many people), then run again with --yes, or use --dry-run to list the files",
			plan.Matches, len(rep.Changed), eraseConfirmAbove))
	}
	if !o.dryRun && plan.Matches > 0 {
		if err := erase.Apply(plan); err != nil {
			return err
		}
	}
	if !o.dryRun {
		if err := recordErasure(g, o, ids, plan); err != nil {
			return err
		}
	}
	if o.format == formatJSON {
		return writeJSON(out, rep)
	}
	if plan.Matches == 0 {
		fmt.Fprintf(out, "no rows match in the %d files searched; nothing to erase\n", len(plan.Files))
		if !o.dryRun {
			fmt.Fprintln(out, "the identifiers are on the suppression list: later runs flag them")
		}
		return nil
	}
	verb := "erased"
	if o.dryRun {
		verb = "would erase"
	}
	for _, f := range rep.Changed {
		fmt.Fprintf(out, "%s %d rows from %s\n", verb, f.Matches, f.Path)
	}
	fmt.Fprintf(out, "%s %d rows in %d of %d files searched\n", verb, plan.Matches, len(rep.Changed), len(plan.Files))
	return nil
}

// recordErasure adds the identifiers' hashes to the suppression list and
// the erasure to the audit trail.
func recordErasure(g *globals, o *privacyEraseOptions, ids []erase.Identifier, plan *erase.Plan) error {
	now := time.Now().UTC().Format(time.RFC3339)
	entries := make([]compliance.SuppressionEntry, len(ids))
	hashes := make([]string, len(ids))
	for i, id := range ids {
		hashes[i] = id.Hash()
		entries[i] = compliance.SuppressionEntry{Kind: id.Kind, Hash: hashes[i], ErasedAt: now}
	}
	sup := o.suppression
	if sup == "" {
		sup = compliance.SuppressionPath(g.stateDir)
	}
	if err := compliance.AddSuppression(sup, entries...); err != nil {
		return err
	}
	e := audit.Entry{Time: now, Kind: audit.KindErasure, Identifiers: hashes, Counts: map[string]int{"rows_erased": plan.Matches, "files_changed": len(plan.Changed())}}
	for _, f := range plan.Changed() {
		sum, err := audit.FileSHA256(f.Path)
		if err != nil {
			return fmt.Errorf("audit trail: checksum of %s: %w", f.Path, err)
		}
		e.Outputs = append(e.Outputs, audit.File{Path: f.Path, SHA256: sum})
	}
	path := o.audit
	if path == "" {
		path = compliance.AuditPath(g.stateDir)
	}
	_, err := audit.Append(path, e)
	return err
}

// knownOutputs lists the files runs in the history wrote (task attributes
// naming an existing .xlsx, .parquet or .csv file) and the kept task
// outputs under the state directory.
func knownOutputs(ctx context.Context, g *globals) ([]string, error) {
	kept, err := erase.KeptOutputs(runstate.New(g.stateDir).Runs())
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out []string
	var cursor store.RunCursor
	for {
		page, err := st.ListRuns(ctx, store.RunFilter{Before: cursor, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			trs, err := st.ListTasks(ctx, r.ID)
			if err != nil {
				return nil, err
			}
			for _, t := range trs {
				out = append(out, attrFiles(t.Attrs)...)
			}
		}
		if len(page) < 1000 {
			break
		}
		cursor = page[len(page)-1].Cursor()
	}
	return append(out, kept...), nil
}

// attrFiles returns the string values of a task's attributes that name
// table files.
func attrFiles(attrs json.RawMessage) []string {
	var m map[string]any
	if json.Unmarshal(attrs, &m) != nil {
		return nil
	}
	var out []string
	for _, v := range m {
		s, ok := v.(string)
		if !ok {
			continue
		}
		switch strings.ToLower(filepath.Ext(s)) {
		case ".xlsx", ".parquet", ".csv":
			if filepath.IsAbs(s) {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}
