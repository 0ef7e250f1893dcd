package main

import (
	"github.com/spf13/cobra"
)

func newSchemaCmd(_ *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of pipeline specs (for editors)",
		Long: "Print the JSON Schema (draft 2020-12) of pipeline specs, including the `with:` options of\n" +
			"every built-in task type. Point yaml-language-server at it with a first line like\n" +
			"  # yaml-language-server: $schema=../schemas/pipeline.schema.json",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := newLoader()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(l.Validator().JSON())
			return err
		},
	}
}
