package hotpass

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/redact"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/tasks"
)

// Errors a run may wrap; each carries its exit status (see the exitcode
// package).
var (
	// ErrNoProfile: a Profile source names no built-in profile.
	ErrNoProfile = profiles.ErrUnknown
	// ErrUnknownRun: ResumeFrom names a run that is not in the store.
	ErrUnknownRun = runner.ErrUnknownRun
	// ErrNotResumable: the run ResumeFrom names is still going, or is of
	// another pipeline.
	ErrNotResumable = runner.ErrNotResumable
	// ErrTelemetryConfig: the OTEL_* settings are invalid (WithEnvTelemetry).
	ErrTelemetryConfig = runner.ErrTelemetryConfig
)

// Store is the part of a state store a run needs: it creates the run,
// records its tasks as they go and its outcome, and reads an earlier run
// to resume from. store.Store (SQLite or PostgreSQL, from store.Open) has
// it all; a program may bring its own. Implementations must be safe for
// concurrent use.
type Store interface {
	// CreateRun inserts a new run and returns it as stored; a run with the
	// same id is an error wrapping store.ErrExists.
	CreateRun(ctx context.Context, r store.Run) (store.Run, error)
	// UpdateRun moves run id to u.Status and returns the run as stored.
	UpdateRun(ctx context.Context, id string, u store.RunUpdate) (store.Run, error)
	// GetRun returns run id, or an error wrapping store.ErrNotFound.
	GetRun(ctx context.Context, id string) (store.Run, error)
	// ListTasks returns the task runs of runID in the order they were
	// first recorded.
	ListTasks(ctx context.Context, runID string) ([]store.TaskRun, error)
	// RecordTasks records a batch of task runs, a later entry for the same
	// task winning.
	RecordTasks(ctx context.Context, ts []store.TaskRun) error
	// Heartbeat records that the process running runID is alive.
	Heartbeat(ctx context.Context, runID string) error
}

// Runner runs specs: every run is recorded in its Store, kept under its
// state directory and observed by its observers. Build one with New; it
// is safe for concurrent use, each Run being independent.
type Runner struct {
	cfg    config
	loader *engine.Loader
	// owned is the store New opened, which Close closes.
	owned store.Store
}

// config is what New's options set.
type config struct {
	store     Store
	loader    *engine.Loader
	types     []engine.Type
	stateDir  string
	observers []engine.Observer
	logs      slog.Handler
	warnings  io.Writer
	slots     engine.Slots
	grace     time.Duration
	lookupEnv func(string) (string, bool)
	secrets   []string
	tel       runner.TelemetryOptions
	envTel    bool
	provided  *Telemetry
}

// Option configures a Runner.
type Option func(*config) error

// New returns a Runner. Without WithStore it records runs in the SQLite
// database <state dir>/hotpass.db, which Close closes. Task types are
// those registered with the tasks package (import
// github.com/hotpass/hotpass/tasks/builtin for the built-in ones) plus
// those given to WithTaskTypes.
func New(opts ...Option) (*Runner, error) {
	var c config
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.provided != nil && c.envTel {
		return nil, errors.New("hotpass: WithTelemetry and WithEnvTelemetry exclude each other")
	}
	if c.loader != nil && len(c.types) > 0 {
		return nil, errors.New("hotpass: WithLoader and WithTaskTypes exclude each other; build the loader from a registry holding the types")
	}
	r := &Runner{cfg: c, loader: c.loader}
	if r.loader == nil {
		reg, err := newRegistry(tasks.Default(), c.types)
		if err != nil {
			return nil, err
		}
		if r.loader, err = engine.NewLoader(reg); err != nil {
			return nil, fmt.Errorf("hotpass: build the spec schema: %w", err)
		}
	}
	if c.provided != nil {
		tel, err := telemetry.FromRegistry(telemetry.Registry{TracerProvider: c.provided.TracerProvider,
			MeterProvider: c.provided.MeterProvider, LoggerProvider: c.provided.LoggerProvider})
		if err != nil {
			return nil, fmt.Errorf("hotpass: telemetry: %w", err)
		}
		r.cfg.tel.Provided = tel
	}
	if r.cfg.store == nil {
		if err := os.MkdirAll(r.StateDir(), 0o755); err != nil {
			return nil, fmt.Errorf("hotpass: state directory: %w", err)
		}
		st, err := store.Open(context.Background(), filepath.Join(r.StateDir(), "hotpass.db"))
		if err != nil {
			return nil, fmt.Errorf("hotpass: open the run history: %w", err)
		}
		r.owned, r.cfg.store = st, st
	}
	return r, nil
}

// Close closes the store New opened when WithStore was not given; a store
// passed to WithStore is the caller's to close.
func (r *Runner) Close() error {
	if r.owned == nil {
		return nil
	}
	return r.owned.Close()
}

// Loader returns the loader that parses, checks and compiles specs for
// this Runner's task types.
func (r *Runner) Loader() *engine.Loader { return r.loader }

// StateDir returns the directory holding runs/<run-id>/.
func (r *Runner) StateDir() string {
	if r.cfg.stateDir == "" {
		return engine.DefaultStateDir
	}
	return r.cfg.stateDir
}

// RunDir returns the directory of run id: run.json, the task logs and the
// tables tasks kept.
func (r *Runner) RunDir(id string) string { return runner.RunDir(r.cfg.stateDir, id) }

// WithStore records runs in st instead of <state dir>/hotpass.db.
func WithStore(st Store) Option {
	return func(c *config) error {
		if st == nil {
			return errors.New("hotpass: WithStore(nil)")
		}
		c.store = st
		return nil
	}
}

// WithStateDir keeps run directories under dir/runs instead of
// .hotpass/runs.
func WithStateDir(dir string) Option {
	return func(c *config) error { c.stateDir = dir; return nil }
}

// WithTaskTypes adds task types to those registered with the tasks
// package, for this Runner only. A name already taken is an error from New.
func WithTaskTypes(types ...engine.Type) Option {
	return func(c *config) error { c.types = append(c.types, types...); return nil }
}

// WithLoader makes the Runner load specs with l, for a caller that has
// built one already; it excludes WithTaskTypes.
func WithLoader(l *engine.Loader) Option {
	return func(c *config) error {
		c.loader = l
		return nil
	}
}

// WithObserver sends every run's events to obs (a progress display, a
// metrics bridge); it may be given several times. Observers must be fast:
// see engine.Observer.
func WithObserver(obs engine.Observer) Option {
	return func(c *config) error { c.observers = append(c.observers, obs); return nil }
}

// WithLogHandler sends the engine's logs (run and task lifecycle) to h,
// with every secret of the run masked; without it they are discarded.
// Tasks' own logs go to their log files in the run directory either way.
func WithLogHandler(h slog.Handler) Option {
	return func(c *config) error { c.logs = h; return nil }
}

// WithWarnings writes the warnings of each spec (deprecated keys, unused
// params) to w; without it they are dropped.
func WithWarnings(w io.Writer) Option {
	return func(c *config) error { c.warnings = w; return nil }
}

// WithSlots makes every task attempt also take slots shared with other
// runs, in this process or others (see engine.Slots).
func WithSlots(s engine.Slots) Option {
	return func(c *config) error { c.slots = s; return nil }
}

// WithCancelGrace bounds how long a cancelled run waits for its running
// tasks to return; 10s by default.
func WithCancelGrace(d time.Duration) Option {
	return func(c *config) error { c.grace = d; return nil }
}

// WithEnv makes templates read environment variables (env_var('NAME'))
// through lookup instead of the process environment, so that a token or
// password can be handed to a run as a value: the process environment is
// neither read nor changed. Every value read through it is a secret,
// masked in logs, errors and run records.
func WithEnv(lookup func(name string) (value string, ok bool)) Option {
	return func(c *config) error { c.lookupEnv = lookup; return nil }
}

// WithSecrets masks these values in everything runs write and log, besides
// the values the spec's templates read from the environment. Values
// shorter than four bytes are ignored: masking them would garble unrelated
// text.
func WithSecrets(values ...string) Option {
	return func(c *config) error { c.secrets = append(c.secrets, values...); return nil }
}

// Secret is a secret value under an environment variable name, for WithEnv
// through Env.
type Secret struct {
	Name, Value string
}

// Env returns a lookup for WithEnv that answers the given variables, and
// the process environment (read, never changed) for any other when
// fallback is set.
func Env(fallback func(string) (string, bool), vars ...Secret) func(string) (string, bool) {
	m := make(map[string]string, len(vars))
	for _, v := range vars {
		m[v.Name] = v.Value
	}
	return func(name string) (string, bool) {
		if v, ok := m[name]; ok {
			return v, true
		}
		if fallback != nil {
			return fallback(name)
		}
		return "", false
	}
}

// logger builds a run's engine logger once its secrets are known.
func (c *config) logger(red *redact.Redactor) *slog.Logger {
	if c.logs == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(redact.Handler(c.logs, red))
}
