package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/engine"
)

type graphOptions struct {
	format string
}

func newGraphCmd(_ *globals) *cobra.Command {
	o := &graphOptions{}
	cmd := &cobra.Command{
		Use:   "graph SPEC",
		Short: "Print the task graph as Mermaid or Graphviz DOT",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGraph(cmd.Context(), cmd.OutOrStdout(), o, args[0])
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "mermaid", "output format: mermaid or dot")
	return cmd
}

func runGraph(_ context.Context, out io.Writer, o *graphOptions, path string) error {
	if o.format != "mermaid" && o.format != "dot" {
		return fmt.Errorf("%w: --format must be mermaid or dot, got %q", errUsage, o.format)
	}
	l, err := newLoader()
	if err != nil {
		return err
	}
	spec, _, err := l.Load(path, false, nil)
	if err != nil {
		return err
	}
	prep, err := l.Prepare(spec, engine.PrepareOptions{Lenient: true, ParamFlags: placeholderParams(spec)})
	if err != nil {
		return err
	}
	if o.format == "dot" {
		_, err = io.WriteString(out, prep.Plan.DOT())
	} else {
		_, err = io.WriteString(out, prep.Plan.Mermaid())
	}
	return err
}
