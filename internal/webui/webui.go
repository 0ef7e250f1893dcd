// Package webui is the browser interface `hotpass serve` shows next to its
// JSON API: the runs list, a run's DAG, timeline and logs, deployments with
// their schedules and a "Run now" form, and the linkage review desk.
//
// Pages are rendered on the server with html/template from files embedded in
// the binary, so `go build` alone produces the whole interface. The small
// hand-written script under static/ only adds live updates (server-sent
// events) and keyboard shortcuts; every page reads without it. The
// Content-Security-Policy forbids inline script and style.
//
// When a token is configured, the login page exchanges it for an HttpOnly,
// SameSite=Strict session cookie; every state-changing request must carry
// the CSRF token derived from that session. Without a token the session is
// issued on the first visit, which serve only allows on loopback.
package webui

import (
	"context"
	"crypto/rand"
	"embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
)

//go:embed templates/*.html static/*
var assets embed.FS

// RunStore is what the interface reads and changes of run history. It is
// declared here, by its user, so that any store offering these methods
// serves.
type RunStore interface {
	GetRun(ctx context.Context, id string) (store.Run, error)
	ListRuns(ctx context.Context, f store.RunFilter) ([]store.Run, error)
	ListTasks(ctx context.Context, runID string) ([]store.TaskRun, error)
	// RequestCancel cancels a pending run, or asks the process running a
	// running one to stop (store.RunStore.RequestCancel).
	RequestCancel(ctx context.Context, id string) (store.Run, error)
}

// DeploymentStore is what the interface reads and changes of deployments.
type DeploymentStore interface {
	GetDeployment(ctx context.Context, name string) (store.Deployment, error)
	ListDeployments(ctx context.Context) ([]store.Deployment, error)
	DeleteDeployment(ctx context.Context, name string) error
	SetPaused(ctx context.Context, name string, paused bool) error
}

// Config configures the interface.
type Config struct {
	Runs        RunStore
	Deployments DeploymentStore
	// Loader loads specs, for the DAG's edges and the params form.
	Loader *engine.Loader
	// Enqueue queues a run of a deployment (serve passes runner.Enqueue
	// bound to its store).
	Enqueue func(ctx context.Context, q runner.QueueRequest) (store.Run, error)
	// Queued is called after a run was queued, to wake the worker.
	Queued func(store.Run)
	// Cancel asks this process to cancel a running run it executes; it
	// reports false when the run is not running here. Nil means running
	// runs cannot be cancelled from the interface (pending ones can).
	Cancel func(runID string) bool
	// StateDir holds runs/<run-id>/; empty means engine.DefaultStateDir.
	StateDir string
	// Token, when not empty, must be given on the login page.
	Token string
	// TraceURL links a run's trace id to a tracing UI: "{trace_id}" is
	// replaced, for example http://localhost:16686/trace/{trace_id}.
	TraceURL string
	// ReviewDirs are linkage output directories offered on the review desk
	// besides those the runs produced.
	ReviewDirs []string
	// ReviewMasker, when set, rewrites the records' values on the review
	// desk: a compliance policy's review operators, so that reviewers see
	// what the policy allows.
	ReviewMasker Masker
	// PairKey keys the pair ids the review desk puts in links and forms
	// (LoadPairKey reads the state directory's); nil means a random key
	// per process, so links to pairs do not survive a restart.
	PairKey []byte
	// Poll is how often live pages look for changes; 0 means 500ms, so a
	// task's state change reaches an open page within a second.
	Poll time.Duration
	// Logger receives request errors; nil discards them.
	Logger *slog.Logger
}

// defaultPoll keeps a state change on screen within a second of the store
// seeing it.
const defaultPoll = 500 * time.Millisecond

// maxBody bounds the body of every request: forms carry a few fields.
const maxBody = 64 << 10

// Masker returns value as a page may show it in the column name (""
// for a value it may not show).
type Masker interface {
	Field(name, value string) string
}

// UI serves the pages. Create it with New.
type UI struct {
	c    Config
	log  *slog.Logger
	mux  *http.ServeMux
	tmpl *templates
	sess *sessions
	// specs caches the task dependencies of spec files for the DAG.
	specs fileCache[specDepsEntry]
	// queues caches the review queues of the review desk.
	queues fileCache[*reviewQueue]
	// clusters caches the clusters files of the cluster view.
	clusters fileCache[*clusterIndex]
}

// New returns the interface's handler. It panics only when the embedded
// templates do not parse, which the package's tests rule out.
func New(c Config) *UI {
	if c.Poll <= 0 {
		c.Poll = defaultPoll
	}
	if c.StateDir == "" {
		c.StateDir = engine.DefaultStateDir
	}
	if len(c.PairKey) == 0 {
		c.PairKey = make([]byte, pairKeySize)
		_, _ = rand.Read(c.PairKey) // crypto/rand.Read never fails
	}
	u := &UI{c: c, log: c.Logger, tmpl: mustParseTemplates(), sess: newSessions(c.Token)}
	if u.log == nil {
		u.log = slog.New(slog.DiscardHandler)
	}
	u.routes()
	return u
}

// ServeHTTP adds the security headers, bounds the body and dispatches.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	}
	u.mux.ServeHTTP(w, r)
}

// csp allows only the embedded script and style; SVG drawn on the server
// uses attributes and classes, never style attributes.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (u *UI) routes() {
	m := http.NewServeMux()
	m.Handle("GET /static/", http.FileServerFS(assets))
	m.HandleFunc("GET /login", u.loginPage)
	m.HandleFunc("POST /login", u.login)
	m.Handle("POST /logout", u.action(u.logout))

	m.Handle("GET /{$}", u.page(u.runsPage))
	m.Handle("GET /events/runs", u.page(u.runsEvents))
	m.Handle("GET /runs/{id}", u.page(u.runPage))
	m.Handle("GET /runs/{id}/events", u.page(u.runEvents))
	m.Handle("GET /runs/{id}/tasks/{task}/log", u.page(u.logPage))
	m.Handle("GET /runs/{id}/tasks/{task}/log.txt", u.page(u.logDownload))
	m.Handle("GET /runs/{id}/tasks/{task}/log/events", u.page(u.logEvents))
	m.Handle("GET /runs/{id}/tasks/{task}/output", u.page(u.outputPage))
	m.Handle("GET /runs/{id}/tasks/{task}/output/download", u.page(u.outputDownload))
	m.Handle("POST /runs/{id}/cancel", u.action(u.cancelRun))
	m.Handle("POST /runs/{id}/rerun", u.action(u.rerun))
	m.Handle("POST /runs/{id}/resume", u.action(u.resume))

	m.Handle("GET /deployments", u.page(u.deploymentsPage))
	m.Handle("GET /deployments/{name}", u.page(u.deploymentPage))
	m.Handle("GET /deployments/{name}/delete", u.page(u.deleteConfirmPage))
	m.Handle("POST /deployments/{name}/pause", u.action(u.pauseDeployment(true)))
	m.Handle("POST /deployments/{name}/resume", u.action(u.pauseDeployment(false)))
	m.Handle("POST /deployments/{name}/delete", u.action(u.deleteDeployment))
	m.Handle("POST /deployments/{name}/run", u.action(u.runDeployment))

	m.Handle("GET /overview", u.page(u.overviewPage))
	m.Handle("GET /quality", u.page(u.qualityPage))
	m.Handle("GET /review", u.page(u.reviewPage))
	m.Handle("GET /review/queue", u.page(u.queuePage))
	m.Handle("GET /review/cluster", u.page(u.clusterPage))
	m.Handle("POST /review/decide", u.action(u.decide))

	m.Handle("/", u.page(func(w http.ResponseWriter, r *http.Request, s *session) {
		u.notFound(w, r, s, "There is no page at "+r.URL.Path+".")
	}))
	u.mux = m
}
