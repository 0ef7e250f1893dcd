package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/progress"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/scheduler"
	hptemporal "github.com/hotpass/hotpass/internal/temporal"
	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs"
)

type deployOptions struct {
	name, spec, profile, schedule, timezone, catchup, overlap string
	params                                                    paramOptions
	tags                                                      []string
	paused                                                    bool
	engine                                                    string
	temporal                                                  temporalFlags
}

func newDeployCmd(g *globals) *cobra.Command {
	o := &deployOptions{}
	cmd := &cobra.Command{
		Use:   "deploy --name N (--spec F | --profile P) [--schedule CRON]",
		Short: "Register (or update) a deployment: a spec run on a schedule or on demand",
		Long: "Register a deployment under a name, or update the one with that name. The spec file is stored\n" +
			"as an absolute path and loaded afresh for every run. The spec, the cron expression (5 fields, or\n" +
			"@hourly, @daily, @every 1h, ...), the time zone and the params are checked before saving.\n" +
			"`hotpass serve` runs the deployment when its schedule is due; with --engine temporal a Temporal\n" +
			"Schedule fires it instead and the cluster's workers run it (the schedule is created first: when\n" +
			"Temporal cannot be reached nothing is saved).",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDeploy(cmd.Context(), cmd.OutOrStdout(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "", "deployment name (required)")
	f.StringVar(&o.spec, "spec", "", "pipeline spec file")
	f.StringVar(&o.profile, "profile", "", "built-in profile to run instead of a spec file")
	f.StringVar(&o.schedule, "schedule", "", `cron expression, e.g. "0 6 * * 1-5" or @daily; none: run only on demand`)
	f.StringVar(&o.timezone, "timezone", "", "IANA time zone of the schedule, e.g. Africa/Johannesburg (default UTC)")
	f.StringArrayVar(&o.tags, "tag", nil, "label the deployment (repeatable)")
	addParamFlags(cmd, &o.params, "every run")
	f.BoolVar(&o.paused, "paused", false, "save the deployment with its schedule paused")
	f.StringVar(&o.catchup, "catchup-window", "", "start fires missed while serve was down if at most this old (e.g. 6h, 2d); default none: a fire starts only up to "+engine.FormatDuration(scheduler.MisfireGrace)+" late")
	f.StringVar(&o.overlap, "overlap", "skip", "when a fire comes while the previous run still goes: skip, queue or allow")
	f.StringVar(&o.engine, "engine", engineEmbedded, "what fires and runs the deployment: hotpass serve (embedded) or a Temporal Schedule and the cluster's workers (temporal)")
	o.temporal.add(cmd)
	return cmd
}

func runDeploy(ctx context.Context, w io.Writer, g *globals, o *deployOptions) error {
	d, err := o.deployment()
	if err != nil {
		return err
	}
	l, err := newLoader()
	if err != nil {
		return err
	}
	// The spec is loaded once: it types the --param values and then checks
	// every param, as the runs will see them.
	src := runner.File(d.SpecPath)
	if d.SpecPath == "" {
		src = runner.Profile(d.Profile)
	}
	checkErr := func(err error) error {
		if d.SpecPath == "" {
			return profileDeploymentError(d.Profile, err)
		}
		return err
	}
	spec, _, err := src.Load(ctx, l, false, nil)
	if err != nil {
		return checkErr(err)
	}
	params, err := o.params.typed(spec)
	if err != nil {
		return err
	}
	if _, err := specs.ResolveParams(spec, params, nil); err != nil {
		return checkErr(err)
	}
	if len(params) > 0 {
		if d.Params, err = json.Marshal(params); err != nil {
			return fmt.Errorf("encode params: %w", err)
		}
	}
	if d.SpecPath != "" {
		d.SpecHash = spec.Hash
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	prev, existed := st.GetDeployment(ctx, d.Name)
	if existed != nil && !errors.Is(existed, store.ErrNotFound) {
		return existed
	}
	// The Temporal side goes first: a deployment saved while its schedule
	// could not be made would look deployed and never fire.
	if d.Engine == store.EngineTemporal || existed == nil && prev.Engine == store.EngineTemporal {
		if err := syncTemporalDeployment(ctx, &o.temporal, d); err != nil {
			return err
		}
	}
	saved, err := st.PutDeployment(ctx, d)
	if err != nil {
		return err
	}
	verb := "created"
	if existed == nil {
		verb = "updated"
	}
	fmt.Fprintf(w, "deployment %s %s\n", saved.Name, verb)
	if saved.Schedule == "" {
		fmt.Fprintln(w, "no schedule: start runs with `hotpass deployment run "+saved.Name+"`")
		return nil
	}
	sched, _ := scheduler.ParseSchedule(saved.Schedule, saved.Timezone) // checked by deployment()
	next := sched.Next(time.Now())
	state := ""
	if saved.Paused {
		state = " (paused)"
	}
	fmt.Fprintf(w, "schedule %s in %s%s; next fire %s\n", saved.Schedule, sched.Location(), state, next.Format(time.RFC3339))
	if saved.Engine == store.EngineTemporal {
		fmt.Fprintf(w, "fired by Temporal schedule %s; `hotpass worker` processes run it\n", hptemporal.ScheduleID(saved.Name))
	}
	return nil
}

// syncTemporalDeployment makes the deployment's Temporal Schedule match d:
// created or updated for a temporal deployment, deleted for one that moved
// to the embedded engine. The schedule's input names the deployment's spec
// rather than pinning it, so every fire loads the spec afresh on a worker,
// as serve does for embedded deployments.
func syncTemporalDeployment(ctx context.Context, tf *temporalFlags, d store.Deployment) error {
	c, err := tf.conn.Dial(ctx, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if d.Engine != store.EngineTemporal {
		err = hptemporal.DeleteSchedule(ctx, c, d)
	} else {
		err = hptemporal.SyncSchedule(ctx, c, d, tf.taskQueue, scheduledRunInput(d, tf.taskQueue))
	}
	if err != nil {
		return exitcode.Wrap(exitcode.Invalid, err)
	}
	return nil
}

// scheduledRunInput is the input every fire of d's schedule starts the
// run workflow with.
func scheduledRunInput(d store.Deployment, taskQueue string) hptemporal.RunInput {
	var params map[string]any
	_ = json.Unmarshal(d.Params, &params) // checked when the deployment was made
	dir := filepath.Dir(d.SpecPath)
	if d.SpecPath == "" {
		// Relative paths of a profile's pipeline mean the directory it was
		// deployed from, as for `run profile:NAME` there.
		dir, _ = filepath.Abs(".")
	}
	return hptemporal.RunInput{
		SpecPath: runner.DeploymentSpec(d), SpecDir: dir, LoadSpec: true, Timezone: d.Timezone,
		ParamsJSON: params, Deployment: d.Name, StartedBy: store.StartedSchedule, TaskQueue: taskQueue,
	}
}

// withTemporalDeployment runs fn with a client for a temporal deployment;
// an embedded one needs none and fn is not called.
func withTemporalDeployment(ctx context.Context, tf *temporalFlags, d store.Deployment, fn func(client.Client) error) error {
	if d.Engine != store.EngineTemporal {
		return nil
	}
	c, err := tf.conn.Dial(ctx, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := fn(c); err != nil {
		return exitcode.Wrap(exitcode.Invalid, err)
	}
	return nil
}

// profileDeploymentError words the error of checking a profile deployment
// (loading its pipeline, typing and checking its params) for the --profile
// flag: an unknown profile lists the known ones and suggests the closest.
func profileDeploymentError(profile string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, profiles.ErrUnknown):
		return unknownProfileError(profile, err)
	case errors.Is(err, specs.ErrInvalid):
		return fmt.Errorf("--profile %s: %w", profile, err)
	}
	return err
}

// deployment checks the flags and builds the deployment they describe.
func (o *deployOptions) deployment() (store.Deployment, error) {
	d := store.Deployment{Name: strings.TrimSpace(o.name), Schedule: strings.TrimSpace(o.schedule),
		Timezone: o.timezone, Tags: o.tags, Paused: o.paused, Overlap: store.OverlapPolicy(o.overlap), Engine: store.Engine(o.engine)}
	switch {
	case d.Name == "":
		return d, fmt.Errorf("%w: --name is required", errUsage)
	case strings.ContainsAny(d.Name, "/ \t\n"):
		return d, fmt.Errorf("%w: --name %q: use letters, digits, '-', '_' or '.'", errUsage, d.Name)
	case (o.spec == "") == (o.profile == ""):
		return d, fmt.Errorf("%w: give exactly one of --spec and --profile", errUsage)
	case !d.Overlap.Valid():
		return d, fmt.Errorf("%w: --overlap %q: want skip, queue or allow", errUsage, o.overlap)
	case !d.Engine.Valid():
		return d, fmt.Errorf("%w: --engine %q: want %s or %s", errUsage, o.engine, engineEmbedded, engineTemporal)
	}
	if o.spec != "" {
		abs, err := filepath.Abs(o.spec)
		if err != nil {
			return d, fmt.Errorf("--spec %s: %w", o.spec, err)
		}
		d.SpecPath = abs
	}
	d.Profile = o.profile
	if d.Schedule != "" || d.Timezone != "" {
		if d.Schedule == "" {
			return d, fmt.Errorf("%w: --timezone %q given without --schedule", errUsage, d.Timezone)
		}
		if _, err := scheduler.ParseSchedule(d.Schedule, d.Timezone); err != nil {
			return d, fmt.Errorf("%w: %v", errUsage, err)
		}
	}
	if o.catchup != "" {
		c, err := parseAge(o.catchup)
		if err != nil {
			return d, fmt.Errorf("%w: --catchup-window %v", errUsage, err)
		}
		d.Catchup = c
	}
	if _, _, err := o.params.parse(); err != nil {
		return d, err
	}
	return d, nil
}

func newDeploymentCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deployment",
		Short: "Manage deployments: ls, show, pause, resume, rm, run",
		Args:  exactArgs(0),
	}
	cmd.AddCommand(
		newDeploymentLsCmd(g),
		newDeploymentShowCmd(g),
		withTemporalFlags(&cobra.Command{
			Use: "pause NAME", Short: "Stop firing a deployment's schedule", Args: exactArgs(1),
		}, func(cmd *cobra.Command, tf *temporalFlags, name string) error {
			return setPaused(cmd.Context(), cmd.OutOrStdout(), g, tf, name, true)
		}),
		withTemporalFlags(&cobra.Command{
			Use: "resume NAME", Short: "Fire a paused deployment's schedule again", Args: exactArgs(1),
		}, func(cmd *cobra.Command, tf *temporalFlags, name string) error {
			return setPaused(cmd.Context(), cmd.OutOrStdout(), g, tf, name, false)
		}),
		withTemporalFlags(&cobra.Command{
			Use: "rm NAME", Short: "Delete a deployment (its run history is kept)", Args: exactArgs(1),
		}, func(cmd *cobra.Command, tf *temporalFlags, name string) error {
			return runDeploymentRm(cmd.Context(), cmd.OutOrStdout(), g, tf, name)
		}),
		newDeploymentRunCmd(g),
	)
	return cmd
}

// withTemporalFlags gives cmd the Temporal connection flags, which a
// temporal deployment's schedule is kept in step through, and runs fn with
// them and the NAME argument.
func withTemporalFlags(cmd *cobra.Command, fn func(*cobra.Command, *temporalFlags, string) error) *cobra.Command {
	tf := &temporalFlags{}
	tf.add(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return fn(cmd, tf, args[0]) }
	return cmd
}

// getDeployment reads a deployment, with an error naming it when it does
// not exist.
func getDeployment(ctx context.Context, st store.DeploymentStore, name string) (store.Deployment, error) {
	d, err := st.GetDeployment(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return d, exitcode.Wrap(exitcode.Invalid, fmt.Errorf("unknown deployment %q (list them with `hotpass deployment ls`)", name))
	}
	return d, err
}

func newDeploymentLsCmd(g *globals) *cobra.Command {
	var tags []string
	var format string
	cmd := &cobra.Command{
		Use: "ls", Short: "List deployments", Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDeploymentLs(cmd.Context(), cmd.OutOrStdout(), g, tags, format)
		},
	}
	cmd.Flags().StringArrayVar(&tags, "tag", nil, "only deployments with this tag (repeatable: all of them)")
	addFormatFlag(cmd, &format)
	return cmd
}

func newDeploymentShowCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use: "show NAME", Short: "Show a deployment and its latest runs", Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDeploymentShow(cmd.Context(), cmd.OutOrStdout(), g, args[0], format)
		},
	}
	addFormatFlag(cmd, &format)
	return cmd
}

// deploymentListJSON is what `deployment ls --format json` prints.
type deploymentListJSON struct {
	Deployments []deploymentJSON `json:"deployments"`
}

// deploymentJSON is a deployment as --format json prints it. Absent values
// are null; spec is what each run loads (the spec path or profile:NAME).
type deploymentJSON struct {
	Name           string          `json:"name"`
	Spec           string          `json:"spec"`
	SpecPath       *string         `json:"spec_path"`
	Profile        *string         `json:"profile"`
	Schedule       *string         `json:"schedule"`
	Timezone       *string         `json:"timezone"`
	Paused         bool            `json:"paused"`
	Overlap        string          `json:"overlap"`
	CatchupSeconds *float64        `json:"catchup_window_seconds"`
	Tags           []string        `json:"tags"`
	Params         json.RawMessage `json:"params"`
	Engine         string          `json:"engine"`
}

func newDeploymentJSON(d store.Deployment) deploymentJSON {
	return deploymentJSON{Name: d.Name, Spec: runner.DeploymentSpec(d), SpecPath: jsonString(d.SpecPath),
		Profile: jsonString(d.Profile), Schedule: jsonString(d.Schedule), Timezone: jsonString(d.Timezone),
		Paused: d.Paused, Overlap: string(d.Overlap), CatchupSeconds: jsonSeconds(d.Catchup),
		Tags: nonNil(d.Tags), Params: jsonRaw(d.Params), Engine: string(d.Engine)}
}

// deploymentShowJSON is what `deployment show --format json` prints.
type deploymentShowJSON struct {
	deploymentJSON
	NextFire   *string   `json:"next_fire"`
	LastFire   *fireJSON `json:"last_fire"`
	LatestRuns []runJSON `json:"latest_runs"`
}

// fireJSON is a schedule fire: when it was due and the run it started.
type fireJSON struct {
	ScheduledAt *string `json:"scheduled_at"`
	RunID       string  `json:"run_id"`
}

func runDeploymentLs(ctx context.Context, w io.Writer, g *globals, tags []string, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	all, err := st.ListDeployments(ctx)
	if err != nil {
		return err
	}
	ds := all[:0]
	for _, d := range all {
		if hasTags(d, tags) {
			ds = append(ds, d)
		}
	}
	if format == formatJSON {
		out := deploymentListJSON{Deployments: make([]deploymentJSON, len(ds))}
		for i, d := range ds {
			out.Deployments[i] = newDeploymentJSON(d)
		}
		return writeJSON(w, out)
	}
	if len(ds) == 0 {
		if len(tags) > 0 && len(all) > 0 {
			fmt.Fprintf(w, "no deployments with tag %s (of %d)\n", strings.Join(tags, " and "), len(all))
			return nil
		}
		fmt.Fprintln(w, "no deployments")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSCHEDULE\tTIMEZONE\tSTATE\tOVERLAP\tENGINE\tSPEC\tTAGS")
	for _, d := range ds {
		state := "active"
		if d.Paused {
			state = "paused"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Name, dash(d.Schedule), dash(d.Timezone), state, d.Overlap,
			d.Engine, runner.DeploymentSpec(d), dash(strings.Join(d.Tags, ",")))
	}
	return tw.Flush()
}

func runDeploymentShow(ctx context.Context, w io.Writer, g *globals, name, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := getDeployment(ctx, st, name)
	if err != nil {
		return err
	}
	if format == formatJSON {
		return deploymentShowAsJSON(ctx, w, st, d)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("name", d.Name)
	row("spec", d.SpecPath)
	row("profile", d.Profile)
	row("schedule", dash(d.Schedule))
	row("timezone", d.Timezone)
	row("paused", fmt.Sprint(d.Paused))
	row("overlap", string(d.Overlap))
	row("engine", string(d.Engine))
	if d.Engine == store.EngineTemporal && d.Schedule != "" {
		row("temporal schedule", hptemporal.ScheduleID(d.Name))
	}
	if d.Catchup > 0 {
		row("catchup window", engine.FormatDuration(d.Catchup))
	}
	row("tags", strings.Join(d.Tags, ", "))
	row("params", string(d.Params))
	if d.Schedule != "" && !d.Paused {
		if s, err := scheduler.ParseSchedule(d.Schedule, d.Timezone); err == nil {
			row("next fire", s.Next(time.Now()).Format(time.RFC3339))
		}
	}
	if f, ok, err := st.LastFire(ctx, d.Name); err == nil && ok {
		row("last fire", f.ScheduledAt.In(time.UTC).Format(time.RFC3339)+" ("+f.RunID+")")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	runs, err := st.ListRuns(ctx, store.RunFilter{Deployment: d.Name, Limit: 5})
	if err != nil || len(runs) == 0 {
		return err
	}
	fmt.Fprintln(w, "\nlatest runs:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	now := time.Now()
	for _, r := range runs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.ID, r.Status, fmtTime(r.StartedAt), fmtDuration(runDuration(r, now)))
	}
	return tw.Flush()
}

func deploymentShowAsJSON(ctx context.Context, w io.Writer, st store.Store, d store.Deployment) error {
	now := time.Now()
	out := deploymentShowJSON{deploymentJSON: newDeploymentJSON(d), LatestRuns: []runJSON{}}
	if d.Schedule != "" && !d.Paused {
		if s, err := scheduler.ParseSchedule(d.Schedule, d.Timezone); err == nil {
			out.NextFire = jsonTime(s.Next(now))
		}
	}
	f, ok, err := st.LastFire(ctx, d.Name)
	if err != nil {
		return err
	}
	if ok {
		out.LastFire = &fireJSON{ScheduledAt: jsonTime(f.ScheduledAt), RunID: f.RunID}
	}
	runs, err := st.ListRuns(ctx, store.RunFilter{Deployment: d.Name, Limit: 5})
	if err != nil {
		return err
	}
	for _, r := range runs {
		out.LatestRuns = append(out.LatestRuns, newRunJSON(r, now))
	}
	return writeJSON(w, out)
}

func setPaused(ctx context.Context, w io.Writer, g *globals, tf *temporalFlags, name string, paused bool) error {
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := getDeployment(ctx, st, name)
	if err != nil {
		return err
	}
	d.Paused = paused
	err = withTemporalDeployment(ctx, tf, d, func(c client.Client) error {
		if d.Schedule == "" {
			return nil // run by hand only: no schedule to pause
		}
		return hptemporal.SetSchedulePaused(ctx, c, d)
	})
	if err != nil {
		return err
	}
	if err := st.SetPaused(ctx, name, paused); err != nil {
		return err
	}
	if paused {
		fmt.Fprintf(w, "deployment %s paused\n", name)
	} else {
		fmt.Fprintf(w, "deployment %s resumed\n", name)
	}
	return nil
}

func runDeploymentRm(ctx context.Context, w io.Writer, g *globals, tf *temporalFlags, name string) error {
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := getDeployment(ctx, st, name)
	if err != nil {
		return err
	}
	err = withTemporalDeployment(ctx, tf, d, func(c client.Client) error { return hptemporal.DeleteSchedule(ctx, c, d) })
	if err != nil {
		return err
	}
	if err := st.DeleteDeployment(ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(w, "deployment %s deleted\n", name)
	return nil
}

type deploymentRunOptions struct {
	params     paramOptions
	wait       bool
	noProgress bool
	engine     string
	temporal   temporalFlags
}

func newDeploymentRunCmd(g *globals) *cobra.Command {
	o := &deploymentRunOptions{}
	cmd := &cobra.Command{
		Use:   "run NAME",
		Short: "Start a run of a deployment now",
		Long: "Queue a run of the deployment for `hotpass serve` to start, and print its id; with --wait, run it\n" +
			"here and now instead (no server needed) and exit as `hotpass run` does. A deployment made with\n" +
			"--engine temporal starts on the cluster's workers instead: without --wait the run is started and its id\n" +
			"printed, with --wait it is followed as `hotpass run --engine temporal` follows it. --params and --param\n" +
			"are merged over the deployment's params and checked against the spec's param types first.",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDeploymentRun(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o, args[0])
		},
	}
	addParamFlags(cmd, &o.params, "this run, over the deployment's")
	cmd.Flags().BoolVar(&o.wait, "wait", false, "wait for the outcome and exit as `hotpass run` does, instead of queueing (embedded) or only starting the run (temporal)")
	cmd.Flags().BoolVar(&o.noProgress, "no-progress", false, "with --wait: print plain log lines instead of live progress")
	cmd.Flags().StringVar(&o.engine, "engine", "", "where the run goes: embedded (`hotpass serve`'s queue, or this process with --wait) or temporal (a Temporal cluster's workers); default: the deployment's engine")
	o.temporal.add(cmd)
	return cmd
}

func runDeploymentRun(ctx context.Context, stdout, stderr io.Writer, g *globals, o *deploymentRunOptions, name string) error {
	fromJSON, flags, err := o.params.parse()
	if err != nil {
		return err
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
	d, err := getDeployment(ctx, st, name)
	if err != nil {
		return err
	}
	if o.engine == "" {
		// A deployment made for the cluster runs there unless told otherwise.
		o.engine = engineEmbedded
		if d.Engine == store.EngineTemporal {
			o.engine = engineTemporal
		}
	}
	if !o.wait && o.engine == engineEmbedded {
		// Loaded once, to type the --param values and for Enqueue's check.
		spec, _, err := runner.DeploymentSource(d).Load(ctx, l, false, nil)
		if err != nil {
			return fmt.Errorf("deployment %s: %w", d.Name, err)
		}
		over, err := o.params.typed(spec)
		if err != nil {
			return err
		}
		r, err := runner.Enqueue(ctx, st, l, runner.QueueRequest{Deployment: d, Params: over, Strict: true, StartedBy: store.StartedCLI, Loaded: spec})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "queued run %s of deployment %s; `hotpass serve` starts it (follow it with `hotpass runs logs --follow %s`)\n", r.ID, d.Name, r.ID)
		return nil
	}
	var base map[string]any
	if len(d.Params) > 0 {
		if err := json.Unmarshal(d.Params, &base); err != nil {
			return fmt.Errorf("deployment %s: stored params are not a JSON object: %w", d.Name, err)
		}
	}
	// The run loads the spec and types the --param values itself, --param
	// winning over --params and both over the deployment's params.
	params := base
	if len(fromJSON) > 0 {
		params = make(map[string]any, len(base)+len(fromJSON))
		for k, v := range base {
			params[k] = v
		}
		for k, v := range fromJSON {
			params[k] = v
		}
	}
	loc := time.UTC
	if d.Timezone != "" {
		if l, err := time.LoadLocation(d.Timezone); err == nil {
			loc = l
		}
	}
	switch o.engine {
	case engineEmbedded:
	case engineTemporal:
		return submitToTemporal(ctx, stdout, stderr, g, &o.temporal, temporalRun{
			spec: runner.DeploymentSpec(d), paramsJSON: params, paramFlags: flags, date: time.Now().In(loc).Format(time.DateOnly),
			deployment: d.Name, noProgress: o.noProgress, detach: !o.wait,
		})
	default:
		return fmt.Errorf("%w: --engine must be %s or %s, got %q", errUsage, engineEmbedded, engineTemporal, o.engine)
	}
	display := progress.New(stderr, isTerminal(stderr) && !o.noProgress)
	r, err := newRunner(st, g, display, stderr, hotpass.WithLoader(l))
	if err != nil {
		return err
	}
	res, runErr := r.Run(ctx, specSource(runner.DeploymentSpec(d)), hotpass.Params(params), hotpass.ParamText(flags),
		hotpass.Date(time.Now().In(loc).Format(time.DateOnly)), hotpass.Deployment(d.Name))
	display.Close()
	return runOutcome(stdout, g, record(res), runErr)
}
