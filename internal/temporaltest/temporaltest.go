// Package temporaltest starts a real Temporal server for tests: the
// Temporal CLI's development server, built from the Go module proxy at a
// pinned version (`make temporal`), on a free loopback port with its own
// throwaway database.
//
// A test that needs Temporal calls Start and connects to the address it
// returns, in process with Dial or from subprocesses (a `hotpass worker`)
// with the settings Env returns. Without the binary the test is skipped,
// except under CI=true, where the real server is part of the suite and its
// absence is a failure.
package temporaltest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
)

// Version is the Temporal CLI release the Makefile builds.
const Version = "v1.5.1"

// EnvBinary names the variable that holds the path of the Temporal CLI
// binary; `make test` sets it. Without it the binary is looked for at
// .tools/temporal-<Version> under the module root.
const EnvBinary = "HOTPASS_TEMPORAL"

// Namespace is the namespace the development server creates at start.
const Namespace = "default"

// startTimeout bounds how long the server may take to answer; on two busy
// cores a cold start takes a few seconds.
const startTimeout = 90 * time.Second

// Binary returns the path of the Temporal CLI: EnvBinary if set, otherwise
// .tools/temporal-<Version> in the module root. When neither exists it
// skips the test, or fails it under CI=true.
func Binary(tb testing.TB) string {
	tb.Helper()
	if bin := os.Getenv(EnvBinary); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			tb.Fatalf("temporaltest: %s=%s: %v (make temporal builds it)", EnvBinary, bin, err)
		}
		return bin
	}
	var tried string
	if root, err := moduleRoot(); err == nil {
		tried = filepath.Join(root, ".tools", "temporal-"+Version)
		if _, err := os.Stat(tried); err == nil {
			return tried
		}
	}
	msg := fmt.Sprintf("temporaltest: no Temporal CLI at %s=%q nor %s: run `make temporal` (GOBIN=.tools go install github.com/temporalio/cli/cmd/temporal@%s, a few minutes once) or set %s",
		EnvBinary, os.Getenv(EnvBinary), tried, Version, EnvBinary)
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg + "; under CI the tests need the real server")
	} else {
		tb.Skip(msg)
	}
	return ""
}

// moduleRoot returns the nearest directory at or above the working
// directory that holds a go.mod: tests run in their package's directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Start starts a development server on a free loopback port, waits until
// its frontend answers health checks and the default namespace is usable,
// and returns its host:port. The server and its database are removed when
// the test ends.
func Start(tb testing.TB) (hostport string) {
	tb.Helper()
	bin := Binary(tb)
	dir := tb.TempDir()
	port := freePort(tb)
	hostport = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// A file rather than a buffer: the process writes it without a copying
	// goroutine, so it can be read while the server runs.
	logPath := filepath.Join(dir, "server.log")
	out, err := os.Create(logPath)
	if err != nil {
		tb.Fatalf("temporaltest: %v", err)
	}
	defer func() { _ = out.Close() }()
	cmd := exec.Command(bin, "server", "start-dev",
		"--headless", "--ip", "127.0.0.1", "--port", strconv.Itoa(port),
		"--db-filename", filepath.Join(dir, "temporal.db"), "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = out, out
	// The server must not read a developer's own CLI configuration.
	cmd.Env = append(os.Environ(), "TEMPORAL_CONFIG_FILE="+filepath.Join(dir, "none.toml"), "HOME="+dir)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("temporaltest: start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	tb.Cleanup(func() { Stop(cmd, exited) })

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := waitReady(ctx, hostport, exited); err != nil {
		log, _ := os.ReadFile(logPath)
		tb.Fatalf("temporaltest: the Temporal dev server on %s is not ready: %v\nserver output:\n%s", hostport, err, log)
	}
	return hostport
}

// waitReady dials until the frontend passes a health check and answers
// for the default namespace, or the server exits, or ctx ends.
func waitReady(ctx context.Context, hostport string, exited <-chan struct{}) error {
	var last error
	for {
		select {
		case <-exited:
			return errors.New("the server exited")
		case <-ctx.Done():
			return fmt.Errorf("%w; last error: %v", ctx.Err(), last)
		default:
		}
		last = ping(ctx, hostport)
		if last == nil {
			return nil
		}
		select {
		case <-exited:
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func ping(ctx context.Context, hostport string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: hostport, Namespace: Namespace, Logger: quietLogger{}})
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return err
	}
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: Namespace})
	return err
}

// Stop ends a process a test started, the server or a worker, with
// SIGTERM, so that it closes its database or finishes what it holds, and
// kills it if it has not exited within 10 seconds. exited is closed when
// the process's Wait has returned.
func Stop(cmd *exec.Cmd, exited <-chan struct{}) {
	select {
	case <-exited:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// freePort returns a loopback port nothing listens on right now.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("temporaltest: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		tb.Fatalf("temporaltest: %v", err)
	}
	return port
}

// Dial connects an SDK client to the server at hostport in the default
// namespace; it is closed when the test ends.
func Dial(tb testing.TB, hostport string) client.Client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: hostport, Namespace: Namespace, Logger: quietLogger{}})
	if err != nil {
		tb.Fatalf("temporaltest: dial %s: %v", hostport, err)
	}
	tb.Cleanup(c.Close)
	return c
}

// WaitPollers waits until at least n distinct workers (by identity) poll
// taskQueue for workflow or activity tasks, so that a test which starts
// worker processes submits work only once they are all listening. It fails
// the test after a minute, listing the pollers it saw.
func WaitPollers(tb testing.TB, c client.Client, taskQueue string, n int) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seen := map[string]bool{}
	for {
		for _, typ := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
			resp, err := c.DescribeTaskQueue(ctx, taskQueue, typ)
			if err != nil && ctx.Err() == nil {
				tb.Fatalf("temporaltest: describe task queue %s: %v", taskQueue, err)
			}
			for _, p := range resp.GetPollers() {
				seen[p.GetIdentity()] = true
			}
		}
		if len(seen) >= n {
			return
		}
		select {
		case <-ctx.Done():
			ids := make([]string, 0, len(seen))
			for id := range seen {
				ids = append(ids, id)
			}
			tb.Fatalf("temporaltest: %d of %d workers poll task queue %s after a minute: %q", len(seen), n, taskQueue, ids)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Env returns the environment, as KEY=VALUE entries to append to
// exec.Cmd.Env, that points a hotpass process (a worker, or a CLI
// submitting a run) at the server at hostport.
func Env(hostport string) []string {
	return []string{"HOTPASS_TEMPORAL_ADDRESS=" + hostport, "HOTPASS_TEMPORAL_NAMESPACE=" + Namespace}
}

// quietLogger drops the SDK client's own log lines: while the server starts
// every failed dial would otherwise be logged, and Start reports the last
// error itself.
type quietLogger struct{}

var _ log.Logger = quietLogger{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
