// Package erase carries out a data subject's erasure: it finds the rows
// holding a person's email addresses or phone numbers in tables (xlsx,
// Parquet, CSV) and rewrites each file without them, atomically.
package erase

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/hotpass/hotpass/internal/compliance"
	"github.com/hotpass/hotpass/internal/compliance/detect"
	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	"github.com/hotpass/hotpass/internal/table/csvio"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
)

// Identifier is what a person is found by.
type Identifier struct {
	Kind  string // compliance.KindEmail or compliance.KindPhone
	Value string
}

// Hash is the identifier's hash, as the audit trail and suppression list
// keep it.
func (i Identifier) Hash() string { return compliance.IdentifierHash(i.Kind, i.Value) }

// ParseMatch reads a --match flag value: email=ADDRESS or phone=NUMBER.
func ParseMatch(s string) (Identifier, error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.ToLower(strings.TrimSpace(k))
	v = strings.TrimSpace(v)
	if !ok || v == "" || (k != compliance.KindEmail && k != compliance.KindPhone) {
		return Identifier{}, fmt.Errorf("--match %q: want email=ADDRESS or phone=NUMBER", s)
	}
	return Identifier{Kind: k, Value: v}, nil
}

// Sheet is one table of a file with the rows that match.
type Sheet struct {
	Name    string `json:"sheet,omitempty"`
	Rows    int    `json:"rows"`
	Matches int    `json:"matches"`
	table   *table.Table
	keep    []bool
}

// File is one file searched.
type File struct {
	Path    string  `json:"path"`
	Format  string  `json:"format"`
	Matches int     `json:"matches"`
	Sheets  []Sheet `json:"sheets,omitempty"`
}

// Plan is what an erasure would change.
type Plan struct {
	Files []File `json:"files"`
	// Matches is the number of matching rows over every file.
	Matches int `json:"matches"`
	// want holds the hashes of the identifiers searched for.
	want map[string]bool
}

// Changed returns the files with matching rows.
func (p *Plan) Changed() []File {
	var out []File
	for _, f := range p.Files {
		if f.Matches > 0 {
			out = append(out, f)
		}
	}
	return out
}

// Find searches paths (.xlsx, .parquet, .csv; others are skipped) for
// rows holding any of ids in a column named like email or phone.
func Find(paths []string, ids []Identifier) (*Plan, error) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id.Hash()] = true
	}
	sc := detect.New()
	plan := &Plan{want: want}
	seen := map[string]bool{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		if seen[abs] {
			continue
		}
		seen[abs] = true
		f := File{Path: p, Format: strings.TrimPrefix(strings.ToLower(filepath.Ext(p)), ".")}
		var names []string
		switch f.Format {
		case "xlsx":
			names, err = sheetNames(p)
			if err != nil {
				return nil, err
			}
		case "parquet", "csv":
			names = []string{""}
		default:
			continue
		}
		for _, name := range names {
			t, err := read(p, f.Format, name)
			if err != nil {
				return nil, err
			}
			s := Sheet{Name: name, Rows: t.NumRows(), table: t, keep: make([]bool, t.NumRows())}
			for r := 0; r < t.NumRows(); r++ {
				s.keep[r] = !rowMatches(sc, t, r, want)
				if !s.keep[r] {
					s.Matches++
				}
			}
			f.Matches += s.Matches
			f.Sheets = append(f.Sheets, s)
		}
		plan.Matches += f.Matches
		plan.Files = append(plan.Files, f)
	}
	return plan, nil
}

func rowMatches(sc *detect.Scanner, t *table.Table, r int, want map[string]bool) bool {
	for i, fd := range t.Schema().Fields() {
		if fd.Type != table.String || t.Column(i).IsNull(r) {
			continue
		}
		kind := compliance.IdentifierColumnKind(fd.Name)
		if kind == "" {
			continue
		}
		if holds(sc, kind, t.Column(i).Strings()[r], want) {
			return true
		}
	}
	return false
}

// holds reports whether v, a value of a column of kind, holds one of the
// identifiers whose hashes are in want.
func holds(sc *detect.Scanner, kind, v string, want map[string]bool) bool {
	for _, id := range compliance.Identifiers(sc, kind, v) {
		if want[compliance.IdentifierHash(kind, id)] {
			return true
		}
	}
	return false
}

func sheetNames(path string) ([]string, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("erase: open %s: %w", path, err)
	}
	defer f.Close()
	return f.GetSheetList(), nil
}

func read(path, format, sheet string) (*table.Table, error) {
	switch format {
	case "xlsx":
		t, _, err := xlsxio.ReadFile(path, xlsxio.ReadOptions{Sheet: sheet})
		if err != nil {
			return nil, fmt.Errorf("erase: read %s sheet %s: %w", path, sheet, err)
		}
		return t, nil
	case "parquet":
		r, err := parquetio.Open(path)
		if err != nil {
			return nil, fmt.Errorf("erase: read %s: %w", path, err)
		}
		t, err := table.ReadAll(r)
		if cerr := r.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("erase: read %s: %w", path, err)
		}
		return t, nil
	}
	// CSV as stored text, so that rewriting keeps leading zeros.
	t, err := refine.ReadTable(path, "")
	if err != nil {
		return nil, fmt.Errorf("erase: read %s: %w", path, err)
	}
	return t, nil
}

// Apply rewrites every file with matches without the matching rows, each
// atomically (a temporary file renamed over it). In an xlsx workbook the
// matching rows are removed in place, so that styles, number formats,
// column widths and the other sheets stay as they were.
func Apply(plan *Plan) error {
	for _, f := range plan.Changed() {
		if err := rewrite(f, plan.want); err != nil {
			return err
		}
	}
	return nil
}

func rewrite(f File, want map[string]bool) error {
	switch f.Format {
	case "xlsx":
		return removeSheetRows(f, want)
	case "parquet":
		t, err := filter(f.Sheets[0])
		if err != nil {
			return err
		}
		w, err := parquetio.Create(f.Path, t.Schema(), parquetio.WriteOptions{})
		if err != nil {
			return fmt.Errorf("erase: write %s: %w", f.Path, err)
		}
		return writeAll(w, t, f.Path)
	case "csv":
		t, err := filter(f.Sheets[0])
		if err != nil {
			return err
		}
		w, err := csvio.Create(f.Path, t.Schema(), csvio.WriteOptions{})
		if err != nil {
			return fmt.Errorf("erase: write %s: %w", f.Path, err)
		}
		return writeAll(w, t, f.Path)
	}
	return nil
}

type tableWriter interface {
	Write(*table.Table) error
	Close() error
}

func writeAll(w tableWriter, t *table.Table, path string) error {
	if err := w.Write(t); err != nil {
		if a, ok := w.(table.Writer); ok {
			_ = table.Abort(a)
		}
		return fmt.Errorf("erase: write %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("erase: write %s: %w", path, err)
	}
	return nil
}

// removeSheetRows deletes the matching rows from the workbook with
// excelize and writes it back atomically. Row r of a sheet's table is
// sheet row r+2 (Find reads the header from row 1, and the reader keeps
// empty rows between data rows); each row is checked to hold one of the
// identifiers before anything is removed, so a sheet laid out otherwise
// fails the erasure instead of losing someone else's row.
func removeSheetRows(f File, want map[string]bool) error {
	xf, err := excelize.OpenFile(f.Path)
	if err != nil {
		return fmt.Errorf("erase: open %s: %w", f.Path, err)
	}
	defer xf.Close()
	sc := detect.New()
	for _, s := range f.Sheets {
		var rows []int
		for r, keep := range s.keep {
			if !keep {
				rows = append(rows, r+2)
			}
		}
		if len(rows) == 0 {
			continue
		}
		if err := checkRows(xf, s.Name, rows, sc, want); err != nil {
			return fmt.Errorf("erase: %s: sheet %q: %w; nothing was changed", f.Path, s.Name, err)
		}
		// From the bottom up, so that the rows still to remove keep their
		// numbers.
		for i := len(rows) - 1; i >= 0; i-- {
			if err := xf.RemoveRow(s.Name, rows[i]); err != nil {
				return fmt.Errorf("erase: %s: sheet %q: remove row %d: %w", f.Path, s.Name, rows[i], err)
			}
		}
	}
	out, err := atomicfile.Create(f.Path)
	if err != nil {
		return fmt.Errorf("erase: write %s: %w", f.Path, err)
	}
	if _, err := xf.WriteTo(out); err != nil {
		return errors.Join(fmt.Errorf("erase: write %s: %w", f.Path, err), out.Abort())
	}
	if err := out.Commit(); err != nil {
		return fmt.Errorf("erase: write %s: %w", f.Path, err)
	}
	return nil
}

// checkRows confirms that each of rows holds one of the identifiers in a
// column whose header names an email or phone column.
func checkRows(xf *excelize.File, sheet string, rows []int, sc *detect.Scanner, want map[string]bool) error {
	it, err := xf.Rows(sheet)
	if err != nil {
		return err
	}
	var header []string
	if it.Next() {
		header, err = it.Columns()
	}
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	for _, row := range rows {
		if !sheetRowMatches(xf, sheet, header, row, sc, want) {
			return fmt.Errorf("row %d holds none of the identifiers, so the sheet's rows do not line up with the table read from it (is its header on row 1?)", row)
		}
	}
	return nil
}

func sheetRowMatches(xf *excelize.File, sheet string, header []string, row int, sc *detect.Scanner, want map[string]bool) bool {
	for col, name := range header {
		kind := compliance.IdentifierColumnKind(strings.TrimSpace(name))
		if kind == "" {
			continue
		}
		cell, err := excelize.CoordinatesToCellName(col+1, row)
		if err != nil {
			return false
		}
		if v, err := xf.GetCellValue(sheet, cell); err == nil && holds(sc, kind, v, want) {
			return true
		}
	}
	return false
}

// filter builds the sheet's table without the matching rows.
func filter(s Sheet) (*table.Table, error) {
	b := table.NewBuilder(s.table.Schema(), s.Rows-s.Matches)
	for r := 0; r < s.Rows; r++ {
		if !s.keep[r] {
			continue
		}
		for c := 0; c < s.table.NumCols(); c++ {
			b.Column(c).AppendFrom(s.table.Column(c), r)
		}
	}
	return b.Build()
}

// KeptOutputs lists the kept task outputs (<run dir>/*.parquet) of every
// run under a state directory, sorted.
func KeptOutputs(runsDir string) ([]string, error) {
	out, err := filepath.Glob(filepath.Join(runsDir, "*", "*.parquet"))
	if err != nil {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

// exists reports whether path is a regular file.
func exists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// Existing keeps the paths that are regular files.
func Existing(paths []string) []string {
	var out []string
	for _, p := range paths {
		if exists(p) {
			out = append(out, p)
		}
	}
	return out
}
