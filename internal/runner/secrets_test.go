package runner_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
)

// envLeakSpec names columns and builds a command from an environment
// variable, raw and through a filter.
const envLeakSpec = `version: 1
name: envleak
tasks:
  load: {type: read, with: {path: people.csv}}
  raw:
    type: validate
    with: {input: load, policy: warn, expectations: [{column: "{{ env_var('HP_TEST_SECRET_COLUMN') }}", expect: not_null}]}
  upper:
    type: validate
    with: {input: load, policy: warn, expectations: [{column: "{{ env_var('HP_TEST_SECRET_COLUMN')|upper }}", expect: not_null}]}
  missing:
    type: validate
    with: {input: load, expectations: [{column: "x-{{ env_var('HP_TEST_SECRET_COLUMN')|capfirst }}", expect: not_null}]}
  shout: {type: exec, with: {command: "echo {{ env_var('HP_TEST_SECRET_COLUMN')|upper }}"}}
`

// secretForms are the forms of the secret column name the spec derives.
var secretForms = []string{"colsecretname", "COLSECRETNAME", "Colsecretname"}

// TestEnvDerivedValuesMasked: a value read with env_var, or derived from
// one by a filter, appears in no run record, stored task, task log, span,
// metric attribute or OTel log record.
func TestEnvDerivedValuesMasked(t *testing.T) {
	st, l, dir := setup(t)
	write(t, filepath.Join(dir, "people.csv"), "colsecretname,COLSECRETNAME,b\n1,1,2\n,,3\n")
	spec := write(t, filepath.Join(dir, "leak.yaml"), envLeakSpec)
	recv := otlptest.NewHTTP(t)
	for k, v := range recv.Env() {
		t.Setenv(k, v)
	}
	t.Setenv("HP_TEST_SECRET_COLUMN", "colsecretname")
	state := filepath.Join(dir, "state")
	rec, err := runner.Run(context.Background(), runner.Options{
		Store: st, Loader: l, StateDir: state, Source: runner.File(spec), RunID: "r1",
		Telemetry: runner.TelemetryOptions{Enabled: true, Stderr: &strings.Builder{}},
	})
	if rec == nil {
		t.Fatalf("run did not start: %v", err)
	}
	if got := rec.Task("missing").Status; got != "failed" {
		t.Fatalf("task missing: %s, want failed (its column does not exist)", got)
	}
	if got := rec.Task("raw").Attrs["expectations_failed"]; got != 1 {
		t.Fatalf("task raw: attrs %v, want one failed expectation (the check ran on the real column)", rec.Task("raw").Attrs)
	}
	assertMasked := func(where, text string) {
		t.Helper()
		for _, s := range secretForms {
			if strings.Contains(text, s) {
				t.Errorf("%s shows %q:\n%s", where, s, text)
			}
		}
	}
	// Kept outputs are data, whose column names are the user's own.
	_ = filepath.WalkDir(filepath.Join(state, "runs", "r1"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".parquet") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		assertMasked(p, string(data))
		return nil
	})
	run, err := st.GetRun(context.Background(), "r1")
	if err != nil {
		t.Fatal(err)
	}
	assertMasked("stored run", fmt.Sprintf("%+v", run))
	trs, err := st.ListTasks(context.Background(), "r1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range trs {
		assertMasked("stored task "+tr.TaskID, fmt.Sprintf("%+v %s", tr, tr.Attrs))
	}
	if len(recv.Points("hotpass.validation.failures")) == 0 {
		t.Fatal("no hotpass.validation.failures points: the check above proves nothing")
	}
	for _, p := range recv.AllPoints("hotpass.validation.failures") {
		assertMasked("metric point", fmt.Sprint(p.Attrs))
	}
	for _, s := range recv.Spans() {
		assertMasked("span "+s.GetName(), s.String())
	}
	if len(recv.Logs()) == 0 {
		t.Fatal("no OTel log records: the check above proves nothing")
	}
	for _, lr := range recv.Logs() {
		assertMasked("OTel log record", lr.String())
	}
}

// dsnSpec holds a literal password in a DSN on a line with an error.
const dsnSpec = `version: 1
name: dsnleak
datasources:
  crm: {type: postgres, dsn: "postgres://app:hunter2-pass@db.example:5432/crm", table: t, sheet: x}
  kv: {type: postgres, dsn: "host=db.example user=app password=kv-hunter3 dbname=crm", table: t, sheet: x}
tasks:
  a: {type: read, with: {source: crm}}
  b: {type: read, with: {source: kv}}
`

// TestStoredRunErrorHidesDSNPassword: a queued run of a spec that became
// invalid records the diagnostics, with their source lines, without the
// DSN's password.
func TestStoredRunErrorHidesDSNPassword(t *testing.T) {
	t.Parallel()
	st, l, dir := setup(t)
	spec := write(t, filepath.Join(dir, "dsn.yaml"), dsnSpec)
	if _, err := st.PutDeployment(context.Background(), store.Deployment{Name: "d", SpecPath: spec}); err != nil {
		t.Fatal(err)
	}
	d, _ := st.GetDeployment(context.Background(), "d")
	q, err := runner.Enqueue(context.Background(), st, l, runner.QueueRequest{Deployment: d})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	o := runner.QueuedOptions(context.Background(), runner.Options{Store: st, Loader: l, StateDir: filepath.Join(dir, "state")}, st, q)
	_, _ = runner.Run(context.Background(), o)
	r, _ := st.GetRun(context.Background(), q.ID)
	if r.Status != store.RunFailed || !strings.Contains(r.Error, "dsn.yaml:4") || !strings.Contains(r.Error, "postgres://app:***@db.example") {
		t.Fatalf("run %s: %q, want the diagnostics with the password masked", r.Status, r.Error)
	}
	for _, pw := range []string{"hunter2", "hunter3"} {
		if strings.Contains(r.Error, pw) {
			t.Errorf("stored run error shows a DSN password:\n%s", r.Error)
		}
	}
}

// TestStoredParamsMaskSecretsInLists: a secret given as an item of a list
// param is masked in the params stored with the run, as in run.json.
func TestStoredParamsMaskSecretsInLists(t *testing.T) {
	t.Parallel()
	const secret = "tok-hunter2-list"
	st, l, dir := setup(t)
	spec := write(t, filepath.Join(dir, "p.yaml"), "version: 1\nname: lists\nparams:\n  hosts: {type: list}\n  who: {type: string}\ntasks:\n  a: {type: noop}\n")
	state := filepath.Join(dir, "state")
	rec, err := runner.Run(context.Background(), runner.Options{
		Store: st, Loader: l, StateDir: state, Source: runner.File(spec), RunID: "r1", Secrets: []string{secret},
		ParamsJSON: map[string]any{"hosts": []any{"db.example", secret}, "who": secret},
	})
	if rec == nil {
		t.Fatalf("run did not start: %v", err)
	}
	run, err := st.GetRun(context.Background(), "r1")
	if err != nil {
		t.Fatal(err)
	}
	record, err := os.ReadFile(filepath.Join(state, "runs", "r1", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range map[string]string{"stored params": string(run.Params), "run.json": string(record)} {
		if strings.Contains(text, secret) || !strings.Contains(text, "db.example") {
			t.Errorf("%s: want db.example kept and the secret masked:\n%s", where, text)
		}
	}
}
