package jsonlio

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/table"
)

func read(t *testing.T, data string, opts ReadOptions) (*table.Table, error) {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "in.jsonl"
	}
	r, err := NewReader(strings.NewReader(data), opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return table.ReadAll(r)
}

func sample(t *testing.T) *table.Table {
	t.Helper()
	s := table.MustSchema(
		table.Field{Name: "zeta", Type: table.String},
		table.Field{Name: "alpha", Type: table.Int64},
		table.Field{Name: "mid", Type: table.Float64},
		table.Field{Name: "ok", Type: table.Bool},
		table.Field{Name: "day", Type: table.Date},
		table.Field{Name: "at", Type: table.Timestamp},
	)
	b := table.NewBuilder(s, 0)
	rows := [][]any{
		{"Acme <&> \"quoted\"\n\u2028tab\t", int64(1), 1.25, true, time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 31, 8, 30, 0, 0, time.UTC)},
		{nil, nil, 3.0, false, nil, time.Date(2024, 2, 1, 0, 0, 0, 123000, time.UTC)},
		{"Zoë", int64(math.MinInt64), nil, nil, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), nil},
	}
	for _, r := range rows {
		if err := b.AppendRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	want := sample(t)
	path := filepath.Join(t.TempDir(), "out.jsonl")
	w, err := Create(path, want.Schema())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := table.Copy(w, table.NewTableReader(want, 2)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first := strings.SplitN(string(data), "\n", 2)[0]
	if !strings.HasPrefix(first, `{"zeta":"Acme <&> \"quoted\"\n\u2028tab\t","alpha":1,"mid":1.25,"ok":true,"day":"2024-01-31","at":"2024-01-31T08:30:00Z"}`) {
		t.Errorf("first line %s", first)
	}
	r, err := Open(path, ReadOptions{BatchRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := table.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Diff(want); d != "" {
		t.Errorf("round trip differs: %s", d)
	}
}

func TestInference(t *testing.T) {
	t.Parallel()
	data := `{"b":1,"a":"x","n":{"k":[1, 2]}}
{"b":2.5,"a":null,"c":true,"d":"2024-01-31"}

{"b":3,"a":"y","c":false,"mixed":1}
{"mixed":"two","d":"2024-02-01"}
`
	tb, err := read(t, data, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := tb.Schema().String(); got != "b:float64, a:string, n:string, c:bool, d:date, mixed:string" {
		t.Errorf("schema %s", got)
	}
	if v := tb.ColumnByName("n").Format(0); v != `{"k":[1,2]}` {
		t.Errorf("nested kept as %q", v)
	}
	if v := tb.ColumnByName("mixed").Format(2); v != "1" {
		t.Errorf("mixed number kept as %q", v)
	}
	if !tb.ColumnByName("a").IsNull(1) || !tb.ColumnByName("c").IsNull(0) || !tb.ColumnByName("b").IsNull(3) {
		t.Error("null or missing keys not null")
	}
	tb, err = read(t, `{"id":"007","n":"12"}`, ReadOptions{Types: map[string]table.Type{"n": table.Int64}})
	if err != nil || tb.Schema().String() != "id:string, n:int64" || tb.Column(1).Int64s()[0] != 12 {
		t.Errorf("override: %v %v", tb, err)
	}
}

func TestErrorsNameLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data string
		opts       ReadOptions
		want       string
	}{
		{"bad json", "{\"a\":1}\n{\"a\":\n", ReadOptions{}, "in.jsonl:2: invalid JSON"},
		{"not object", "[1]\n", ReadOptions{}, "in.jsonl:1: line is not a JSON object"},
		{"trailing", "{\"a\":1} x\n", ReadOptions{}, "in.jsonl:1: invalid JSON"},
		{"duplicate key", "{\"a\":1,\"a\":2}\n", ReadOptions{}, `in.jsonl:1: key "a" appears twice`},
		{"invalid utf-8", "{\"a\":\"\xff\"}\n", ReadOptions{}, "in.jsonl:1: invalid UTF-8"},
		{"new key after sample", "{\"a\":1}\n{\"b\":1}\n", ReadOptions{InferRows: 1}, `in.jsonl:2: column "b": key not seen`},
		{"type after sample", "{\"a\":1}\n{\"a\":1}\n{\"a\":\"x\"}\n", ReadOptions{InferRows: 2}, `in.jsonl:3: row 3, column "a": cannot convert "\"x\"" to int64`},
		{"unknown override", "{\"a\":1}\n", ReadOptions{Types: map[string]table.Type{"z": table.Int64}}, `unknown column "z"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := read(t, tt.data, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	_, err := read(t, "{\"a\":1}\n{\"a\":1.5}\n", ReadOptions{InferRows: 1})
	var ce *table.ConversionError
	if !errors.As(err, &ce) || ce.Row != 2 || ce.Column != "a" || ce.Value != "1.5" {
		t.Errorf("conversion error = %v", err)
	}
}

func TestWriterRejectsNaN(t *testing.T) {
	t.Parallel()
	b := table.NewBuilder(table.MustSchema(table.Field{Name: "x", Type: table.Float64}), 2)
	b.Column(0).AppendFloat64(1)
	b.Column(0).AppendFloat64(math.NaN())
	tb, _ := b.Build()
	dir := t.TempDir()
	w, err := Create(filepath.Join(dir, "x.jsonl"), tb.Schema())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tb); err == nil || !strings.Contains(err.Error(), `row 2, column "x"`) {
		t.Errorf("NaN error = %v", err)
	}
	if err := w.Close(); err == nil {
		t.Error("Close after failed write succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed write left %v", entries)
	}
}

func FuzzReader(f *testing.F) {
	f.Add("{\"a\":1,\"b\":\"x\"}\n{\"a\":2.5,\"c\":[1,{}]}\n")
	f.Add("{\"d\":\"2024-01-31\"}\n{\"d\":null}\n")
	f.Add("{\"a\":1}\n{\"a\":\"\xff\"}\n")
	f.Add("\xef\xbb\xbf{}\n\n{\"a\":true}")
	f.Fuzz(func(t *testing.T, data string) {
		r, err := NewReader(strings.NewReader(data), ReadOptions{InferRows: 2, BatchRows: 2})
		if err != nil {
			return
		}
		defer r.Close()
		tb, err := table.ReadAll(r)
		if err != nil {
			return
		}
		var sb strings.Builder
		w := NewWriter(&sb, tb.Schema())
		if err := w.Write(tb); err != nil && !strings.Contains(err.Error(), "no JSON form") {
			t.Fatal(err)
		}
		_ = w.Close()
	})
}
