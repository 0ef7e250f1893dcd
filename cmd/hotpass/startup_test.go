package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// initLine is one package's line of GODEBUG=inittrace=1:
// "init PKG @T ms, C ms clock, B bytes, A allocs".
var initLine = regexp.MustCompile(`(?m)^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes, \d+ allocs$`)

// Commands that load no profile and geocode nothing pay nothing for them
// at start-up: the gazetteer, the profile schema and the given-name list
// load at first use, so no Hotpass package allocates more than 256 KiB in
// its init (the profile schema's compilation took 2.3 MB before). Library
// inits (phone metadata, JSON Schema meta-schemas, excelize) are not ours
// to defer and are not counted.
func TestStartupLoadsNothingHeavy(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(hotpassBinary(t), "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hotpass version: %v\n%s", err, out)
	}
	ours := 0
	for _, m := range initLine.FindAllStringSubmatch(string(out), -1) {
		if m[1] != "github.com/hotpass/hotpass" && !strings.HasPrefix(m[1], "github.com/hotpass/hotpass/") {
			continue
		}
		ours++
		n, _ := strconv.Atoi(m[2])
		if n > 256<<10 {
			t.Errorf("package %s allocates %d bytes at start-up; load it at first use instead", m[1], n)
		}
	}
	if ours == 0 {
		t.Fatalf("no init lines of Hotpass packages in the trace; has its format changed?\n%s", out)
	}
}
