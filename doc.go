// Package hotpass runs Hotpass pipelines from Go: the one path by which
// the hotpass command itself runs a spec, whoever asks (run, orchestrate,
// deployment run, the serve workers, backfills and their child runs).
//
// A Runner loads a spec (a file, source in memory, or a built-in
// profile's pipeline), checks it, renders its templates, runs its tasks as
// a DAG and records the run: in a Store (the run history `hotpass runs`
// reads) and in a run directory under the state directory (run.json, one
// log per task, the tables tasks kept).
//
// # Walkthrough
//
// Build a Runner once, with the options every run shares:
//
//	import (
//		"github.com/hotpass/hotpass"
//		_ "github.com/hotpass/hotpass/tasks/builtin" // read, refine, validate, write, exec, ...
//	)
//
//	r, err := hotpass.New(
//		hotpass.WithStateDir("/var/lib/etl"),  // run directories under /var/lib/etl/runs
//		hotpass.WithStore(st),                  // a store.Store, or your own Store
//		hotpass.WithTaskTypes(myType{}),        // task types of your own
//		hotpass.WithTelemetry(hotpass.Telemetry{TracerProvider: tp, MeterProvider: mp}),
//		hotpass.WithEnv(hotpass.Env(nil, hotpass.Secret{Name: "API_TOKEN", Value: token})),
//	)
//	defer r.Close()
//
// then run specs, each with its own params:
//
//	res, err := r.Run(ctx, hotpass.File("pipelines/crm.yaml"), hotpass.Params(map[string]any{"region": "za"}))
//	if res == nil {
//		return err // the run never started: invalid spec, bad param, ...
//	}
//	t, err := res.Table("clean") // the table task "clean" produced
//
// Secrets are values, never environment changes: WithEnv answers the
// spec's env_var('NAME') templates, and every value read that way, like
// those given to WithSecrets, is masked in logs, errors, run records and
// telemetry.
//
// Task types implement engine.Type; they are found in the tasks package's
// registry (which the built-in types join when tasks/builtin is imported)
// and in those given to WithTaskTypes.
package hotpass
