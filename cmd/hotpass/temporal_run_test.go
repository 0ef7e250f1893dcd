package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestRunOnTemporalRefusedBeforeSubmit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("version: 1\nname: good\ntasks:\n  a: {type: noop}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := closedAddr(t)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"unreachable", []string{"run", good, "--engine", "temporal", "--temporal-address", addr},
			[]string{"cannot reach Temporal at " + addr, "--temporal-address"}},
		{"invalid spec is refused locally first", []string{"run", "testdata/bad/cycle.yaml", "--engine", "temporal", "--temporal-address", addr},
			[]string{"error:"}},
		{"unknown engine", []string{"run", good, "--engine", "prefect"},
			[]string{"--engine must be embedded or temporal"}},
		{"resume with Temporal unreachable", []string{"run", good, "--engine", "temporal", "--resume", "r1", "--temporal-address", addr},
			[]string{"cannot reach Temporal at " + addr}},
		{"orchestrate unreachable", []string{"orchestrate", "--engine", "temporal", "--temporal-address", addr, "--input-dir", "../../examples/aviation/data"},
			[]string{"cannot reach Temporal at " + addr, "--temporal-address"}},
		{"orchestrate unknown engine", []string{"orchestrate", "--engine", "prefect", "--input-dir", "../../examples/aviation/data"},
			[]string{"--engine must be embedded or temporal"}},
		{"orchestrate token on Temporal", []string{"orchestrate", "--engine", "temporal", "--temporal-address", addr, "--input-dir", "../../examples/aviation/data",
			"--enable-entity-resolution", "--label-studio-token", "t0ken"},
			[]string{"set $" + labelStudioTokenEnv + " in the workers' environment"}},
		{"worker without a store", []string{"worker", "--temporal-address", addr},
			[]string{"no artifact store"}},
		{"worker with a missing store directory", []string{"worker", "--temporal-address", addr, "--artifacts", "file:///proc/hotpass-artifacts"},
			[]string{"file:///proc/hotpass-artifacts", "check that the directory or bucket exists"}},
		{"worker with an unwritable store", []string{"worker", "--temporal-address", addr, "--artifacts", "file:///proc"},
			[]string{"cannot write to file:///proc", "may create files"}},
		{"worker with an unknown store scheme", []string{"worker", "--temporal-address", addr, "--artifacts", "ftp://host/dir"},
			[]string{"unknown scheme", "file://", "s3://"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			state := t.TempDir()
			_, stderr, code := cli(t, append(tc.args, "--state-dir", state)...)
			if code != exitInvalid {
				t.Fatalf("exit code %d, want %d\n%s", code, exitInvalid, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not mention %q:\n%s", w, stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(state, "runs")); !os.IsNotExist(err) {
				t.Errorf("a run directory was created although nothing was submitted")
			}
		})
	}
}
