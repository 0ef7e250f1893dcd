package read_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadSpreadsheetCSVThroughSpec reads an Excel-on-Windows export through
// a spec: the options pass the schema and the loader, the values come out
// typed, and the task log says what was detected and why.
func TestReadSpreadsheetCSVThroughSpec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := "Name;Revenue;Founded;Registered\r\nCaf\xe9 Aviation;1 234,50;03/04/2024;01.02.2020\r\n\x93Best\x94 \x96 School;12,5;25/12/1999;31.12.2021\r\n"
	if err := os.WriteFile(filepath.Join(dir, "orgs.csv"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `version: 1
name: za
datasources:
  orgs: {type: csv, path: orgs.csv, locale: en-ZA, header: auto, date_format: {Registered: "%d.%m.%Y"}}
tasks:
  load: {type: read, with: {source: orgs}}
  back: {type: write, with: {input: load, path: out.csv, encoding: windows-1252, delimiter: ";"}}
`
	rec, err := runSpec(t, dir, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range rec.Tasks {
		if tr.Status != "succeeded" {
			t.Fatalf("%s: %s %s", tr.ID, tr.Status, tr.Error)
		}
	}
	tb := output(t, dir, rec, "load")
	if got := tb.Schema().String(); got != "Name:string, Revenue:float64, Founded:date, Registered:date" {
		t.Fatalf("schema %s", got)
	}
	if got := tb.Column(0).Format(1) + "|" + tb.Column(1).Format(0) + "|" + tb.Column(2).Format(0) + "|" + tb.Column(3).Format(1); got != "“Best” – School|1234.5|2024-04-03|2021-12-31" {
		t.Errorf("values %s", got)
	}
	var logPath string
	for _, tr := range rec.Tasks {
		if tr.ID == "load" {
			logPath = filepath.Join(dir, ".hotpass", "runs", rec.RunID, tr.Log)
		}
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"csv dialect detected", "encoding=windows-1252", `delimiter="\";\""`, "header=true"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("task log lacks %s:\n%s", want, log)
		}
	}
	out, err := os.ReadFile(filepath.Join(dir, "out.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Name;Revenue;Founded;Registered\nCaf\xe9 Aviation;1234.5;2024-04-03;2020-02-01\n"; !strings.HasPrefix(string(out), want) {
		t.Errorf("written %q", out)
	}
}

func TestSpreadsheetOptionErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ opts, want string }{
		{`locale: xx-YY`, "en-ZA"},
		{`encoding: ebcdic`, "encoding"},
		{`date_format: "%Q"`, "%Q"},
		{`header: maybe`, "header"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("a\n1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		src := "version: 1\nname: x\ntasks:\n  load: {type: read, with: {path: a.csv, " + tc.opts + "}}\n"
		_, err := runSpec(t, dir, src, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "pipeline.yaml:4:") {
			t.Errorf("%s: error %v, want one at line 4 with %q", tc.opts, err, tc.want)
		}
	}
}
