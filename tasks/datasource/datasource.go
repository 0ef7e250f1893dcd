// Package datasource reads and writes tables in the formats a spec's
// `datasources:` block and the read/write tasks name: csv, xlsx, parquet,
// jsonl and postgres. A Config is what the user wrote (a datasource's options,
// overridden by a task's own); Read and Write do the work.
package datasource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	"github.com/hotpass/hotpass/internal/table/csvio"
	"github.com/hotpass/hotpass/internal/table/jsonlio"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
	"github.com/hotpass/hotpass/specs/decode"
)

// Formats lists the supported formats, in the order documentation shows them.
var Formats = []string{"csv", "xlsx", "parquet", "jsonl", "postgres"}

// SourceFileColumn is added when a path glob matches files, naming the file
// each row came from.
const SourceFileColumn = "_source_file"

// Config holds every option a datasource or a read/write task may set. Which
// options apply depends on the format; Check reports those that do not.
type Config struct {
	Type   string `yaml:"type" schema:"-"`
	Format string `yaml:"format" enum:"csv|xlsx|parquet|jsonl|postgres" doc:"Format; by default the datasource type, else the path's extension."`
	Path   string `yaml:"path" examples:"data/contacts.csv|data/*.xlsx" doc:"File path, relative to the spec file. For reads it may be a glob (data/*contact*.xlsx): the files are read into one table with a _source_file column."`

	Delimiter   string   `yaml:"delimiter" only:"csv" doc:"Field separator, one character; \"\\t\" for tab. Default \",\"."`
	Quote       string   `yaml:"quote" only:"csv" doc:"Quote character. Default '\"'."`
	Header      Header   `yaml:"header" only:"csv" doc:"Whether the first line holds column names: true (default), false, or auto to decide from whether its values fit the column types below (an all-text file is an error asking for true or false)."`
	Encoding    string   `yaml:"encoding" only:"csv"`
	OnBadRow    string   `yaml:"on_bad_row" only:"csv" enum:"error|skip|collect" doc:"What to do with a row that has too many or too few fields or a value of the wrong type: stop with an error naming the line (default), skip it, or collect it into rejects_path."`
	RejectsPath string   `yaml:"rejects_path" only:"csv" doc:"With on_bad_row: collect, the CSV file that receives rejected rows with their line number and reason."`
	NullValues  []string `yaml:"null_values" only:"csv,xlsx" doc:"Cell texts read as null. Default [\"\"]."`

	Types     map[string]string `yaml:"types" only:"csv,xlsx,jsonl" doc:"Column types that override inference, e.g. {phone: string}."`
	InferRows int               `yaml:"infer_rows" only:"csv,xlsx,jsonl" min:"1" doc:"Rows sampled to infer column types. Default 1000."`
	Limits    *Limits           `yaml:"limits" only:"csv,xlsx,jsonl"`

	// Numbers and dates written as text.
	Locale     string     `yaml:"locale" only:"csv,xlsx" doc:"Sets decimal, thousands and day_first as the locale writes them (en-ZA: 1 234,5 and day-first dates); options given alongside win."`
	Decimal    string     `yaml:"decimal" only:"csv,xlsx" enum:".|," doc:"Decimal separator of numbers written as text. Default \".\"."`
	Thousands  string     `yaml:"thousands" only:"csv,xlsx" enum:" |,|.|'" doc:"Digit-group separator of numbers written as text (\"1 234,5\"); \" \" also matches no-break spaces. Default none."`
	DayFirst   *bool      `yaml:"day_first" only:"csv,xlsx" doc:"Order of numeric dates such as 03/04/2024: true reads day/month/year, false month/day/year. Unset, such columns stay text with a warning."`
	DateFormat DateFormat `yaml:"date_format" only:"csv,xlsx" examples:"%d/%m/%Y|02/01/2006 15:04" doc:"Layout of dates written as text, for every column or per column ({founded: \"%d/%m/%Y\"}): a Go layout (\"02/01/2006\") or strftime (\"%d/%m/%Y\"); a time of day makes timestamps."`

	Sheet     string `yaml:"sheet" only:"xlsx" examples:"Cleaned|2" doc:"Sheet name, or its 1-based position (sheet: 2). Default the first sheet."`
	HeaderRow int    `yaml:"header_row" only:"xlsx" min:"1" doc:"Row holding the column names (1-based). Default 1."`
	Password  string `yaml:"password" only:"xlsx" doc:"Password of a protected workbook; use {{ env_var('...') }}."`

	Compression string `yaml:"compression" only:"parquet" enum:"zstd|snappy|gzip|none" doc:"Parquet compression. Default zstd."`

	DSN   string   `yaml:"dsn" only:"postgres" examples:"{{ env_var('CRM_DSN') }}" doc:"PostgreSQL connection URL; keep the password out of the spec with {{ env_var('CRM_DSN') }}."`
	Query string   `yaml:"query" only:"postgres" examples:"select * from contacts" doc:"SQL query to read."`
	Table string   `yaml:"table" only:"postgres" examples:"crm.contacts" doc:"Table to read from or write to, optionally schema-qualified."`
	Mode  string   `yaml:"mode" only:"postgres" enum:"append|replace|upsert" doc:"How a write treats existing rows: append (default), replace the contents, or upsert on key. Always one transaction."`
	Key   []string `yaml:"key" only:"postgres" minlen:"1" doc:"Columns identifying a row, for mode: upsert."`

	// Log, when set, receives what a reader detected (a CSV file's
	// encoding, delimiter and header) and its warnings.
	Log *slog.Logger `yaml:"-"`
}

// FieldSchema describes the options whose values only the readers know:
// the encodings and locales they support, the column types, sheets by
// name or number, and every format's limits (see formatSchema for one
// format's).
func (*Config) FieldSchema(name string) map[string]any {
	switch name {
	case "encoding":
		return encodingSchema()
	case "locale":
		return map[string]any{"enum": localeNames()}
	case "types":
		return map[string]any{"type": "object", "additionalProperties": map[string]any{"enum": []any{"string", "int64", "float64", "bool", "date", "timestamp"}}}
	case "sheet":
		// minimum applies to the integer form only; a string is a sheet name.
		return map[string]any{"type": []any{"string", "integer"}, "minimum": 1}
	case "limits":
		return limitsSchema("")
	case "date_format":
		return map[string]any{"anyOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}}}
	}
	return nil
}

// Override returns c with every option set in o taking precedence.
func (c Config) Override(o Config) Config {
	if o.Type != "" {
		c.Type = o.Type
	}
	if o.Format != "" {
		c.Format = o.Format
	}
	if o.Path != "" {
		c.Path = o.Path
	}
	str := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	str(&c.Delimiter, o.Delimiter)
	str(&c.Quote, o.Quote)
	str(&c.Encoding, o.Encoding)
	str(&c.OnBadRow, o.OnBadRow)
	str(&c.RejectsPath, o.RejectsPath)
	str(&c.Sheet, o.Sheet)
	str(&c.Password, o.Password)
	str(&c.Compression, o.Compression)
	str(&c.DSN, o.DSN)
	str(&c.Query, o.Query)
	str(&c.Table, o.Table)
	str(&c.Mode, o.Mode)
	str(&c.Locale, o.Locale)
	str(&c.Decimal, o.Decimal)
	str(&c.Thousands, o.Thousands)
	if o.Header != "" {
		c.Header = o.Header
	}
	if o.DayFirst != nil {
		c.DayFirst = o.DayFirst
	}
	if !o.DateFormat.IsZero() {
		c.DateFormat = o.DateFormat
	}
	if o.Log != nil {
		c.Log = o.Log
	}
	if o.NullValues != nil {
		c.NullValues = o.NullValues
	}
	if len(o.Types) > 0 {
		c.Types = o.Types
	}
	if o.InferRows != 0 {
		c.InferRows = o.InferRows
	}
	c.Limits = c.Limits.override(o.Limits)
	if o.HeaderRow != 0 {
		c.HeaderRow = o.HeaderRow
	}
	if len(o.Key) > 0 {
		c.Key = o.Key
	}
	if o.Query != "" {
		c.Table = ""
	}
	return c
}

// ResolvedFormat is the format to use: `format:`, else the datasource `type:`,
// else the path's extension.
func (c *Config) ResolvedFormat() (string, error) {
	if c.Format != "" {
		return c.Format, nil
	}
	if c.Type != "" {
		return c.Type, nil
	}
	if c.Path == "" {
		return "", errors.New("no format: give `format:` or a path with a known extension")
	}
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(c.Path), "."))
	switch ext {
	case "csv", "tsv", "txt":
		return "csv", nil
	case "xlsx", "xlsm":
		return "xlsx", nil
	case "parquet", "pq":
		return "parquet", nil
	case "jsonl", "ndjson":
		return "jsonl", nil
	}
	return "", fmt.Errorf("cannot tell the format of %q from its extension: give `format:` (%s)", c.Path, strings.Join(Formats, ", "))
}

// DefaultParquet reports whether the config writes a Parquet file with the
// default encoding, the one kept outputs use.
func (c *Config) DefaultParquet() bool {
	f, err := c.ResolvedFormat()
	return err == nil && f == "parquet" && (c.Compression == "" || c.Compression == "zstd")
}

// Problem is an option error; Option names the offending option ("" for the whole config).
type Problem struct {
	Option string
	Msg    string
	Hint   string
}

// Check reports options that do not apply to the format or have bad values.
// forWrite selects the rules of sinks (no query; mode and key for postgres).
func (c *Config) Check(forWrite bool) []Problem {
	format, err := c.ResolvedFormat()
	if err != nil {
		return []Problem{{Option: "format", Msg: err.Error()}}
	}
	var ps []Problem
	if !contains(Formats, format) {
		return []Problem{{Option: "format", Msg: fmt.Sprintf("unknown format %q", format), Hint: "use one of " + strings.Join(Formats, ", ")}}
	}
	for _, p := range decode.Applies(c, format) {
		ps = append(ps, Problem{Option: p.Key, Msg: p.Msg, Hint: p.Hint})
	}
	if format == "postgres" {
		switch {
		case c.DSN == "":
			ps = append(ps, Problem{Option: "dsn", Msg: "postgres needs a dsn", Hint: `for example dsn: "{{ env_var('CRM_DSN') }}"`})
		case !forWrite && c.Query == "" && c.Table == "":
			ps = append(ps, Problem{Option: "query", Msg: "postgres reads need a query or a table"})
		case forWrite && c.Table == "":
			ps = append(ps, Problem{Option: "table", Msg: "postgres writes need a table"})
		}
		if forWrite && c.Query != "" {
			ps = append(ps, Problem{Option: "query", Msg: "a sink writes to a table, not a query", Hint: "use table:"})
		}
		switch c.Mode {
		case "", "append", "replace":
		case "upsert":
			if len(c.Key) == 0 {
				ps = append(ps, Problem{Option: "key", Msg: "mode upsert needs key: the columns that identify a row"})
			}
		default:
			ps = append(ps, Problem{Option: "mode", Msg: fmt.Sprintf("unknown mode %q", c.Mode), Hint: "use append, replace or upsert"})
		}
	} else if c.Path == "" {
		ps = append(ps, Problem{Option: "path", Msg: fmt.Sprintf("%s needs a path", format)})
	}
	switch {
	case forWrite && c.Limits != nil:
		ps = append(ps, Problem{Option: "limits", Msg: "limits bound reading a file; a write has none"})
	case decode.OnlyFor(reflect.TypeFor[Config](), format)["limits"]:
		ps = append(ps, c.Limits.problems(format)...)
	}
	if c.OnBadRow != "" && !contains([]string{"error", "skip", "collect"}, c.OnBadRow) {
		ps = append(ps, Problem{Option: "on_bad_row", Msg: fmt.Sprintf("unknown policy %q", c.OnBadRow), Hint: "use error, skip or collect"})
	}
	if c.OnBadRow == "collect" && c.RejectsPath == "" {
		ps = append(ps, Problem{Option: "rejects_path", Msg: "on_bad_row: collect needs rejects_path, the file that receives rejected rows"})
	}
	for _, opt := range []struct{ name, v string }{{"delimiter", c.Delimiter}, {"quote", c.Quote}} {
		if opt.v != "" && len([]rune(unescape(opt.v))) != 1 {
			ps = append(ps, Problem{Option: opt.name, Msg: fmt.Sprintf("must be one character, got %q", opt.v), Hint: `write "\t" for a tab`})
		}
	}
	if c.Encoding != "" {
		if _, err := csvio.NormalizeEncoding(c.Encoding); err != nil {
			ps = append(ps, Problem{Option: "encoding", Msg: err.Error()})
		}
	}
	if c.Header == HeaderAuto && forWrite {
		ps = append(ps, Problem{Option: "header", Msg: "header: auto only applies to reading", Hint: "use true or false"})
	}
	ps = append(ps, c.localeProblems()...)
	for _, k := range sortedKeys(c.Types) {
		if _, err := table.ParseType(c.Types[k]); err != nil {
			ps = append(ps, Problem{Option: "types", Msg: fmt.Sprintf("column %q: %v", k, err)})
		}
	}
	return ps
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func unescape(s string) string {
	if s == `\t` {
		return "\t"
	}
	return s
}

func (c *Config) types() (map[string]table.Type, error) {
	if len(c.Types) == 0 {
		return nil, nil
	}
	out := make(map[string]table.Type, len(c.Types))
	for k, v := range c.Types {
		t, err := table.ParseType(v)
		if err != nil {
			return nil, fmt.Errorf("types: column %q: %w", k, err)
		}
		out[k] = t
	}
	return out, nil
}

// Files expands the config's path (relative to dir) to the files it names,
// sorted. A glob that matches nothing is an error naming the pattern.
func (c *Config) Files(dir string) ([]string, error) {
	p := engine.ResolvePath(dir, c.Path)
	if !strings.ContainsAny(c.Path, "*?[") {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s: %w", p, describe(err))
		}
		return []string{p}, nil
	}
	matches, err := filepath.Glob(p)
	if err != nil {
		return nil, fmt.Errorf("bad glob %q: %w", c.Path, err)
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("no file matches %q (relative to %s)", c.Path, dir)
	}
	sort.Strings(matches)
	return matches, nil
}

func describe(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Read reads the whole input the config names into one table. dir resolves
// relative paths. A glob reads every matching file into one table with a
// _source_file column; columns are matched by name, and a column whose type
// differs between files becomes a string column.
func Read(ctx context.Context, c Config, dir string) (*table.Table, error) {
	format, err := c.ResolvedFormat()
	if err != nil {
		return nil, err
	}
	if format == "postgres" {
		return readPostgres(ctx, c)
	}
	files, err := c.Files(dir)
	if err != nil {
		return nil, err
	}
	glob := strings.ContainsAny(c.Path, "*?[")
	tables := make([]*table.Table, 0, len(files))
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t, err := readFile(c, format, f)
		if err != nil {
			return nil, err
		}
		if glob {
			rel, rerr := filepath.Rel(dir, f)
			if rerr != nil {
				rel = f
			}
			t, err = withConstant(t, SourceFileColumn, rel)
			if err != nil {
				return nil, err
			}
		}
		tables = append(tables, t)
	}
	if len(tables) == 1 {
		return tables[0], nil
	}
	return Union(tables...)
}

// Open returns a streaming reader over the input the config names when it is
// a single file; ok is false for inputs that must be read whole (globs,
// which are unified across files, and postgres), for which use Read.
func Open(c Config, dir string) (r table.Reader, ok bool, err error) {
	format, err := c.ResolvedFormat()
	if err != nil {
		return nil, false, err
	}
	if format == "postgres" || strings.ContainsAny(c.Path, "*?[") {
		return nil, false, nil
	}
	files, err := c.Files(dir)
	if err != nil {
		return nil, false, err
	}
	r, err = openFile(c, format, files[0])
	return r, err == nil, err
}

func readFile(c Config, format, path string) (*table.Table, error) {
	r, err := openFile(c, format, path)
	if err != nil {
		return nil, err
	}
	t, err := table.ReadAll(r)
	cerr := r.Close()
	if err != nil {
		return nil, err
	}
	if cerr != nil {
		return nil, cerr
	}
	return t, nil
}

func openFile(c Config, format, path string) (table.Reader, error) {
	types, err := c.types()
	if err != nil {
		return nil, err
	}
	loc, err := c.locale()
	if err != nil {
		return nil, err
	}
	var r table.Reader
	lim := c.Limits.orZero()
	switch format {
	case "csv":
		o := csvio.ReadOptions{NoHeader: c.Header == HeaderOff, SniffHeader: c.Header == HeaderAuto, Encoding: c.Encoding,
			NullValues: c.NullValues, Types: types, InferRows: c.InferRows, OnBadRow: csvio.BadRowPolicy(c.OnBadRow),
			RejectsPath: c.RejectsPath, Locale: loc, Logger: c.Log,
			MaxColumns: lim.MaxColumns, MaxFieldBytes: lim.MaxFieldBytes, MaxRowBytes: lim.MaxRowBytes}
		if c.Delimiter != "" {
			o.Delimiter = []rune(unescape(c.Delimiter))[0]
		} else if strings.EqualFold(filepath.Ext(path), ".tsv") {
			o.Delimiter = '\t'
		}
		if c.Quote != "" {
			o.Quote = []rune(c.Quote)[0]
		}
		r, err = csvio.Open(path, o)
	case "jsonl":
		r, err = jsonlio.Open(path, jsonlio.ReadOptions{Types: types, InferRows: c.InferRows,
			MaxColumns: lim.MaxColumns, MaxFieldBytes: lim.MaxFieldBytes, MaxRowBytes: lim.MaxRowBytes})
	case "parquet":
		r, err = parquetio.Open(path)
	case "xlsx":
		o := xlsxio.ReadOptions{HeaderRow: c.HeaderRow, Types: types, InferRows: c.InferRows, NullValues: c.NullValues, Password: c.Password, Locale: loc,
			Limits: c.Limits.xlsx(), Logger: c.Log}
		if n, err := strconv.Atoi(c.Sheet); err == nil && n > 0 {
			o.SheetIndex = n
		} else {
			o.Sheet = c.Sheet
		}
		r, err = xlsxio.Open(path, o)
	default:
		return nil, fmt.Errorf("unknown format %q", format)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// withConstant appends a string column holding v on every row.
func withConstant(t *table.Table, name, v string) (*table.Table, error) {
	b := table.NewColumnBuilder(table.String, t.NumRows())
	for i := 0; i < t.NumRows(); i++ {
		b.AppendString(v)
	}
	return t.WithColumn(name, b.Build())
}

// Union stacks tables whose columns may differ: columns are matched by name in
// first-seen order, missing ones are null, and a column whose type differs
// between tables becomes a string column.
func Union(tables ...*table.Table) (*table.Table, error) {
	var fields []table.Field
	index := map[string]int{}
	for _, t := range tables {
		for _, f := range t.Schema().Fields() {
			i, ok := index[f.Name]
			if !ok {
				index[f.Name] = len(fields)
				fields = append(fields, f)
				continue
			}
			if fields[i].Type != f.Type {
				fields[i].Type = table.String
			}
		}
	}
	schema, err := table.NewSchema(fields...)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, t := range tables {
		total += t.NumRows()
	}
	b := table.NewBuilder(schema, total)
	for _, t := range tables {
		for j, f := range fields {
			cb := b.Column(j)
			src := t.ColumnByName(f.Name)
			switch {
			case src == nil:
				for i := 0; i < t.NumRows(); i++ {
					cb.AppendNull()
				}
			case src.Type() == f.Type:
				for i := 0; i < t.NumRows(); i++ {
					cb.AppendFrom(src, i)
				}
			default:
				for i := 0; i < t.NumRows(); i++ {
					if src.IsNull(i) {
						cb.AppendNull()
					} else {
						cb.AppendString(src.Format(i))
					}
				}
			}
		}
	}
	return b.Build()
}

// WriteOptions are the write task's own settings.
type WriteOptions struct {
	// Overwrite false refuses to replace an existing file.
	Overwrite bool
	// Sheet options for xlsx output.
	Sheet xlsxio.SheetOptions
}

// Write writes t where the config says. Files are written to a temporary file
// and renamed, so a failed or interrupted write never leaves a partial file.
func Write(ctx context.Context, c Config, dir string, t *table.Table, o WriteOptions) (string, error) {
	format, err := c.ResolvedFormat()
	if err != nil {
		return "", err
	}
	if format == "postgres" {
		return c.Table, writePostgres(ctx, c, t)
	}
	path := engine.ResolvePath(dir, c.Path)
	target := path
	if !o.Overwrite {
		// Only a quick answer for the common case: the refusal that
		// counts is the one when the file is put in place.
		if _, err := os.Lstat(path); err == nil {
			return "", ExistsError(path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", fmt.Errorf("create directory for %s: %w", path, describe(err))
		}
		// The format writers replace their target; they write into a
		// private directory instead, and the file is then moved to path
		// only if nothing is there, in one atomic step.
		staging, err := atomicfile.TempDir(path)
		if err != nil {
			return "", err
		}
		defer os.RemoveAll(staging)
		target = filepath.Join(staging, filepath.Base(path))
	}
	w, err := Create(Config{Type: c.Type, Format: format, Path: target, Delimiter: c.Delimiter, Quote: c.Quote,
		Header: c.Header, Encoding: c.Encoding, Compression: c.Compression, Sheet: c.Sheet}, "", t.Schema(), o.Sheet)
	if err != nil {
		return "", err
	}
	if err := w.Write(t); err != nil {
		_ = table.Abort(w)
		return "", err
	}
	if err := ctx.Err(); err != nil {
		_ = table.Abort(w)
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	if target != path {
		if err := atomicfile.RenameNoReplace(target, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return "", ExistsError(path)
			}
			return "", fmt.Errorf("write %s: %w", path, err)
		}
	}
	return path, nil
}

// ExistsError is the refusal of a write to path with `overwrite: false`;
// it wraps fs.ErrExist.
func ExistsError(path string) error {
	return fmt.Errorf("%s already exists and overwrite is false: remove it or set overwrite: true: %w", path, fs.ErrExist)
}

// Create opens a streaming writer for a file format (relative paths resolved
// against dir). Close commits the file; table.Abort discards it.
func Create(c Config, dir string, schema table.Schema, sheet ...xlsxio.SheetOptions) (table.Writer, error) {
	format, err := c.ResolvedFormat()
	if err != nil {
		return nil, err
	}
	path := engine.ResolvePath(dir, c.Path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create directory for %s: %w", path, describe(err))
	}
	var so xlsxio.SheetOptions
	if len(sheet) > 0 {
		so = sheet[0]
	}
	var w table.Writer
	switch format {
	case "csv":
		wo := csvio.WriteOptions{NoHeader: c.Header == HeaderOff, Encoding: c.Encoding}
		if c.Delimiter != "" {
			wo.Delimiter = []rune(unescape(c.Delimiter))[0]
		}
		if c.Quote != "" {
			wo.Quote = []rune(c.Quote)[0]
		}
		w, err = csvio.Create(path, schema, wo)
	case "jsonl":
		w, err = jsonlio.Create(path, schema)
	case "parquet":
		w, err = parquetio.Create(path, schema, parquetio.WriteOptions{Compression: c.Compression})
	case "xlsx":
		w, err = xlsxio.Create(path, schema, xlsxio.WriteOptions{Sheet: c.Sheet, SheetOptions: so})
	default:
		return nil, fmt.Errorf("cannot stream %s to a file", format)
	}
	if err != nil {
		return nil, err
	}
	return w, nil
}

// Schemas returns the JSON Schema of each datasource type's options.
func Schemas() map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(Formats))
	for _, f := range Formats {
		out[f] = formatSchema(f, true)
	}
	return out
}
