// Package server is hotpass's HTTP JSON API, served by `hotpass serve`:
// run history, deployments, and triggering a deployment's run.
//
//	GET  /api/health                      no authentication
//	GET  /api/runs?status=&deployment=&pipeline=&limit=
//	GET  /api/runs/{id}                   the run and its tasks
//	GET  /api/deployments
//	POST /api/deployments/{name}/runs     body (optional): {"params": {...}}
//
// A param the spec refuses (unknown, of the wrong type, or outside its
// enum, pattern, min, max or max_length) gets 422 with the message and the
// field at fault: {"error": "...", "field": "params.NAME"}.
//
// When a token is configured every endpoint but health requires the header
// `Authorization: Bearer <token>`.
package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs"
)

// EnvToken names the environment variable holding the API token.
const EnvToken = "HOTPASS_API_TOKEN"

// maxBody bounds a request body: a trigger carries a few params.
const maxBody = 1 << 20

// defaultLimit is how many runs GET /api/runs returns without ?limit=.
const defaultLimit = 100

// Config configures the API.
type Config struct {
	Store  store.Store
	Loader *engine.Loader
	// Token, when not empty, is required as a bearer token.
	Token string
	// Queued is called after a trigger queued a run, to wake the worker.
	Queued func(store.Run)
	// Logger receives request errors; nil discards them.
	Logger *slog.Logger
	// UI, when set, serves every path outside /api/ (the web interface,
	// which does its own authentication).
	UI http.Handler
}

// New returns the API handler.
func New(c Config) http.Handler {
	a := &api{c: c, log: c.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", a.health)
	mux.Handle("GET /api/runs", a.auth(a.listRuns))
	mux.Handle("GET /api/runs/{id}", a.auth(a.getRun))
	mux.Handle("POST /api/runs/{id}/cancel", a.auth(a.cancelRun))
	mux.Handle("GET /api/deployments", a.auth(a.listDeployments))
	mux.Handle("POST /api/deployments/{name}/runs", a.auth(a.trigger))
	notFound := a.auth(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	if c.UI != nil {
		mux.Handle("/api/", notFound)
		mux.Handle("/", c.UI)
	} else {
		mux.Handle("/", notFound)
	}
	return mux
}

// CheckListen refuses to serve the API on an address other machines can
// reach unless a strong token protects it (see TokenStrength). On loopback
// any token, or none, is accepted: only local processes reach it.
func CheckListen(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: want host:port, such as 127.0.0.1:4200: %w", addr, err)
	}
	if isLoopback(host) {
		return nil
	}
	shown := host
	if shown == "" {
		shown = "every interface"
	}
	if token == "" {
		return fmt.Errorf("refusing to listen on %s (%s) without an API token: anyone who can reach it could read run history and start runs; "+
			"set %s to a long random secret (%s), or listen on 127.0.0.1", addr, shown, EnvToken, tokenRecipe)
	}
	if err := TokenStrength(token); err != nil {
		return fmt.Errorf("refusing to listen on %s (%s): %s %w; or listen on 127.0.0.1", addr, shown, EnvToken, err)
	}
	return nil
}

// tokenRecipe is how to make a token TokenStrength accepts.
const tokenRecipe = "generate one with: openssl rand -hex 32"

// Token strength thresholds: 32 hexadecimal characters carry 128 bits.
const (
	minTokenLen      = 32
	minTokenBits     = 128
	minTokenDistinct = 10
)

// TokenStrength reports whether token is long and varied enough to guard
// an API reachable from other machines: at least 32 characters, at least
// 128 bits when every character is counted as drawn at random from the
// classes the token uses (hexadecimal digits, digits, lower case, upper
// case, others), and at least 10 distinct characters. Randomly generated
// tokens pass; words, repeats and short strings do not. The error never
// shows the token.
func TokenStrength(token string) error {
	n := utf8.RuneCountInString(token)
	if n < minTokenLen {
		return fmt.Errorf("is too short to be safe beyond loopback (%d characters, at least %d needed): %s", n, minTokenLen, tokenRecipe)
	}
	distinct := map[rune]bool{}
	var digit, lowerHex, upperHex, lower, upper, other bool
	for _, r := range token {
		distinct[r] = true
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'a' && r <= 'f':
			lowerHex = true
		case r >= 'A' && r <= 'F':
			upperHex = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		default:
			other = true
		}
	}
	alphabet := 0
	switch {
	case !lower && !upper && !other && !(lowerHex && upperHex) && (lowerHex || upperHex):
		alphabet = 16
	default:
		for _, c := range []struct {
			used bool
			size int
		}{{digit, 10}, {lower || lowerHex, 26}, {upper || upperHex, 26}, {other, 32}} {
			if c.used {
				alphabet += c.size
			}
		}
	}
	bits := float64(n) * math.Log2(float64(alphabet))
	if bits < minTokenBits || len(distinct) < minTokenDistinct {
		return fmt.Errorf("is too predictable to be safe beyond loopback (about %.0f bits from %d distinct characters; at least %d bits needed): %s",
			bits, len(distinct), minTokenBits, tokenRecipe)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type api struct {
	c   Config
	log *slog.Logger
}

// auth wraps h with the bearer token check. Both sides are hashed first so
// that the comparison takes the same time whatever the lengths.
func (a *api) auth(h http.HandlerFunc) http.Handler {
	if a.c.Token == "" {
		return h
	}
	want := sha256.Sum256([]byte(a.c.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := bearerToken(r.Header.Get("Authorization"))
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			// The body of a request without the token is never read and its
			// connection is not kept: its whole budget is the header timeout.
			w.Header().Set("Connection", "close")
			w.Header().Set("WWW-Authenticate", `Bearer realm="hotpass"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token (Authorization: Bearer $"+EnvToken+")")
			return
		}
		h(w, r)
	})
}

// bearerToken returns the credentials of an Authorization header using the
// Bearer scheme, whose name is case-insensitive (RFC 7235 section 2.1).
func bearerToken(h string) (string, bool) {
	scheme, rest, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimLeft(rest, " "), true
}

func (a *api) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (a *api) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.RunFilter{
		Status:     store.RunStatus(q.Get("status")),
		Deployment: q.Get("deployment"),
		Pipeline:   q.Get("pipeline"),
		Limit:      defaultLimit,
	}
	if f.Status != "" && !f.Status.Valid() {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("status %q: want pending, running, succeeded, failed, cancelled or crashed", f.Status))
		return
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit %q: want a positive integer", s))
			return
		}
		f.Limit = n
	}
	runs, err := a.c.Store.ListRuns(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]RunJSON, len(runs))
	for i, run := range runs {
		out[i] = runJSON(run)
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

func (a *api) getRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	run, err := a.c.Store.GetRun(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "unknown run id "+strconv.Quote(id))
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	trs, err := a.c.Store.ListTasks(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := struct {
		RunJSON
		Tasks []TaskJSON `json:"tasks"`
	}{RunJSON: runJSON(run), Tasks: make([]TaskJSON, len(trs))}
	for i, t := range trs {
		out.Tasks[i] = taskJSON(t)
	}
	writeJSON(w, http.StatusOK, out)
}

// cancelRun asks a run to stop: 200 with the run when it was pending and is
// now cancelled, 202 when it is running and its process was asked (it stops
// within a few seconds; poll GET /api/runs/{id}), 409 when it already
// finished.
func (a *api) cancelRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	run, err := a.c.Store.RequestCancel(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "unknown run id "+strconv.Quote(id))
	case errors.Is(err, store.ErrInvalidTransition):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil:
		a.fail(w, r, err)
	case run.Status == store.RunRunning:
		writeJSON(w, http.StatusAccepted, runJSON(run))
	default:
		writeJSON(w, http.StatusOK, runJSON(run))
	}
}

func (a *api) listDeployments(w http.ResponseWriter, r *http.Request) {
	ds, err := a.c.Store.ListDeployments(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]DeploymentJSON, len(ds))
	for i, d := range ds {
		out[i] = deploymentJSON(d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"deployments": out})
}

func (a *api) trigger(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var body struct {
		Params map[string]any `json:"params"`
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	if len(data) > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "body larger than 1 MiB")
		return
	}
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &body); err != nil {
			writeError(w, http.StatusBadRequest, `body must be a JSON object such as {"params": {"region": "za"}}: `+err.Error())
			return
		}
	}
	d, err := a.c.Store.GetDeployment(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "unknown deployment "+strconv.Quote(name))
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	run, err := runner.Enqueue(r.Context(), a.c.Store, a.c.Loader, runner.QueueRequest{Deployment: d, Params: body.Params, Strict: true, StartedBy: store.StartedAPI})
	if err != nil {
		var pe *specs.ParamError
		if errors.As(err, &pe) {
			// The field lets a client point at the input at fault.
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": Describe(err), "field": "params." + pe.Name})
			return
		}
		if errors.Is(err, specs.ErrInvalid) || errors.Is(err, profiles.ErrUnknown) {
			writeError(w, http.StatusUnprocessableEntity, Describe(err))
			return
		}
		a.fail(w, r, err)
		return
	}
	if a.c.Queued != nil {
		a.c.Queued(run)
	}
	writeJSON(w, http.StatusAccepted, runJSON(run))
}

func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, err.Error())
}

// Describe renders an error for a person: spec diagnostics with their
// positions, quoted lines and hints, one per line, as the CLI prints them.
func Describe(err error) string {
	var ds specs.Diagnostics
	if errors.As(err, &ds) {
		var b strings.Builder
		_ = ds.Print(&b)
		return strings.TrimSpace(b.String())
	}
	return err.Error()
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to do
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// RunJSON is a run as the API shows it.
type RunJSON struct {
	ID         string          `json:"id"`
	Pipeline   string          `json:"pipeline"`
	Status     string          `json:"status"`
	Deployment string          `json:"deployment,omitempty"`
	StartedBy  string          `json:"started_by,omitempty"`
	SpecPath   string          `json:"spec_path,omitempty"`
	SpecHash   string          `json:"spec_hash,omitempty"`
	Params     json.RawMessage `json:"params,omitempty"`
	Error      string          `json:"error,omitempty"`
	TraceID    string          `json:"trace_id,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  time.Time       `json:"started_at,omitzero"`
	EndedAt    time.Time       `json:"ended_at,omitzero"`
}

func runJSON(r store.Run) RunJSON {
	return RunJSON{ID: r.ID, Pipeline: r.Pipeline, Status: string(r.Status), Deployment: r.Deployment, StartedBy: r.StartedBy,
		SpecPath: r.SpecPath, SpecHash: r.SpecHash, Params: r.Params, Error: r.Error, TraceID: r.TraceID,
		CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, EndedAt: r.EndedAt}
}

// TaskJSON is a task run as the API shows it.
type TaskJSON struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Status    string          `json:"status"`
	Attempts  int             `json:"attempts"`
	StartedAt time.Time       `json:"started_at,omitzero"`
	EndedAt   time.Time       `json:"ended_at,omitzero"`
	Error     string          `json:"error,omitempty"`
	Output    string          `json:"output,omitempty"`
	RowsIn    int64           `json:"rows_in"`
	RowsOut   int64           `json:"rows_out"`
	Attrs     json.RawMessage `json:"attrs,omitempty"`
}

func taskJSON(t store.TaskRun) TaskJSON {
	return TaskJSON{ID: t.TaskID, Type: t.Type, Status: string(t.Status), Attempts: t.Attempts, StartedAt: t.StartedAt,
		EndedAt: t.EndedAt, Error: t.Error, Output: t.Output, RowsIn: t.RowsIn, RowsOut: t.RowsOut, Attrs: t.Attrs}
}

// DeploymentJSON is a deployment as the API shows it.
type DeploymentJSON struct {
	Name     string          `json:"name"`
	SpecPath string          `json:"spec_path,omitempty"`
	Profile  string          `json:"profile,omitempty"`
	Schedule string          `json:"schedule,omitempty"`
	Timezone string          `json:"timezone,omitempty"`
	Tags     []string        `json:"tags"`
	Params   json.RawMessage `json:"params,omitempty"`
	Paused   bool            `json:"paused"`
	Catchup  string          `json:"catchup_window,omitempty"`
	Overlap  string          `json:"overlap"`
}

func deploymentJSON(d store.Deployment) DeploymentJSON {
	out := DeploymentJSON{Name: d.Name, SpecPath: d.SpecPath, Profile: d.Profile, Schedule: d.Schedule,
		Timezone: d.Timezone, Tags: d.Tags, Params: d.Params, Paused: d.Paused, Overlap: string(d.Overlap)}
	if d.Catchup > 0 {
		out.Catchup = d.Catchup.String()
	}
	return out
}

// ServeOptions configure Serve.
type ServeOptions struct {
	// Grace is how long shutdown waits for requests in flight.
	Grace time.Duration
	// Limits bound each client; the zero value means DefaultLimits.
	Limits Limits
}

// Serve runs the API on l until ctx is done, then shuts down, waiting up to
// o.Grace for requests in flight. Connections over o.Limits are refused
// with a 503 before they reach the handler.
func Serve(ctx context.Context, l net.Listener, h http.Handler, o ServeOptions) error {
	lim := o.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits()
	}
	if err := lim.Check(); err != nil {
		return fmt.Errorf("api server: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(newLimitListener(l, lim.MaxConns, lim.MaxConnsPerIP)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("api server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.Grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("api server shutdown: %w", err)
	}
	return nil
}
