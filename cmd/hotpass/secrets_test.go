package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateHidesDSNPassword: `hotpass validate` reports an error on a
// line holding a literal DSN password, in text and JSON, without the
// password.
func TestValidateHidesDSNPassword(t *testing.T) {
	t.Parallel()
	spec := filepath.Join(t.TempDir(), "dsn.yaml")
	src := "version: 1\nname: dsn\ndatasources:\n" +
		"  crm: {type: postgres, dsn: \"postgres://app:hunter2-pass@db.example/crm\", tabel: t}\n" +
		"  kv: {type: postgres, dsn: \"host=db.example password=kv-hunter3 dbname=crm\", tabel: t}\n" +
		"tasks:\n  a: {type: read, with: {source: crm}}\n  b: {type: read, with: {source: kv}}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json"} {
		stdout, stderr, code := cli(t, "validate", "--format", format, spec)
		out := stdout + stderr
		if code != exitInvalid || !strings.Contains(out, "tabel") || !strings.Contains(out, "postgres://app:***@db.example") {
			t.Errorf("%s: exit %d, want 2 with the diagnostics, password masked:\n%s", format, code, out)
		}
		if strings.Contains(out, "hunter2") || strings.Contains(out, "hunter3") {
			t.Errorf("%s: validate shows a DSN password:\n%s", format, out)
		}
	}
}

// TestValidateWithoutSecrets: a datasource whose dsn comes from an unset
// variable validates with a warning (pre-commit has no secrets), is an
// error under --strict, and a dsn left out is an error either way.
func TestValidateWithoutSecrets(t *testing.T) {
	t.Parallel()
	const unset = "HOTPASS_TEST_NEVER_SET_DSN"
	if _, ok := os.LookupEnv(unset); ok {
		t.Fatalf("%s is set", unset)
	}
	dir := t.TempDir()
	tests := []struct {
		name, dsn string
		strict    bool
		code      int
		want      string
	}{
		{"unset variable", `dsn: "{{ env_var('` + unset + `') }}", `, false, 0, "warning: environment variable " + unset + " is referenced but not set"},
		{"unset variable, strict", `dsn: "{{ env_var('` + unset + `') }}", `, true, exitInvalid, "error: environment variable " + unset},
		{"no dsn", ``, false, exitInvalid, "postgres needs a dsn"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := writeSpec(t, dir, fmt.Sprintf("s%d.yaml", i), "version: 1\nname: crm\ndatasources:\n"+
				"  crm: {type: postgres, "+tt.dsn+"table: crm.contacts}\n"+
				"tasks:\n  load: {type: read, with: {source: crm}}\n")
			args := []string{"validate", spec}
			if tt.strict {
				args = append(args, "--strict")
			}
			stdout, stderr, code := cli(t, args...)
			if code != tt.code || !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("exit %d, want %d with %q:\n%s%s", code, tt.code, tt.want, stdout, stderr)
			}
			if tt.code == 0 && strings.Contains(stdout+stderr, "needs a dsn") {
				t.Errorf("the missing secret made the dsn an error:\n%s%s", stdout, stderr)
			}
		})
	}
}
