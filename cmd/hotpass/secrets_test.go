package main

import (
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
