package runner

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/specs"
)

// The run queue lives in the store: a queued run is a run in status
// pending that names its deployment, or only its spec (a run started by
// `hotpass run`, queued again from the web interface). Whoever queues it (a schedule fire,
// `hotpass deployment run`, the HTTP API) creates it with the deployment's
// spec path and the merged params; a `serve` worker claims it (Claim) and
// runs it with Options.Queued. Pending runs survive a restart of serve.

// claimTTL bounds how long a claim keeps other workers away from a queued
// run. The claim only has to last until the run is marked running, which
// happens as soon as its spec is loaded.
const claimTTL = 5 * time.Minute

// QueueRequest asks for a run of a deployment, or of a spec on its own.
type QueueRequest struct {
	Deployment store.Deployment
	// Spec is what a run without a deployment loads (a run started by
	// `hotpass run`, queued again from the web interface); it is read only
	// when Deployment is the zero value. Params are then the whole params.
	Spec Source
	// Params override the deployment's params, by name.
	Params map[string]any
	// RunID names the run; empty means a new id.
	RunID string
	// At is the run's logical time: the scheduled time of a fire, or now.
	// Its date in the deployment's time zone becomes run.date. Zero means now.
	At time.Time
	// Strict checks the spec and the params before queueing, and queues
	// nothing when they are wrong. A scheduled fire is not strict: its run
	// is queued whatever the spec's state and fails with the reason.
	Strict bool
	// StartedBy is recorded with the run (store.StartedSchedule, ...).
	StartedBy string
	// ResumeFrom names a finished run of the same deployment whose
	// unchanged successful tasks the queued run reuses.
	ResumeFrom string
	// Loaded is the spec the run loads, when the caller has loaded it
	// already (to type its --param flags); nil means Enqueue loads it.
	Loaded *specs.Spec
}

// Enqueue creates a pending run for the serve worker and returns it.
func Enqueue(ctx context.Context, st store.Store, l *engine.Loader, q QueueRequest) (store.Run, error) {
	d := q.Deployment
	src, what, params := DeploymentSource(d), "deployment "+d.Name, q.Params
	if d.Name == "" {
		if q.Spec.Label() == "" {
			return store.Run{}, errors.New("queue run: the request names neither a deployment nor a spec")
		}
		src, what = q.Spec, "spec "+q.Spec.Label()
	} else {
		var err error
		if params, err = deploymentParams(d, q.Params); err != nil {
			return store.Run{}, err
		}
	}
	specPath := src.Label()
	pipeline, hash := cmp.Or(d.Name, specPath), ""
	spec, err := q.Loaded, error(nil)
	if spec == nil {
		spec, _, err = src.Load(ctx, l, false, nil)
	}
	if err == nil {
		_, err = specs.ResolveParams(spec, params, nil)
	}
	if err != nil {
		if q.Strict {
			return store.Run{}, fmt.Errorf("%s: %w", what, err)
		}
	} else {
		pipeline, hash = spec.Name, spec.Hash
	}
	at := q.At
	if at.IsZero() {
		at = time.Now()
	}
	id := q.RunID
	if id == "" {
		id = engine.NewRunID(time.Now())
	}
	var raw json.RawMessage
	if len(params) > 0 {
		var err error
		if raw, err = json.Marshal(params); err != nil {
			return store.Run{}, fmt.Errorf("%s: encode params: %w", what, err)
		}
	}
	r, err := st.CreateRun(ctx, store.Run{
		ID: id, Pipeline: pipeline, SpecPath: specPath, SpecHash: hash, Deployment: d.Name,
		Status: store.RunPending, Params: raw, CreatedAt: at, StartedBy: q.StartedBy, ResumeFrom: q.ResumeFrom,
	})
	if err != nil {
		return store.Run{}, fmt.Errorf("queue run of %s: %w", what, err)
	}
	return r, nil
}

// DeploymentSpec labels what a deployment's runs load, as the run history
// records it: its spec file, or ProfilePrefix and its profile.
func DeploymentSpec(d store.Deployment) string { return DeploymentSource(d).Label() }

// DeploymentSource is what a deployment's runs load: its spec file, or its
// profile's pipeline.
func DeploymentSource(d store.Deployment) Source {
	if d.Profile != "" {
		return Profile(d.Profile)
	}
	return File(d.SpecPath)
}

// deploymentParams merges over onto the deployment's params.
func deploymentParams(d store.Deployment, over map[string]any) (map[string]any, error) {
	var base map[string]any
	if len(d.Params) > 0 {
		if err := json.Unmarshal(d.Params, &base); err != nil {
			return nil, fmt.Errorf("deployment %s: stored params are not a JSON object: %w", d.Name, err)
		}
	}
	return mergeParams(base, over), nil
}

// Claim takes queued run id for holder, so that of several workers (in
// one process or many) exactly one runs it. It returns the run and a
// release function when the claim succeeded and the run is still pending;
// call release once the run has ended.
func Claim(ctx context.Context, st store.Store, id, holder string) (store.Run, func(), bool, error) {
	lease, ok, err := st.AcquireSlot(ctx, "run:"+id, 1, holder, claimTTL)
	if err != nil || !ok {
		return store.Run{}, nil, false, err
	}
	release := func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
		defer cancel()
		_ = st.ReleaseLease(rctx, lease)
	}
	r, err := st.GetRun(ctx, id)
	if err != nil || r.Status != store.RunPending {
		release()
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		return store.Run{}, nil, false, err
	}
	return r, release, true, nil
}

// QueuedRun is what a queued run needs besides what every run of the
// worker shares: its spec, params and logical date.
type QueuedRun struct {
	Source Source
	Params map[string]any
	// Date is run.date: the day the run was queued, in its deployment's
	// time zone.
	Date string
}

// DeploymentGetter reads deployments; store.Store has it.
type DeploymentGetter interface {
	GetDeployment(ctx context.Context, name string) (store.Deployment, error)
}

// LabelSource is the Source a run history label names (see Source.Label):
// ProfilePrefix and a profile, or else a spec file.
func LabelSource(label string) Source {
	if name, ok := strings.CutPrefix(label, ProfilePrefix); ok {
		return Profile(name)
	}
	return File(label)
}

// Queued returns what runs queued run r. Its spec is the one it was
// queued with (see Enqueue), whatever its deployment names now.
func Queued(ctx context.Context, deployments DeploymentGetter, r store.Run) QueuedRun {
	q := QueuedRun{Source: LabelSource(r.SpecPath)}
	if len(r.Params) > 0 {
		var p map[string]any
		if json.Unmarshal(r.Params, &p) == nil {
			q.Params = p
		}
	}
	loc := time.UTC
	if d, err := deployments.GetDeployment(ctx, r.Deployment); err == nil && d.Timezone != "" {
		if l, err := time.LoadLocation(d.Timezone); err == nil {
			loc = l
		}
	}
	q.Date = r.CreatedAt.In(loc).Format(time.DateOnly)
	return q
}

// QueuedOptions returns the options that run queued run r (see Queued).
// base supplies everything else (store, loader, state directory,
// observers, slots).
func QueuedOptions(ctx context.Context, base Options, deployments DeploymentGetter, r store.Run) Options {
	q := Queued(ctx, deployments, r)
	o := base
	o.RunID, o.Queued, o.Deployment = r.ID, true, r.Deployment
	o.Source, o.ParamsJSON, o.ParamFlags, o.Date = q.Source, q.Params, nil, q.Date
	return o
}

// Holder names this process in slot leases and claims: host, pid and a
// label, which helps when reading the lease table.
func Holder(label string) string {
	return fmt.Sprintf("%s/%d/%s", hostname(), os.Getpid(), filepath.Base(label))
}
