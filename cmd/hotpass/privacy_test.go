package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// privacy scan lists each finding by type, column, 1-based row and
// confidence, and never prints a scanned value.
func TestPrivacyScan(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	in := filepath.Join(tmp, "people.csv")
	csv := "org,contact_name,email,phone,notes\n" +
		"Sky Flight School,Thandi Nkosi,thandi@skyflight.co.za,082 123 4567,card 4111111111111111\n" +
		"Blue Air,,,,nothing personal here\n" +
		"Karoo Aero,Piet Botha,,+27 21 555 0100,call Piet Botha after 5\n"
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cli(t, "privacy", "scan", "--input", in, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Rows     int `json:"rows"`
		Findings []struct {
			Type       string  `json:"type"`
			Column     string  `json:"column"`
			Row        int     `json:"row"`
			Confidence float64 `json:"confidence"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	var got []string
	for _, f := range rep.Findings {
		if f.Confidence <= 0 || f.Confidence > 1 {
			t.Errorf("finding %+v: confidence out of range", f)
		}
		got = append(got, f.Type+"@"+f.Column+":"+itoa(f.Row))
	}
	want := []string{"person_name@contact_name:1", "email@email:1", "phone@phone:1", "card_number@notes:1",
		"person_name@contact_name:3", "phone@phone:3", "person_name@notes:3"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("findings\n got %v\nwant %v", got, want)
	}
	for _, raw := range []string{"thandi@skyflight.co.za", "4567", "4111111111111111", "Nkosi", "Botha"} {
		if strings.Contains(stdout, raw) {
			t.Errorf("JSON output holds the scanned value %q", raw)
		}
	}
	stdout, _, code = cli(t, "privacy", "scan", "--input", in)
	if code != 0 || !strings.Contains(stdout, "3 rows, 5 columns, 7 findings") || strings.Contains(stdout, "Nkosi") {
		t.Errorf("text output (exit %d):\n%s", code, stdout)
	}
	_, stderr, code = cli(t, "privacy", "scan", "--input", in, "--name-column", "nope")
	if code != 2 || !strings.Contains(stderr, "contact_name") {
		t.Errorf("unknown --name-column: exit %d, %s", code, stderr)
	}
}

// An erasure matching more than 10,000 rows is refused without --yes, and
// goes ahead with it.
func TestPrivacyEraseWideMatchWantsYes(t *testing.T) {
	t.Parallel()
	dir, home := t.TempDir(), t.TempDir()
	in := filepath.Join(dir, "switchboard.csv")
	var b strings.Builder
	b.WriteString("org,phone\n")
	for i := 0; i < 10_001; i++ {
		b.WriteString("Org " + itoa(i) + ",011 555 0000\n")
	}
	b.WriteString("Other,082 123 4567\n")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cli(t, "privacy", "erase", "--match", "phone=+27115550000", "--file", in, "--state-dir", home)
	if code != 2 || !strings.Contains(stderr, "10001 rows match") || !strings.Contains(stderr, "--yes") {
		t.Fatalf("without --yes: exit %d\n%s", code, stderr)
	}
	if got, _ := os.ReadFile(in); string(got) != b.String() {
		t.Fatal("the file changed although the erasure was refused")
	}
	stdout, stderr, code := cli(t, "privacy", "erase", "--match", "phone=+27115550000", "--file", in, "--yes", "--state-dir", home, "--format", "json")
	if code != 0 {
		t.Fatalf("with --yes: exit %d\n%s", code, stderr)
	}
	var rep struct {
		Matches int `json:"matches"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Matches != 10_001 {
		t.Fatalf("json: %v %s", err, stdout)
	}
	got, _ := os.ReadFile(in)
	if lines := strings.Count(string(got), "\n"); lines != 2 || !strings.Contains(string(got), "082 123 4567") {
		t.Errorf("after erasure the file holds:\n%s", got)
	}
}
