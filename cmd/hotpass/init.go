package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/scaffold"
	"github.com/spf13/cobra"
)

// schemaFile is the name the scaffolded spec's yaml-language-server comment
// points at; it is written next to the spec so editors work offline and
// check against this binary's task types.
const schemaFile = "pipeline.schema.json"

func newInitCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Start a project: a pipeline spec, sample data and a pre-commit hook",
		Long: "Write a pipeline spec (pipeline.yaml) that reads data/contacts.csv, checks it and writes\n" +
			"out/contacts.csv, the JSON Schema editors check the spec against, and a\n" +
			".pre-commit-config.yaml that runs `hotpass validate` on the spec. DIR defaults to the\n" +
			"current directory. Existing files are left alone and the command fails naming them,\n" +
			"unless --force.",
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			l, err := newLoader()
			if err != nil {
				return err
			}
			files := append(scaffold.Files(), scaffold.File{Name: schemaFile, Data: l.Validator().JSON()})
			if err := scaffold.Write(dir, files, force); err != nil {
				var exists *scaffold.ExistsError
				if errors.As(err, &exists) {
					return exitcode.Wrap(exitcode.Invalid, err)
				}
				return err
			}
			out := cmd.OutOrStdout()
			for _, f := range files {
				fmt.Fprintf(out, "wrote %s\n", filepath.Join(dir, filepath.FromSlash(f.Name)))
			}
			fmt.Fprintf(out, "next: hotpass validate %[1]s && hotpass run %[1]s\n", filepath.Join(dir, "pipeline.yaml"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that exist")
	return cmd
}

// maxArgs is cobra.MaximumNArgs with errors marked as usage errors.
func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.MaximumNArgs(n)(cmd, args); err != nil {
			return fmt.Errorf("%w: %v (see `%s --help`)", errUsage, err, cmd.CommandPath())
		}
		return nil
	}
}
