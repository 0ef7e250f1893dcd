package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/profiles"
)

// completionTimeout bounds a completion's store query: a shell waits on it
// at every Tab.
const completionTimeout = 2 * time.Second

// completionRuns is how many of the newest runs are offered as run ids.
const completionRuns = 100

// registerCompletions gives shell completion of run ids, deployment names,
// profile names and task ids (of a run, or of the spec `run` is given) to the
// commands and flags that take them.
func registerCompletions(root *cobra.Command, g *globals) {
	find := func(path string) *cobra.Command {
		cmd, rest, err := root.Find(strings.Fields(path))
		if err != nil || cmd == root || len(rest) > 0 {
			return nil
		}
		return cmd
	}
	args := func(fn cobra.CompletionFunc, paths ...string) {
		for _, p := range paths {
			if cmd := find(p); cmd != nil && cmd.ValidArgsFunction == nil {
				cmd.ValidArgsFunction = firstArg(fn)
			}
		}
	}
	flag := func(path, name string, fn cobra.CompletionFunc) {
		if cmd := find(path); cmd != nil && cmd.Flags().Lookup(name) != nil {
			_ = cmd.RegisterFlagCompletionFunc(name, fn)
		}
	}
	runIDs := func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return completeRunIDs(cmd.Context(), g, toComplete)
	}
	deployments := func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return completeDeployments(cmd.Context(), g, toComplete)
	}
	args(runIDs, "runs show", "runs logs", "runs cancel")
	args(deployments, "deployment show", "deployment pause", "deployment resume", "deployment rm", "deployment run")
	args(completeProfiles, "profiles show")
	flag("orchestrate", "profile", completeProfiles)
	flag("deploy", "profile", completeProfiles)
	flag("runs ls", "deployment", deployments)
	flag("run", "only", func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completeSpecTasks(args[0], toComplete)
	})
	flag("runs logs", "task", func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return completeTaskIDs(cmd.Context(), g, args[0], toComplete)
	})
}

// firstArg completes the first positional argument with fn and nothing after it.
func firstArg(fn cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return fn(cmd, args, toComplete)
	}
}

func completeProfiles(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, p := range profiles.List() {
		if strings.HasPrefix(p.Name, toComplete) {
			out = append(out, cobra.CompletionWithDesc(p.Name, firstLine(strings.TrimSpace(p.Description))))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completionStore opens the run history for reading completions. Unlike
// openStore it neither creates the state directory nor marks crashed
// runs: pressing Tab must not change anything. ok is false when there is
// no history yet.
func completionStore(ctx context.Context, g *globals) (st store.Store, ok bool) {
	target := os.Getenv(store.EnvDatabaseURL)
	if target == "" {
		target = filepath.Join(g.stateDir, storeFile)
		if _, err := os.Stat(target); err != nil {
			return nil, false
		}
	}
	st, err := store.Open(ctx, target)
	if err != nil {
		return nil, false
	}
	return st, true
}

func completeRunIDs(ctx context.Context, g *globals, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	out := fromStore(ctx, g, func(ctx context.Context, st store.Store) ([]cobra.Completion, error) {
		runs, err := st.ListRuns(ctx, store.RunFilter{Limit: completionRuns})
		var out []cobra.Completion
		for _, r := range runs {
			if strings.HasPrefix(r.ID, toComplete) {
				out = append(out, cobra.CompletionWithDesc(r.ID, r.Pipeline+" "+string(r.Status)))
			}
		}
		return out, err
	})
	// Newest first, as `runs ls` lists them.
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}

func completeDeployments(ctx context.Context, g *globals, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	out := fromStore(ctx, g, func(ctx context.Context, st store.Store) ([]cobra.Completion, error) {
		ds, err := st.ListDeployments(ctx)
		var out []cobra.Completion
		for _, d := range ds {
			if strings.HasPrefix(d.Name, toComplete) {
				desc := "on demand"
				if d.Schedule != "" {
					desc = d.Schedule
				}
				out = append(out, cobra.CompletionWithDesc(d.Name, desc))
			}
		}
		return out, err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

func completeTaskIDs(ctx context.Context, g *globals, runID, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	out := fromStore(ctx, g, func(ctx context.Context, st store.Store) ([]cobra.Completion, error) {
		tasks, err := st.ListTasks(ctx, runID)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		var out []cobra.Completion
		for _, t := range tasks {
			if strings.HasPrefix(t.TaskID, toComplete) {
				out = append(out, cobra.CompletionWithDesc(t.TaskID, t.Status))
			}
		}
		return out, err
	})
	return out, cobra.ShellCompDirectiveNoFileComp
}

// fromStore runs list against the state store within the completion
// timeout. A missing store or a failed listing completes nothing: a shell
// completion never reports errors.
func fromStore(ctx context.Context, g *globals, list func(context.Context, store.Store) ([]cobra.Completion, error)) []cobra.Completion {
	ctx, cancel := completionContext(ctx)
	defer cancel()
	st, ok := completionStore(ctx, g)
	if !ok {
		return nil
	}
	defer st.Close()
	out, err := list(ctx, st)
	if err != nil {
		return nil
	}
	return out
}

func completionContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, completionTimeout)
}

// completeSpecTasks offers the task ids of the spec at path, for
// `run SPEC --only`. The spec is only parsed: no environment is read.
func completeSpecTasks(path, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	l, err := newLoader()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	spec, _, err := l.Load(path, false, func(string) (string, bool) { return "", false })
	if err != nil || spec == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, t := range spec.Tasks {
		if strings.HasPrefix(t.ID, toComplete) {
			out = append(out, cobra.CompletionWithDesc(t.ID, t.Type))
		}
	}
	// File order, as the spec lists them.
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}
