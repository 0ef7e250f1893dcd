package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunOnlyLeavesOtherDatasourcesAlone runs the README's datasources
// example with --only export and the CRM secret unset: the publish task and
// the crm datasource only it uses are neither rendered nor checked, so the
// export runs; a full run still refuses the missing secret.
func TestRunOnlyLeavesOtherDatasourcesAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "contacts.csv"), []byte("name,email\nAda,ada@example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "spec.yaml")
	src := `version: 1
name: crm-sync
datasources:
  contacts: {type: csv, path: "data/*contact*.csv"}
  crm:      {type: postgres, dsn: "{{ env_var('HOTPASS_TEST_NEVER_SET_CRM_DSN') }}", table: crm.contacts}
tasks:
  load:    {type: read, with: {source: contacts}}
  publish: {type: write, with: {input: load, sink: crm, mode: upsert, key: [email]}}
  export:  {type: write, with: {input: load, path: dist/contacts.parquet}}
`
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	stdout, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "--only", "export", spec)
	if code != exitOK {
		t.Fatalf("run --only export: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "dist", "contacts.parquet")); err != nil {
		t.Errorf("export wrote nothing: %v", err)
	}
	_, stderr, code = cli(t, "run", "--no-progress", "--state-dir", state, spec)
	if code != exitInvalid || !strings.Contains(stderr, "dsn") {
		t.Errorf("full run without the secret: exit %d, want 2 naming the dsn\n%s", code, stderr)
	}
}
