package specs_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/specs"
)

// TestDiagnosticsHideDSNPasswords: a DSN password written in a spec shows
// in no form of a diagnostic (printed with its source line, JSON, error
// text), wherever the diagnostic points.
func TestDiagnosticsHideDSNPasswords(t *testing.T) {
	t.Parallel()
	src := "version: 1\n" +
		"name: x\n" +
		"datasources:\n" +
		"  a: {type: postgres, dsn: \"postgres://app:url-hunter2@db/crm?sslpassword=q-hunter3\", tabel: t}\n" +
		"  b: {type: postgres, dsn: \"host=db password='kv hunter4' dbname=crm\", tabel: t}\n" +
		"  c: {type: postgres, dsn: \"host=db PASSWORD=kv-hunter5 dbname=crm\", tabel: t}\n" +
		"  d: {type: xlsx, path: a.xlsx, password: xlsx-hunter6, tabel: t}\n"
	ds := specs.Diagnostics{
		specs.Errorf(specs.Pos{File: "s.yaml", Line: 4, Col: 5}, "unknown key %q near %s", "tabel", "postgres://app:url-hunter2@db/crm"),
		specs.Errorf(specs.Pos{File: "s.yaml", Line: 5, Col: 5}, "bad dsn %s", "host=db password='kv hunter4' dbname=crm"),
		specs.Errorf(specs.Pos{File: "s.yaml", Line: 6, Col: 5}, "bad option").WithHint("check password=kv-hunter5"),
		specs.Errorf(specs.Pos{File: "s.yaml", Line: 7, Col: 5}, "unknown key"),
	}
	ds.AttachSource("s.yaml", []byte(src))
	var printed strings.Builder
	if err := ds.Print(&printed); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(ds)
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{printed.String(), string(js), ds.Error()} {
		for _, pw := range []string{"hunter2", "hunter3", "hunter4", "hunter5", "hunter6"} {
			if strings.Contains(form, pw) {
				t.Errorf("diagnostics show a password (%s):\n%s", pw, form)
			}
		}
	}
	// What is not a secret stays, so that the line is still recognisable.
	for _, want := range []string{"postgres://app:***@db/crm", "host=db password=*** dbname=crm", "tabel: t"} {
		if !strings.Contains(printed.String(), want) {
			t.Errorf("printed diagnostics lack %q:\n%s", want, printed.String())
		}
	}
	if !errors.Is(ds, specs.ErrInvalid) {
		t.Error("scrubbed diagnostics are no longer errors")
	}
}

// TestRenderedValueFromEnvIsSecret: a rendered value whose template read
// an environment variable is a secret as a whole, next to the raw value.
func TestRenderedValueFromEnvIsSecret(t *testing.T) {
	t.Parallel()
	src := "version: 1\nname: x\n" +
		"datasources:\n  db: {type: csv, path: \"data/{{ env_var('DB_PATH')|upper }}.csv\"}\n" +
		"tasks:\n  a: {type: noop, with: {sleep: \"{{ env_var('UNSET', '1s') }}\"}}\n"
	s, err := specs.Parse("s.yaml", []byte(src), testValidator(t))
	if err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) {
		if k == "DB_PATH" {
			return "secretdir", true
		}
		return "", false
	}
	r, diags := specs.Render(s, specs.RenderOptions{LookupEnv: env})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := []string{"SECRETDIR", "data/SECRETDIR.csv", "secretdir"}
	got := slices.Clone(r.Secrets)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("secrets = %q, want %q", got, want)
	}
}
