package datasource

import (
	"encoding/json"
	"sort"

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
	"delimiter":    str(`Field separator, one character; "\t" for tab. Default ",".`),
	"quote":        str(`Quote character. Default '"'.`),
	"header":       {map[string]any{"type": "boolean", "description": "Whether the first line holds column names. Default true."}},
	"encoding":     {map[string]any{"enum": []any{"utf-8", "latin-1"}, "description": "Text encoding. Default utf-8 (a byte-order mark is skipped)."}},
	"on_bad_row":   {map[string]any{"enum": []any{"error", "skip", "collect"}, "description": "What to do with a row that has too many or too few fields or a value of the wrong type: stop with an error naming the line (default), skip it, or collect it into rejects_path."}},
	"rejects_path": str("With on_bad_row: collect, the CSV file that receives rejected rows with their line number and reason."),
	"null_values": {map[string]any{"type": "array", "items": map[string]any{"type": "string"},
		"description": `Cell texts read as null. Default [""].`}},
	"types": {map[string]any{"type": "object", "additionalProperties": map[string]any{"enum": []any{"string", "int64", "float64", "bool", "date", "timestamp"}},
		"description": "Column types that override inference, e.g. {phone: string}."}},
	"infer_rows":  {map[string]any{"type": "integer", "minimum": 1, "description": "Rows sampled to infer column types. Default 1000."}},
	"limits":      {limitsSchema("")},
	"sheet":       str("Sheet name, or its 1-based position as a number in quotes. Default the first sheet.", "Cleaned", "2"),
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
