package temporaltest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestStartDialStop starts a server, uses it, and checks that it is gone
// once the test that started it has ended.
func TestStartDialStop(t *testing.T) {
	var hostport string
	t.Run("running", func(t *testing.T) {
		hostport = Start(t)
		if host, _, err := net.SplitHostPort(hostport); err != nil || host != "127.0.0.1" {
			t.Fatalf("hostport = %q (%v), want a loopback address", hostport, err)
		}
		c := Dial(t, hostport)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			t.Fatalf("health check: %v", err)
		}
		ns, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: Namespace})
		if err != nil {
			t.Fatalf("describe namespace %s: %v", Namespace, err)
		}
		if got := ns.GetNamespaceInfo().GetName(); got != Namespace {
			t.Fatalf("namespace = %q, want %q", got, Namespace)
		}
		// Two workers on one queue, as two `hotpass worker` processes.
		for _, id := range []string{"worker-a", "worker-b"} {
			w := worker.New(c, "hotpass-test", worker.Options{Identity: id})
			w.RegisterWorkflowWithOptions(func(workflow.Context) error { return nil }, workflow.RegisterOptions{Name: "noop"})
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(w.Stop)
		}
		WaitPollers(t, c, "hotpass-test", 2)

		env := strings.Join(Env(hostport), "\n")
		if !strings.Contains(env, "HOTPASS_TEMPORAL_ADDRESS="+hostport) || !strings.Contains(env, "HOTPASS_TEMPORAL_NAMESPACE="+Namespace) {
			t.Fatalf("Env = %q, want the address and namespace", env)
		}
	})
	if t.Failed() || hostport == "" {
		return
	}
	conn, err := net.DialTimeout("tcp", hostport, time.Second)
	if err == nil {
		_ = conn.Close()
		t.Fatalf("the server still accepts connections on %s after its test ended", hostport)
	}
}

// TestServersAreIndependent checks that two servers run side by side, as
// tests in different packages start them at the same time.
func TestServersAreIndependent(t *testing.T) {
	t.Parallel()
	a, b := Start(t), Start(t)
	if a == b {
		t.Fatalf("both servers on %s", a)
	}
	for _, hp := range []string{a, b} {
		c := Dial(t, hp)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", hp, err)
		}
	}
}

func TestBinaryFromEnvironment(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "temporal")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvBinary, bin)
	if got := Binary(t); got != bin {
		t.Fatalf("Binary = %q, want %s from %s", got, bin, EnvBinary)
	}
}

func TestBinaryFromTools(t *testing.T) {
	t.Setenv(EnvBinary, "")
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(root, ".tools", "temporal-"+Version)
	if _, err := os.Stat(want); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v (make temporal builds it)", want, err)
		}
		t.Skipf("%s not built: run make temporal", want)
	}
	if got := Binary(t); got != want {
		t.Fatalf("Binary = %q, want %s", got, want)
	}
}

// recorder stands in for a test to see whether Binary skips or fails it.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Skip(args ...any)             { r.skipped = strings.TrimSpace(fmt.Sprintln(args...)) }
func (r *recorder) Fatal(args ...any)            { r.failed = strings.TrimSpace(fmt.Sprintln(args...)) }
func (r *recorder) Fatalf(f string, args ...any) { r.failed = fmt.Sprintf(f, args...) }

func TestMissingBinary(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/empty\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	t.Setenv(EnvBinary, "")
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		if got := Binary(r); got != "" {
			t.Fatalf("CI=%q: Binary = %q with no binary anywhere", ci, got)
		}
		msg := r.skipped
		if ci == "true" {
			msg = r.failed
			if r.skipped != "" {
				t.Fatalf("CI=true: skipped (%s), want a failure", r.skipped)
			}
		} else if r.failed != "" {
			t.Fatalf("CI unset: failed (%s), want a skip", r.failed)
		}
		for _, want := range []string{"make temporal", "go install github.com/temporalio/cli/cmd/temporal@" + Version, filepath.Join(dir, ".tools", "temporal-"+Version)} {
			if !strings.Contains(msg, want) {
				t.Errorf("CI=%q: message %q lacks %q", ci, msg, want)
			}
		}
	}
}
