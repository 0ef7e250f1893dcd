package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/internal/specgen"
)

// newGenCmd groups generators of synthetic specs and data for tests,
// benchmarks and demos. It is hidden: it is a tool for developing Hotpass.
func newGenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:    "gen",
		Short:  "Generate synthetic specs and data (for benchmarks and demos)",
		Hidden: true,
	}
	cmd.AddCommand(newGenSpecCmd())
	return cmd
}

type genSpecOptions struct {
	tasks    int
	edges    float64
	seed     int64
	taskType string
	execTrue int
	maxConc  int
}

func newGenSpecCmd() *cobra.Command {
	o := &genSpecOptions{}
	cmd := &cobra.Command{
		Use:   "spec",
		Short: "Write a random DAG spec (or N independent `exec true` tasks) to stdout",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case o.execTrue > 0:
				_, err := cmd.OutOrStdout().Write(specgen.ExecTrue(o.execTrue, o.maxConc))
				return err
			case o.tasks > 0:
				_, err := cmd.OutOrStdout().Write(specgen.RandomDAG(o.tasks, o.edges, o.seed, o.taskType))
				return err
			}
			return fmt.Errorf("%w: give --tasks N or --exec-true N", errUsage)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.tasks, "tasks", 0, "number of tasks in a random DAG")
	f.Float64Var(&o.edges, "edges", 3, "average dependencies per task")
	f.Int64Var(&o.seed, "seed", 1, "random seed")
	f.StringVar(&o.taskType, "type", "noop", "task type of the random DAG")
	f.IntVar(&o.execTrue, "exec-true", 0, "number of independent `exec true` tasks")
	f.IntVar(&o.maxConc, "max", 8, "concurrency.max of the exec-true spec")
	return cmd
}
