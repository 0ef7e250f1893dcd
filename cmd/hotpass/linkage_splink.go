package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/splink"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

type exportSplinkOptions struct {
	model, output string
}

func newExportSplinkCmd() *cobra.Command {
	o := &exportSplinkOptions{}
	cmd := &cobra.Command{
		Use:   "export-splink --model MODEL.json --output SPLINK.json",
		Short: "Write a trained linkage model as a Splink 4 model file",
		Long: "Read a model trained by Hotpass (the file `hotpass resolve --model` or a linkage task's model_path\n" +
			"saves) and write it as a Splink 4 model file: λ, the prediction blocking rules and every level's\n" +
			"sql_condition in DuckDB SQL with its trained m and u, ready for Splink's Linker. Levels whose DuckDB\n" +
			"SQL would not compute what Hotpass computes (lowercase or trim, dates, numbers, token sets, and\n" +
			"blocking keys other than columns and substr) are refused, each named. Splink compares strings by\n" +
			"UTF-8 bytes and Hotpass by characters, so similarities agree exactly on ASCII text only.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExportSplink(cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.model, "model", "", "trained Hotpass model file (JSON)")
	f.StringVar(&o.output, "output", "", "Splink model file to write")
	requireFlags(cmd, "model", "output")
	return cmd
}

func runExportSplink(stdout io.Writer, o *exportSplinkOptions) error {
	m, err := model.Load(o.model)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: --model: %v", errUsage, err)
		}
		// Settings are not a model: say what to do rather than which key
		// the model decoder did not expect.
		if data, rerr := os.ReadFile(o.model); rerr == nil && splink.IsModel(data) {
			return fmt.Errorf("%w: --model %s is already a Splink model file; give a model trained by Hotpass", errUsage, o.model)
		}
		if _, serr := linkjob.DecodeRawFile(o.model); serr == nil {
			return fmt.Errorf("%w: --model %s holds linkage settings, not a trained model: train it first (hotpass resolve --config %s --model model.json ...) and export model.json",
				errUsage, o.model, o.model)
		}
		return err
	}
	data, err := splink.Export(m)
	if err != nil {
		return fmt.Errorf("%s: %w", o.model, err)
	}
	f, err := atomicfile.Create(o.output)
	if err != nil {
		return fmt.Errorf("export-splink: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Abort()
		return fmt.Errorf("export-splink %s: %w", o.output, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("export-splink %s: %w", o.output, err)
	}
	fmt.Fprintf(stdout, "wrote %s: %d comparisons, %d blocking rules (Splink 4, DuckDB SQL)\n", o.output, len(m.Settings.Comparisons), len(m.Settings.BlockingRules))
	return nil
}
