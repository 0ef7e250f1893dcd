package main

import (
	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/schemas"
	"github.com/hotpass/hotpass/specs"
)

func newSchemaCmd(_ *globals) *cobra.Command {
	var profile bool
	cmd := &cobra.Command{
		Use:   "schema [--profile]",
		Short: "Print the JSON Schema of pipeline specs, or of profiles (for editors)",
		Long: "Print the JSON Schema (draft 2020-12) of pipeline specs, including the `with:` options of\n" +
			"every built-in task type; with --profile, the schema of profiles. Point yaml-language-server at\n" +
			"the published schema with a first line like\n" +
			"  # yaml-language-server: $schema=" + specs.SchemaURL + "\n" +
			"or at a file you wrote with `hotpass schema > pipeline.schema.json`.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if profile {
				_, err := cmd.OutOrStdout().Write(schemas.Profile)
				return err
			}
			l, err := newLoader()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(l.Validator().JSON())
			return err
		},
	}
	cmd.Flags().BoolVar(&profile, "profile", false, "print the schema of profiles instead of pipeline specs")
	return cmd
}
