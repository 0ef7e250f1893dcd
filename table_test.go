package hotpass_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hotpass/hotpass"
)

// A kept table reads back with its columns' types, nulls and typed values;
// an accessor of another type, or a null, reports no value.
func TestTableAccess(t *testing.T) {
	t.Parallel()
	r, _, dir := newRunner(t)
	writeFile(t, filepath.Join(dir, "t.csv"), "name,age,score,active,born\nada,36,1.5,true,1815-12-10\nalan,,2.25,false,\n")
	res, err := r.Run(context.Background(), hotpass.Bytes("t.yaml", []byte("version: 1\nname: t\ntasks:\n  load: {type: read, with: {path: t.csv}}\n"), dir))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := res.Table("load")
	if err != nil {
		t.Fatal(err)
	}
	wantCols := []hotpass.Column{{"name", hotpass.TypeString}, {"age", hotpass.TypeInt64}, {"score", hotpass.TypeFloat64},
		{"active", hotpass.TypeBool}, {"born", hotpass.TypeDate}}
	if got := tab.Columns(); !reflect.DeepEqual(got, wantCols) {
		t.Fatalf("columns %v, want %v", got, wantCols)
	}
	if i, ok := tab.ColumnIndex("score"); !ok || i != 2 {
		t.Errorf("ColumnIndex(score) = %d, %v", i, ok)
	}
	if _, ok := tab.ColumnIndex("nope"); ok {
		t.Error("ColumnIndex found a column that does not exist")
	}
	born := time.Date(1815, 12, 10, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		get    func() (any, bool)
		want   any
		wantOK bool
	}{
		{"string", func() (any, bool) { return tab.String(0, 0) }, "ada", true},
		{"int64", func() (any, bool) { return tab.Int64(0, 1) }, int64(36), true},
		{"int64 null", func() (any, bool) { return tab.Int64(1, 1) }, int64(0), false},
		{"float64", func() (any, bool) { return tab.Float64(1, 2) }, 2.25, true},
		{"bool", func() (any, bool) { return tab.Bool(1, 3) }, false, true},
		{"date", func() (any, bool) { return tab.Time(0, 4) }, born, true},
		{"date null", func() (any, bool) { return tab.Time(1, 4) }, time.Time{}, false},
		{"wrong type", func() (any, bool) { return tab.String(0, 1) }, "", false},
	}
	for _, tt := range tests {
		got, ok := tt.get()
		if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
	if !tab.IsNull(1, 1) || tab.IsNull(0, 1) || tab.Value(1, 1) != nil {
		t.Error("null age not reported as null")
	}
	if got := tab.Text(0, 4); got != "1815-12-10" {
		t.Errorf("Text(date) = %q", got)
	}
	var rows [][]any
	for i, row := range tab.Rows() {
		if i != len(rows) {
			t.Fatalf("row index %d after %d rows", i, len(rows))
		}
		rows = append(rows, row)
		if len(rows) == 1 {
			break // stopping early must be safe
		}
	}
	if len(rows) != 1 || rows[0][0] != "ada" || tab.NumRows() != 2 {
		t.Errorf("rows %v of %d", rows, tab.NumRows())
	}
}
