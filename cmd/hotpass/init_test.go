package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInitScaffoldRunsAsIs scaffolds a project and checks that validate and
// run accept it unchanged, that the run writes the output the spec names,
// and that a second init refuses to overwrite, naming every file.
func TestInitScaffoldRunsAsIs(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "proj")

	out, errOut, code := cli(t, "init", dir)
	if code != exitOK {
		t.Fatalf("init: exit %d\n%s", code, errOut)
	}
	golden(t, "init_files", normalize(out, tmp))

	spec := filepath.Join(dir, "pipeline.yaml")
	data, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# yaml-language-server: $schema="+schemaFile+"\n") {
		t.Errorf("spec does not start with the $schema comment for %s:\n%s", schemaFile, data)
	}
	if _, err := os.Stat(filepath.Join(dir, schemaFile)); err != nil {
		t.Errorf("the schema the spec points at is missing: %v", err)
	}
	hook, err := os.ReadFile(filepath.Join(dir, ".pre-commit-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(hook), "id: hotpass-validate") {
		t.Errorf(".pre-commit-config.yaml does not use the hotpass-validate hook:\n%s", hook)
	}

	if _, errOut, code := cli(t, "validate", "--strict", spec); code != exitOK {
		t.Fatalf("validate: exit %d\n%s", code, errOut)
	}
	state := filepath.Join(tmp, "state")
	if _, errOut, code := cli(t, "run", "--no-progress", "--state-dir", state, spec); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, errOut)
	}
	written, err := os.ReadFile(filepath.Join(dir, "out", "contacts.csv"))
	if err != nil {
		t.Fatalf("run did not write out/contacts.csv: %v", err)
	}
	sample, err := os.ReadFile(filepath.Join(dir, "data", "contacts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if string(written) != string(sample) {
		t.Errorf("every sample contact passes its checks, so out/contacts.csv should equal the input:\ngot:\n%s\nwant:\n%s", written, sample)
	}

	out, errOut, code = cli(t, "init", dir)
	if code != exitInvalid {
		t.Fatalf("second init: exit %d, want %d\n%s%s", code, exitInvalid, out, errOut)
	}
	for _, name := range []string{".gitignore", ".pre-commit-config.yaml", "data/contacts.csv", "pipeline.yaml", schemaFile} {
		if !strings.Contains(errOut, name) {
			t.Errorf("refusal does not name %s:\n%s", name, errOut)
		}
	}
	if !strings.Contains(errOut, "--force") {
		t.Errorf("refusal does not say how to overwrite:\n%s", errOut)
	}
}

// TestInitForceOverwrites checks that --force replaces an edited file with
// the template and that, without it, a single existing file blocks the
// whole scaffold rather than leaving half a project.
func TestInitForceOverwrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := filepath.Join(dir, "pipeline.yaml")
	if err := os.WriteFile(spec, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	_, errOut, code := cli(t, "init", dir)
	if code != exitInvalid {
		t.Fatalf("init over an existing spec: exit %d, want %d\n%s", code, exitInvalid, errOut)
	}
	if !strings.Contains(errOut, "pipeline.yaml") {
		t.Errorf("refusal does not name pipeline.yaml:\n%s", errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "contacts.csv")); err == nil {
		t.Error("a refused init wrote data/contacts.csv")
	}
	if got, _ := os.ReadFile(spec); string(got) != "mine\n" {
		t.Errorf("a refused init changed pipeline.yaml to %q", got)
	}

	if _, errOut, code := cli(t, "init", "--force", dir); code != exitOK {
		t.Fatalf("init --force: exit %d\n%s", code, errOut)
	}
	if got, _ := os.ReadFile(spec); string(got) == "mine\n" {
		t.Error("init --force left pipeline.yaml as it was")
	}
}

// TestInitDefaultsToWorkingDirectory is not parallel: it changes directory.
func TestInitDefaultsToWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if _, errOut, code := cli(t, "init"); code != exitOK {
		t.Fatalf("init: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "pipeline.yaml")); err != nil {
		t.Errorf("init without DIR did not write ./pipeline.yaml: %v", err)
	}
}

func TestInitRefusesTwoDirectories(t *testing.T) {
	t.Parallel()
	if _, errOut, code := cli(t, "init", t.TempDir(), t.TempDir()); code != exitInvalid {
		t.Fatalf("init A B: exit %d, want %d\n%s", code, exitInvalid, errOut)
	}
}
