package labelstudio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Environment of appendChild, the half of TestAppendDecisionsAcrossProcesses
// that runs in each child process.
const (
	envAppendPath   = "HOTPASS_TEST_APPEND_PATH"
	envAppendPrefix = "HOTPASS_TEST_APPEND_PREFIX"
	envAppendCount  = "HOTPASS_TEST_APPEND_COUNT"
)

// appendsPerProcess is how many decisions each process appends, one call
// each: enough that unserialised read-and-replace loses some.
const appendsPerProcess = 150

// Two processes appending decisions to one file at once, one decision per
// call as reviewers do, lose none and tear none: every line parses and
// every annotation is there once.
func TestAppendDecisionsAcrossProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), DecisionsFile)
	var children []*exec.Cmd
	var outputs []*bytes.Buffer
	for _, prefix := range []string{"a", "b"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAppendChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envAppendPath+"="+path, envAppendPrefix+"="+prefix,
			envAppendCount+"="+strconv.Itoa(appendsPerProcess))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children, outputs = append(children, cmd), append(outputs, &out)
	}
	for i, cmd := range children {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v\n%s", i, err, outputs[i])
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		var d Decision
		if err := json.Unmarshal(line, &d); err != nil {
			t.Fatalf("line %d is torn: %v: %q", i+1, err, line)
		}
		seen[d.AnnotationID]++
	}
	for _, prefix := range []string{"a", "b"} {
		for i := range appendsPerProcess {
			if id := fmt.Sprintf("%s-%d", prefix, i); seen[id] != 1 {
				t.Errorf("decision %s is in the file %d times, want once", id, seen[id])
			}
		}
	}
	if n := len(seen); n != 2*appendsPerProcess {
		t.Errorf("%d distinct decisions in the file, want %d", n, 2*appendsPerProcess)
	}
}

// TestAppendChild is one appending process of
// TestAppendDecisionsAcrossProcesses; run on its own it does nothing.
func TestAppendChild(t *testing.T) {
	path := os.Getenv(envAppendPath)
	if path == "" {
		return
	}
	prefix := os.Getenv(envAppendPrefix)
	n, err := strconv.Atoi(os.Getenv(envAppendCount))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		d := Decision{AnnotationID: fmt.Sprintf("%s-%d", prefix, i), PairID: "p" + strconv.Itoa(i),
			Left: RecordRef{ID: "l" + strconv.Itoa(i)}, Right: RecordRef{ID: "r" + strconv.Itoa(i)},
			Decision: Match, Reviewer: prefix, Timestamp: time.Now().UTC()}
		if added, err := AppendDecisions(path, []Decision{d}, slog.New(slog.DiscardHandler)); err != nil || added != 1 {
			t.Fatalf("append %s: %d, %v", d.AnnotationID, added, err)
		}
	}
}
