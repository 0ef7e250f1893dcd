package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/tasks"
	_ "github.com/hotpass/hotpass/tasks/builtin" // registers every built-in task type
)

// globals are the options every command shares.
type globals struct {
	stateDir string
	logLevel string
}

// execute runs the CLI with args and returns the process exit code.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	return exitCode(err, stderr)
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "hotpass",
		Short: "Run declarative data pipelines written as YAML specs",
		Long: "Hotpass runs pipelines described in YAML specs as a DAG of tasks with bounded concurrency,\n" +
			"turning messy spreadsheets and CRM exports into one clean, deduplicated table.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionLine(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) {
		printPrefectNotice(cmd, os.Getenv, cmd.ErrOrStderr())
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w: %v (see `%s --help`)", errUsage, err, c.CommandPath())
	})
	root.PersistentFlags().StringVar(&g.stateDir, "state-dir", runstate.Home(), "directory for run records and logs (env HOTPASS_HOME)")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	root.AddCommand(
		newRunCmd(g),
		newValidateCmd(g),
		newGraphCmd(g),
		newSchemaCmd(g),
		newVersionCmd(),
		newGenCmd(),
		newOrchestrateCmd(g),
		newProfilesCmd(),
		newRunsCmd(g),
		newDeployCmd(g),
		newDeploymentCmd(g),
		newServeCmd(g),
		newWorkerCmd(g),
		newBackfillCmd(g),
		newArchiveCmd(),
		newResolveCmd(g),
		newLinkageCmd(),
		newInitCmd(),
		newGeoCmd(),
		newPrivacyCmd(g),
	)
	acceptNoProgress(root)
	registerCompletions(root, g)
	// Added now rather than at Execute, so that `hotpass completion bsh` is
	// refused like any other unknown subcommand, and gets its examples.
	root.InitDefaultCompletionCmd()
	addExamples(root)
	requireKnownSubcommands(root)
	strictHelp(root)
	return root
}

// exactArgs is cobra.ExactArgs with errors marked as usage errors.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return fmt.Errorf("%w: %v (see `%s --help`)", errUsage, err, cmd.CommandPath())
		}
		return nil
	}
}

// requireFlags makes the named flags mandatory. A missing one is a usage
// error (exit 2); cobra's MarkFlagRequired reports it as a plain error,
// which exits 1. The check runs with the argument check, after the flags
// are parsed and before anything else.
func requireFlags(cmd *cobra.Command, names ...string) {
	args := cmd.Args
	cmd.Args = func(c *cobra.Command, a []string) error {
		var missing []string
		for _, n := range names {
			if !c.Flags().Changed(n) {
				missing = append(missing, "--"+n)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%w: required flag(s) %s not set (see `%s --help`)", errUsage, strings.Join(missing, ", "), c.CommandPath())
		}
		if args != nil {
			return args(c, a)
		}
		return nil
	}
}

func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.MinimumNArgs(n)(cmd, args); err != nil {
			return fmt.Errorf("%w: %v (see `%s --help`)", errUsage, err, cmd.CommandPath())
		}
		return nil
	}
}

// newLoader builds a spec loader over the built-in task types.
func newLoader() (*engine.Loader, error) {
	return engine.NewLoader(tasks.Default())
}
