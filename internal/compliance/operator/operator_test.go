package operator

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/table"
)

func TestMask(t *testing.T) {
	t.Parallel()
	a := New(nil)
	for _, c := range []struct{ in, want string }{
		{"jane@example.co.za", "j***@e***.co.za"},
		{"+27 82 123 4567", "+27 ** *** 4567"},
		{"+27821234567", "+27 ** *** 4567"},
		{"082 123 4567", "+27 ** *** 4567"},
		{"(011) 555-1234", "+27 ** *** 1234"},
		{"jane@example.co.za, +27821234567", "j***@e***.co.za, +27 ** *** 4567"},
		{"8001015009087", "*********9087"},
		{"4111 1111 1111 1111", "**** **** **** 1111"},
		{"Thandi Nkosi", "T***"},
		{"Élan", "É***"},
		{"", ""},
	} {
		if got := a.Mask(c.in); got != c.want {
			t.Errorf("Mask(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestHashStableAndKeyed(t *testing.T) {
	t.Parallel()
	k1 := New([]byte("0123456789abcdef"))
	k1again := New([]byte("0123456789abcdef"))
	k2 := New([]byte("fedcba9876543210"))
	h := k1.Hash("jane@example.co.za")
	if len(h) != 64 || strings.Contains(h, "jane") {
		t.Fatalf("hash %q", h)
	}
	if k1again.Hash(" Jane@Example.co.za ") != h {
		t.Error("the same key and value (up to case and spaces) must hash alike across runs")
	}
	if k2.Hash("jane@example.co.za") == h {
		t.Error("another key must hash differently")
	}
	if k1.Hash("john@example.co.za") == h {
		t.Error("another value must hash differently")
	}
}

func TestYear(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"2024-03-01", "2024", true},
		{"1 March 1999", "1999", true},
		{"12345", "", false},
		{"n/a", "", false},
	} {
		got, ok := Year(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("Year(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	p := &policy.Policy{HMACKeyEnv: "HP_KEY", Fields: map[string]policy.Field{"email": {Classification: "pii", Operator: "hash"}}}
	env := map[string]string{}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if _, err := Key(p, lookup); !errors.Is(err, ErrMissingKey) || !strings.Contains(err.Error(), "HP_KEY") {
		t.Errorf("missing key: %v", err)
	}
	env["HP_KEY"] = "short"
	if _, err := Key(p, lookup); err == nil {
		t.Error("a short key must be refused")
	}
	env["HP_KEY"] = "0123456789abcdef"
	if k, err := Key(p, lookup); err != nil || string(k) != "0123456789abcdef" {
		t.Errorf("Key = %q, %v", k, err)
	}
	if k, err := Key(&policy.Policy{}, lookup); err != nil || k != nil {
		t.Errorf("a policy without hash needs no key: %q, %v", k, err)
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "name", Type: table.String},
		table.Field{Name: "email", Type: table.String},
		table.Field{Name: "phone", Type: table.String},
		table.Field{Name: "seen", Type: table.Date},
		table.Field{Name: "notes", Type: table.String},
	), 2)
	_ = b.AppendRow("Sky Air", "jane@example.co.za", "+27821234567", table.DateToTime(19800), "call Jane")
	_ = b.AppendRow("Blue", nil, nil, nil, nil)
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	a := New([]byte("0123456789abcdef"))
	ops := map[string]string{"email": "mask", "phone": "hash", "seen": "generalise", "notes": "drop", "missing": "mask"}
	out, err := a.Table(tb, ops)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out.Schema().Names(), ","); got != "name,email,phone,seen" {
		t.Fatalf("columns %s", got)
	}
	row := out.Row(0)
	want := []any{"Sky Air", "j***@e***.co.za", a.Hash("+27821234567"), int64(2024)}
	if fmt.Sprint(row) != fmt.Sprint(want) {
		t.Errorf("row 0 = %v, want %v", row, want)
	}
	if r := out.Row(1); r[1] != nil || r[2] != nil || r[3] != nil {
		t.Errorf("nulls must stay null: %v", r)
	}
	if _, err := a.Table(tb, map[string]string{"email": "scramble"}); err == nil || !strings.Contains(err.Error(), "scramble") {
		t.Errorf("unknown operator: %v", err)
	}
}

func Example() {
	a := New(nil)
	fmt.Println(a.Mask("jane@example.co.za"))
	fmt.Println(a.Mask("+27 82 123 4567"))
	y, _ := a.Value(policy.Generalise, "2024-03-01")
	fmt.Println(y)
	// Output:
	// j***@e***.co.za
	// +27 ** *** 4567
	// 2024
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{"jane@example.co.za", "+27 82 123 4567", "8001015009087", "x", "@", "+1"} {
		f.Add(s)
	}
	a := New(nil)
	f.Fuzz(func(t *testing.T, s string) {
		m := a.Mask(s)
		if s != "" && m == s && len(s) > 4 && strings.ContainsAny(s, "@0123456789") {
			t.Fatalf("Mask(%q) left it unchanged", s)
		}
	})
}
