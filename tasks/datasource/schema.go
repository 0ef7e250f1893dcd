package datasource

import (
	"encoding/json"
	"sort"

	"github.com/hotpass/hotpass/internal/table/csvio"
	"github.com/hotpass/hotpass/internal/table/locale"
	"github.com/hotpass/hotpass/tasks"
)

// optionDoc describes an option for the JSON Schema editors read.
type optionDoc struct {
	schema map[string]any
}

func str(desc string, examples ...string) optionDoc {
	s := map[string]any{"type": "string", "description": desc}
	if len(examples) > 0 {
		s["examples"] = examples
	}
	return optionDoc{s}
}

var optionDocs = map[string]optionDoc{
	"path": str("File path, relative to the spec file. For reads it may be a glob (data/*contact*.xlsx): the files are read into one table with a _source_file column.",
		"data/contacts.csv", "data/*.xlsx"),
	"format": {map[string]any{"enum": []any{"csv", "xlsx", "parquet", "jsonl", "postgres"},
		"description": "Format; by default the datasource type, else the path's extension."}},
	"delimiter": str(`Field separator, one character; "\t" for tab. Default ",".`),
	"quote":     str(`Quote character. Default '"'.`),
	"header": {map[string]any{"enum": []any{true, false, "auto"},
		"description": "Whether the first line holds column names: true (default), false, or auto to decide from whether its values fit the column types below (an all-text file is an error asking for true or false)."}},
	"encoding": {encodingSchema()},
	"locale": {map[string]any{"enum": localeNames(),
		"description": "Sets decimal, thousands and day_first as the locale writes them (en-ZA: 1 234,5 and day-first dates); options given alongside win."}},
	"decimal":   {map[string]any{"enum": []any{".", ","}, "description": `Decimal separator of numbers written as text. Default ".".`}},
	"thousands": {map[string]any{"enum": []any{" ", ",", ".", "'"}, "description": `Digit-group separator of numbers written as text ("1 234,5"); " " also matches no-break spaces. Default none.`}},
	"day_first": {map[string]any{"type": "boolean",
		"description": "Order of numeric dates such as 03/04/2024: true reads day/month/year, false month/day/year. Unset, such columns stay text with a warning."}},
	"date_format": {map[string]any{"anyOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}},
		"description": `Layout of dates written as text, for every column or per column ({founded: "%d/%m/%Y"}): a Go layout ("02/01/2006") or strftime ("%d/%m/%Y"); a time of day makes timestamps.`,
		"examples":    []any{"%d/%m/%Y", "02/01/2006 15:04"}}},
	"on_bad_row":   {map[string]any{"enum": []any{"error", "skip", "collect"}, "description": "What to do with a row that has too many or too few fields or a value of the wrong type: stop with an error naming the line (default), skip it, or collect it into rejects_path."}},
	"rejects_path": str("With on_bad_row: collect, the CSV file that receives rejected rows with their line number and reason."),
	"null_values": {map[string]any{"type": "array", "items": map[string]any{"type": "string"},
		"description": `Cell texts read as null. Default [""].`}},
	"types": {map[string]any{"type": "object", "additionalProperties": map[string]any{"enum": []any{"string", "int64", "float64", "bool", "date", "timestamp"}},
		"description": "Column types that override inference, e.g. {phone: string}."}},
	"infer_rows": {map[string]any{"type": "integer", "minimum": 1, "description": "Rows sampled to infer column types. Default 1000."}},
	// minimum applies to the integer form only; a string is a sheet name.
	"sheet": {map[string]any{"type": []any{"string", "integer"}, "minimum": 1,
		"description": "Sheet name, or its 1-based position (sheet: 2). Default the first sheet.",
		"examples":    []any{"Cleaned", 2}}},
	"limits":      {limitsSchema("")},
	"header_row":  {map[string]any{"type": "integer", "minimum": 1, "description": "Row holding the column names (1-based). Default 1."}},
	"password":    str("Password of a protected workbook; use {{ env_var('...') }}."),
	"compression": {map[string]any{"enum": []any{"zstd", "snappy", "gzip", "none"}, "description": "Parquet compression. Default zstd."}},
	"dsn":         str("PostgreSQL connection URL; keep the password out of the spec with {{ env_var('CRM_DSN') }}.", "{{ env_var('CRM_DSN') }}"),
	"query":       str("SQL query to read.", "select * from contacts"),
	"table":       str("Table to read from or write to, optionally schema-qualified.", "crm.contacts"),
	"mode": {map[string]any{"enum": []any{"append", "replace", "upsert"},
		"description": "How a write treats existing rows: append (default), replace the contents, or upsert on key. Always one transaction."}},
	"key": {map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "minItems": 1,
		"description": "Columns identifying a row, for mode: upsert."}},
}

// encodingSchema offers the canonical encoding names and accepts every
// spelling the readers and writers do (utf8, CP1252).
func encodingSchema() map[string]any {
	s := csvio.EncodingSchema()
	s["description"] = "Text encoding. Reading defaults to auto: a byte-order mark, else UTF-8 when the first 64 KiB are UTF-8, else windows-1252 (never latin-1). Writing defaults to utf-8; utf-8-sig adds the byte-order mark Excel needs; windows-1252 and latin-1 refuse characters they cannot hold. Aliases such as utf8, cp1252 and iso-8859-1 are accepted, in any case."
	return s
}

func localeNames() []any {
	var out []any
	for _, n := range locale.KnownNames() {
		out = append(out, n)
	}
	return out
}

// formatSchema is the JSON Schema of one format's options. As a datasource
// type it includes `type`; as a task's format options it does not.
func formatSchema(format string, datasource bool) json.RawMessage {
	props := map[string]any{}
	if datasource {
		props["type"] = map[string]any{"const": format}
	}
	if format != "postgres" {
		props["path"] = optionDocs["path"].schema
	}
	names := make([]string, 0, len(optionFormats))
	for name := range optionFormats {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !contains(optionFormats[name], format) {
			continue
		}
		props[name] = optionDocs[name].schema
		if name == "limits" {
			props[name] = limitsSchema(format)
		}
	}
	s := map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	out, _ := json.Marshal(s)
	return out
}

// TaskOptionsSchema returns the properties a read or write task accepts in
// addition to its own: every format option, since a task may override any of
// its datasource's options.
func TaskOptionsSchema() map[string]any {
	props := map[string]any{}
	for name, d := range optionDocs {
		props[name] = d.schema
	}
	props["limits"] = limitsSchema("")
	return props
}

// kind is a datasource type as the engine's loader sees it.
type kind string

func (k kind) Name() string            { return string(k) }
func (k kind) Schema() json.RawMessage { return formatSchema(string(k), true) }

func init() {
	for _, f := range Formats {
		tasks.RegisterDatasource(kind(f))
	}
}
