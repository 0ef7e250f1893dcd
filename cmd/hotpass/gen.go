package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/internal/specgen"
	"github.com/hotpass/hotpass/internal/synth"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/tasks/datasource"
)

// newGenCmd groups generators of synthetic specs and data for tests,
// benchmarks and demos. It is hidden: it is a tool for developing Hotpass.
func newGenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:    "gen",
		Short:  "Generate synthetic specs and data (for benchmarks and demos)",
		Hidden: true,
	}
	cmd.AddCommand(newGenSpecCmd(), newGenTableCmd(), newGenAviationCmd())
	return cmd
}

type genTableOptions struct {
	rows  int
	orgs  int
	seed  int64
	out   string
	truth bool
}

// newGenTableCmd writes a synthetic organisations or contacts table in any
// file format the write task supports (from the extension).
func newGenTableCmd() *cobra.Command {
	o := &genTableOptions{}
	cmd := &cobra.Command{
		Use:   "table organisations|contacts --rows N --out FILE",
		Short: "Write a synthetic organisations or contacts table (csv, parquet, jsonl, xlsx)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.out == "" || o.rows <= 0 {
				return fmt.Errorf("%w: give --rows N (N > 0) and --out FILE", errUsage)
			}
			var opts []synth.Option
			if o.truth {
				opts = append(opts, synth.WithTruth())
			}
			var schema table.Schema
			var write func(table.Writer) error
			switch args[0] {
			case "organisations":
				schema = synth.OrganisationSchema(o.truth)
				write = func(w table.Writer) error { return synth.WriteOrganisations(w, o.seed, o.rows, opts...) }
			case "contacts":
				orgs := o.orgs
				if orgs <= 0 {
					orgs = max(1, o.rows/3)
				}
				schema = synth.ContactSchema(o.truth)
				write = func(w table.Writer) error { return synth.WriteContacts(w, o.seed, o.rows, orgs, opts...) }
			default:
				return fmt.Errorf("%w: table must be organisations or contacts, got %q", errUsage, args[0])
			}
			w, err := datasource.Create(datasource.Config{Path: o.out}, "", schema)
			if err != nil {
				return err
			}
			if err := write(w); err != nil {
				_ = table.Abort(w)
				return err
			}
			return w.Close()
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.rows, "rows", 0, "number of rows")
	f.IntVar(&o.orgs, "orgs", 0, "contacts: number of organisations they belong to (default rows/3)")
	f.Int64Var(&o.seed, "seed", 1, "random seed")
	f.StringVar(&o.out, "out", "", "output file; the format comes from the extension")
	f.BoolVar(&o.truth, "truth", false, "add the ground-truth column true_org_id")
	return cmd
}

type genAviationOptions struct {
	dir  string
	orgs int
	seed int64
}

// newGenAviationCmd writes the three aviation workbooks in their real layouts.
func newGenAviationCmd() *cobra.Command {
	o := &genAviationOptions{}
	cmd := &cobra.Command{
		Use:   "aviation --dir DIR [--orgs N]",
		Short: "Write the three synthetic aviation workbooks (Reachout, Contact Database, SACAA)",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.dir == "" {
				return fmt.Errorf("%w: give --dir", errUsage)
			}
			truth, err := synth.WriteAviationWorkbooks(o.dir, o.seed, o.orgs)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote 3 workbooks for %d organisations to %s\n", truth.Table().NumRows(), o.dir)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "output directory")
	f.IntVar(&o.orgs, "orgs", 200, "number of real-world organisations")
	f.Int64Var(&o.seed, "seed", 1, "random seed")
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
