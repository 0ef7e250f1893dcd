package records

import (
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
)

func build(t *testing.T, typ table.Type, ids []string, vals []any) *table.Table {
	t.Helper()
	b := table.NewBuilder(table.MustSchema(table.Field{Name: "id", Type: table.String}, table.Field{Name: "v", Type: typ}), len(ids))
	for k, id := range ids {
		if err := b.AppendRow(id, vals[k]); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestAcrossInputs(t *testing.T) {
	t.Parallel()
	a := build(t, table.String, []string{"1", "2", "3"}, []any{"2020-01-02", nil, "7.5"})
	b := build(t, table.Int64, []string{"1", "9"}, []any{int64(20200102), int64(3)})
	s, err := New(settings.LinkOnly, "id", []Input{{Name: "a", Table: a}, {Name: "b", Table: b}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 5 || s.Source(3) != 1 || s.ID(3) != "1" || s.Offset(1) != 3 || s.InputLen(1) != 2 {
		t.Fatalf("indexing wrong: len %d source(3) %d id(3) %q", s.Len(), s.Source(3), s.ID(3))
	}
	if got := s.Describe(4); got != `input "b" row 2 (id "9")` {
		t.Errorf("Describe = %q", got)
	}
	vals, present, err := s.Strings("v")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(vals, "|") != "2020-01-02||7.5|20200102|3" || present[1] || !present[4] {
		t.Errorf("Strings = %q %v", vals, present)
	}
	days, ok, bad, err := s.Dates("v")
	if err != nil {
		t.Fatal(err)
	}
	if !ok[0] || !ok[3] || days[0] != days[3] || ok[1] || ok[2] || bad != 2 {
		t.Errorf("Dates = %v %v bad %d: want 2020-01-02 twice, 7.5 and 3 unparseable", days, ok, bad)
	}
	nums, ok, bad, err := s.Floats("v")
	if err != nil {
		t.Fatal(err)
	}
	if nums[2] != 7.5 || nums[4] != 3 || !ok[4] || ok[0] || bad != 1 {
		t.Errorf("Floats = %v %v bad %d", nums, ok, bad)
	}
	if err := s.HasColumn("w"); err == nil || !strings.Contains(err.Error(), `input "a" has no column "w"`) {
		t.Errorf("HasColumn(w) = %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	a := build(t, table.String, []string{"1"}, []any{"x"})
	for _, tc := range []struct {
		name   string
		lt     settings.LinkType
		inputs []Input
		want   string
	}{
		{"none", settings.DedupeOnly, nil, "no input tables"},
		{"same names", settings.LinkOnly, []Input{{Name: "a", Table: a}, {Name: "a", Table: a}}, `two inputs are named "a"`},
		{"nil table", settings.DedupeOnly, []Input{{Name: "a"}}, "has no table"},
	} {
		if _, err := New(tc.lt, "id", tc.inputs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}
