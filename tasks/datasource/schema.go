package datasource

import (
	"encoding/json"
	"reflect"

	"github.com/hotpass/hotpass/internal/table/csvio"
	"github.com/hotpass/hotpass/internal/table/locale"
	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/tasks"
)

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
	applies := decode.OnlyFor(reflect.TypeFor[Config](), format)
	props := map[string]any{}
	declared, _ := decode.Schema(reflect.TypeFor[Config]())["properties"].(map[string]any)
	for name, s := range declared {
		if applies[name] && name != "format" {
			props[name] = s
		}
	}
	if datasource {
		props["type"] = map[string]any{"const": format}
	}
	if format == "postgres" {
		delete(props, "path")
	}
	if _, ok := props["limits"]; ok {
		props["limits"] = limitsSchema(format)
	}
	s := map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	out, _ := json.Marshal(s)
	return out
}

// kind is a datasource type as the engine's loader sees it.
type kind string

func (k kind) Name() string            { return string(k) }
func (k kind) Schema() json.RawMessage { return formatSchema(string(k), true) }

// Options returns the declaration of a datasource block.
func (kind) Options() any { return &Config{} }

func init() {
	for _, f := range Formats {
		tasks.RegisterDatasource(kind(f))
	}
}
