package main

import (
	"context"
	"fmt"
	"github.com/hotpass/hotpass/internal/artifacts"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/exitcode"
	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

// temporalFlags are the connection settings `hotpass worker` and
// `--engine temporal` share.
type temporalFlags struct {
	conn      hptemporal.Conn
	taskQueue string
	artifacts string
}

// add registers the flags on cmd. The API key flag's value never appears
// in help defaults or logs.
func (f *temporalFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.conn.Address, "temporal-address", "", "Temporal frontend HOST:PORT (env "+hptemporal.EnvAddress+"; default localhost:7233)")
	fl.StringVar(&f.conn.Namespace, "namespace", "", "Temporal namespace (env "+hptemporal.EnvNamespace+"; default \"default\")")
	fl.StringVar(&f.taskQueue, "task-queue", hptemporal.DefaultTaskQueue, "Temporal task queue the workers poll")
	fl.StringVar(&f.conn.TLSCert, "tls-cert", "", "client certificate (PEM) for mTLS to Temporal")
	fl.StringVar(&f.conn.TLSKey, "tls-key", "", "client key (PEM) for mTLS to Temporal")
	fl.StringVar(&f.conn.TLSCA, "tls-ca", "", "CA certificate (PEM) that verifies the Temporal server")
	fl.StringVar(&f.conn.TLSServerName, "tls-server-name", "", "server name to verify instead of the address's host")
	fl.StringVar(&f.conn.APIKey, "api-key", "", "Temporal Cloud API key (env "+hptemporal.EnvAPIKey+"; prefer the variable: flags show in ps)")
	fl.StringVar(&f.artifacts, "artifacts", "", "shared artifact store for task outputs and logs, file:///shared/dir (env HOTPASS_ARTIFACTS)")
}

// artifactsURL is the artifact store an --artifacts flag names, else
// HOTPASS_ARTIFACTS.
func artifactsURL(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv(artifacts.EnvURL)
}

// store opens the artifact store the flags name.
func (f *temporalFlags) store(ctx context.Context) (*artifacts.Store, error) {
	url := artifactsURL(f.artifacts)
	if url == "" {
		return nil, fmt.Errorf("%w: no artifact store: pass --artifacts file:///shared/dir or s3://bucket?region=R, or set %s", errUsage, artifacts.EnvURL)
	}
	st, err := artifacts.Open(ctx, url)
	if err != nil {
		return nil, exitcode.Wrap(exitcode.Invalid, err)
	}
	return st, nil
}

type workerOptions struct {
	temporal temporalFlags
	maxTasks int
}

func newWorkerCmd(g *globals) *cobra.Command {
	o := &workerOptions{}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run tasks of specs submitted to Temporal (--engine temporal)",
		Long: "Poll a Temporal task queue and run the runs and tasks submitted with `--engine temporal`, with this\n" +
			"machine's task types and environment: specs are re-rendered here, so env_var secrets are read from\n" +
			"this worker's environment and never travel through Temporal. Tables and task logs go through the\n" +
			"shared artifact store (--artifacts), which every worker must reach.\n" +
			"Runs until interrupted; a task it was running is retried on another worker.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWorker(cmd.Context(), cmd.ErrOrStderr(), g, o)
		},
	}
	o.temporal.add(cmd)
	cmd.Flags().IntVar(&o.maxTasks, "max-tasks", 0, "tasks this worker runs at once (default: the Temporal SDK's, 1000)")
	return cmd
}

func runWorker(ctx context.Context, stderr io.Writer, g *globals, o *workerOptions) error {
	if o.maxTasks < 0 {
		return fmt.Errorf("%w: --max-tasks must be at least 1, got %d", errUsage, o.maxTasks)
	}
	store, err := o.temporal.store(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	loader, err := newLoader()
	if err != nil {
		return err
	}
	logger := newLogger(stderr, g.logLevel)
	c, err := o.temporal.conn.Dial(ctx, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	// The run history every worker and `hotpass runs` share (Postgres
	// when several machines run workers).
	hist, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer hist.Close()
	acts := &hptemporal.Activities{Loader: loader, Store: store, StateDir: g.stateDir, Client: c,
		TaskQueue: o.temporal.taskQueue, History: hist}
	logger.Info("worker started", "task_queue", o.temporal.taskQueue, "max_tasks", o.maxTasks)
	return hptemporal.Serve(ctx, c, o.temporal.taskQueue, o.maxTasks, acts)
}
