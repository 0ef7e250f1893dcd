package pgio

import (
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestParseTableName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    pgx.Identifier
		wantErr string
	}{
		{in: "contacts", want: pgx.Identifier{"contacts"}},
		{in: "crm.contacts", want: pgx.Identifier{"crm", "contacts"}},
		{in: "crm.Contacts 2024", want: pgx.Identifier{"crm", "Contacts 2024"}},
		{in: `crm."odd.name"`, want: pgx.Identifier{"crm", "odd.name"}},
		{in: `"a ""b"""`, want: pgx.Identifier{`a "b"`}},
		{in: `"x"."y"`, want: pgx.Identifier{"x", "y"}},
		{in: "", wantErr: "empty part"},
		{in: "crm.", wantErr: "empty part"},
		{in: ".contacts", wantErr: "empty part"},
		{in: "a.b.c", wantErr: "3 parts"},
		{in: `"open`, wantErr: "unterminated"},
		{in: `"a"b`, wantErr: "after a quoted part"},
		{in: `a"b`, wantErr: "quote inside an unquoted part"},
		{in: "a\x00b", wantErr: "NUL"},
	}
	for _, tt := range tests {
		got, err := ParseTableName(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseTableName(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseTableName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParseTableName checks that a parsed name, quoted for SQL, parses
// back to the same parts.
func FuzzParseTableName(f *testing.F) {
	for _, s := range []string{"contacts", "crm.contacts", `crm."a.b"`, `"a""b"`, `"`, "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseTableName(s)
		if err != nil {
			return
		}
		if len(id) == 0 || len(id) > 2 {
			t.Fatalf("ParseTableName(%q) = %q", s, id)
		}
		again, err := ParseTableName(id.Sanitize())
		if err != nil || !slices.Equal(again, id) {
			t.Fatalf("ParseTableName(%q) = %q; re-parsing %q gave %q, %v", s, id, id.Sanitize(), again, err)
		}
	})
}
