package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/compliance/operator"
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/scheduler"
	"github.com/hotpass/hotpass/internal/server"
	"github.com/hotpass/hotpass/internal/webui"
	"github.com/hotpass/hotpass/profiles"
)

type serveOptions struct {
	addr       string
	workers    int
	maxTasks   int
	grace      time.Duration
	tick       time.Duration
	limits     server.Limits
	traceURL   string
	noUI       bool
	reviewDirs []string
	// reviewProfile names the profile whose compliance policy the review
	// desk applies.
	reviewProfile string
}

func newServeCmd(g *globals) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run deployments on their schedules and serve the HTTP API",
		Long: "Fire due deployments (in their time zones, catching up missed fires within each deployment's\n" +
			"catch-up window), run queued runs (scheduled, `hotpass deployment run`, or POST\n" +
			"/api/deployments/NAME/runs), and serve the JSON API under /api/ and the web UI at / (runs, DAGs,\n" +
			"live logs, deployments). Several serve processes may share one store:\n" +
			"each fire is started once, and concurrency keys are shared across every run.\n" +
			"The API requires `Authorization: Bearer $HOTPASS_API_TOKEN` when that variable is set; serve\n" +
			"refuses to listen beyond loopback without it, or with a token shorter than 32 random characters\n" +
			"(openssl rand -hex 32). Connections are capped in total and per client (--max-conns,\n" +
			"--max-conns-per-ip; more get 503) and every request is bounded in time (the timeout flags). On SIGINT/SIGTERM serve stops firing, lets running\n" +
			"runs finish for --grace, then cancels them, and exits 0.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), cmd.ErrOrStderr(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:4200", "address of the HTTP API")
	f.IntVar(&o.workers, "workers", 4, "runs to execute at once in this process")
	f.IntVar(&o.maxTasks, "max-tasks", 0, "tasks to run at once across every serve sharing the store (0: no shared limit)")
	f.DurationVar(&o.grace, "grace", 30*time.Second, "on shutdown, how long running runs may go on before they are cancelled")
	f.DurationVar(&o.tick, "tick", time.Second, "how often to look for due schedules")
	f.StringVar(&o.traceURL, "trace-url", "", "link template for a run's trace id in the web UI, such as http://localhost:16686/trace/{trace_id}")
	f.StringArrayVar(&o.reviewDirs, "review-dir", nil, "linkage output directory to offer on the web UI's review desk besides those runs wrote (repeatable)")
	f.StringVar(&o.reviewProfile, "review-profile", "", "profile (built-in name or path) whose compliance policy's review operators the review desk applies to the records it shows")
	f.BoolVar(&o.noUI, "no-ui", false, "serve the JSON API only, without the web UI at /")
	def := server.DefaultLimits()
	f.DurationVar(&o.limits.ReadHeaderTimeout, "read-header-timeout", def.ReadHeaderTimeout, "time a client has to send a request's headers; all a request without the token gets")
	f.DurationVar(&o.limits.ReadTimeout, "read-timeout", def.ReadTimeout, "time a client has to send a whole request, body included")
	f.DurationVar(&o.limits.WriteTimeout, "write-timeout", def.WriteTimeout, "time the API spends on one response")
	f.DurationVar(&o.limits.IdleTimeout, "idle-timeout", def.IdleTimeout, "time a keep-alive connection may wait for its next request")
	f.IntVar(&o.limits.MaxHeaderBytes, "max-header-bytes", def.MaxHeaderBytes, "largest request line and headers, in bytes")
	f.IntVar(&o.limits.MaxConns, "max-conns", def.MaxConns, "API connections open at once; more are answered 503")
	f.IntVar(&o.limits.MaxConnsPerIP, "max-conns-per-ip", def.MaxConnsPerIP, "API connections open at once from one client address")
	return cmd
}

func runServe(ctx context.Context, stderr io.Writer, g *globals, o *serveOptions) error {
	if o.workers < 1 {
		return fmt.Errorf("%w: --workers must be at least 1, got %d", errUsage, o.workers)
	}
	if o.tick <= 0 || o.grace < 0 {
		return fmt.Errorf("%w: --tick must be positive and --grace not negative", errUsage)
	}
	if err := o.limits.Check(); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	token := os.Getenv(server.EnvToken)
	if err := server.CheckListen(o.addr, token); err != nil {
		return exitcode.Wrap(exitcode.Invalid, err)
	}
	l, err := newLoader()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	logger := newLogger(stderr, g.logLevel)
	holder := runner.Holder("serve")
	runs, err := hotpass.New(hotpass.WithStore(st), hotpass.WithLoader(l), hotpass.WithStateDir(g.stateDir),
		hotpass.WithCancelGrace(10*time.Second), hotpass.WithLogHandler(newLogHandler(stderr, g.logLevel)),
		hotpass.WithSlots(&scheduler.StoreSlots{Store: st, Holder: holder, Global: o.maxTasks, Logger: logger}))
	if err != nil {
		return err
	}
	w := &scheduler.Worker{
		Store:       st,
		Runner:      runs,
		Concurrency: o.workers,
		Holder:      holder,
		Logger:      logger,
	}
	wake := func(store.Run) { w.Wake() }
	s := &scheduler.Scheduler{Store: st, Loader: l, Logger: logger, Queued: wake}
	var ui http.Handler
	var reviewMasker webui.Masker
	if o.reviewProfile != "" {
		m, err := reviewMaskerOf(o.reviewProfile)
		if err != nil {
			return err
		}
		reviewMasker = m
	}
	if !o.noUI {
		pairKey, err := webui.LoadPairKey(g.stateDir)
		if err != nil {
			return err
		}
		ui = webui.New(webui.Config{
			Runs: st, Deployments: st, Loader: l, StateDir: g.stateDir, Token: token, TraceURL: o.traceURL, ReviewDirs: o.reviewDirs,
			ReviewMasker: reviewMasker, PairKey: pairKey,
			Enqueue: func(ctx context.Context, q runner.QueueRequest) (store.Run, error) {
				return runner.Enqueue(ctx, st, l, q)
			},
			Queued: wake, Cancel: w.Cancel, Logger: logger,
		})
	}
	api := server.New(server.Config{Store: st, Loader: l, Token: token, Queued: wake, Logger: logger, UI: ui})

	// Runs outlive the stop signal by the grace period.
	runCtx, cancelRuns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRuns()
	stopGrace := context.AfterFunc(ctx, func() {
		logger.Warn("stopping: no new runs; running runs may finish", "grace", o.grace)
		time.AfterFunc(o.grace, cancelRuns)
	})
	defer stopGrace()

	if lim, lowered := o.limits.FitFileLimit(server.FileLimit()); lowered {
		logger.Warn("lowering the API connection limits to fit the open-file limit (raise it with ulimit -n)",
			"max_conns", lim.MaxConns, "max_conns_per_ip", lim.MaxConnsPerIP, "open_file_limit", server.FileLimit())
		o.limits = lim
	}
	if token != "" {
		if err := server.TokenStrength(token); err != nil {
			logger.Warn(server.EnvToken+" is weak: accepted on loopback only", "reason", err.Error())
		}
	}
	logger.Warn("serving", "addr", ln.Addr().String(), "workers", o.workers, "auth", token != "")
	var wg sync.WaitGroup
	var apiErr error
	wg.Add(3)
	go func() { defer wg.Done(); s.Run(ctx, o.tick) }()
	go func() { defer wg.Done(); w.Run(ctx, runCtx) }()
	go func() {
		defer wg.Done()
		apiErr = server.Serve(ctx, ln, api, server.ServeOptions{Grace: 5 * time.Second, Limits: o.limits})
	}()
	wg.Wait()
	logger.Warn("stopped")
	return apiErr
}

// reviewMaskerOf returns the review desk's masker under the compliance
// policy of the profile ref names.
func reviewMaskerOf(ref string) (webui.Masker, error) {
	var p *refine.Profile
	var err error
	if profiles.IsPath(ref) {
		p, err = profiles.Load(ref)
	} else {
		p, err = profiles.Builtin(ref)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: --review-profile %s: %w", errUsage, ref, err)
	}
	if p.Compliance == nil {
		return nil, fmt.Errorf("%w: --review-profile %s: the profile has no compliance: block; name one that has", errUsage, ref)
	}
	m, err := operator.ForPolicy(p.Compliance, policy.Review, os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("--review-profile %s: %w", ref, err)
	}
	return m, nil
}
