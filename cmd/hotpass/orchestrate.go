package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/internal/progress"
	"github.com/hotpass/hotpass/internal/redact"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/profiles"
)

type orchestrateOptions struct {
	profile       string
	inputDir      string
	outputPath    string
	reportPath    string
	policy        string
	printSpec     bool
	noProgress    bool
	observability bool
	date          string
}

func newOrchestrateCmd(g *globals) *cobra.Command {
	o := &orchestrateOptions{}
	cmd := &cobra.Command{
		Use:   "orchestrate --profile P [--input-dir DIR] [--output-path F]",
		Short: "Refine a folder of spreadsheets into the SSOT workbook with a profile's built-in pipeline",
		Long: "Run a profile's built-in pipeline: refine the workbooks in --input-dir, check the profile's\n" +
			"expectations, enrich, and write the SSOT workbook (Data and Summary sheets), a Parquet copy and\n" +
			"a quality report. The flags become the pipeline's params; --print-spec writes that pipeline out\n" +
			"so a team can commit and edit it.\n" +
			"Exit status: 0 success, 1 a task failed, 2 invalid usage, 3 data validation failed (--policy fail).",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOrchestrate(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.profile, "profile", "aviation", "built-in profile whose pipeline to run ("+strings.Join(profiles.Names(), ", ")+")")
	f.StringVar(&o.inputDir, "input-dir", "data", "directory holding the source workbooks")
	f.StringVar(&o.outputPath, "output-path", "", "SSOT workbook to write (default dist/<profile>/refined.xlsx)")
	f.StringVar(&o.reportPath, "report-path", "", "quality report to write as <path>.json and <path>.html (default dist/<profile>/quality-report)")
	f.StringVar(&o.policy, "policy", "warn", "what failed expectations do: fail (exit 3), warn, or drop the rows")
	f.BoolVar(&o.printSpec, "print-spec", false, "print the profile's pipeline spec instead of running it")
	f.BoolVar(&o.noProgress, "no-progress", false, "print plain log lines instead of live progress")
	f.BoolVar(&o.observability, "enable-observability", false, "export traces, metrics and logs with OpenTelemetry (configured by OTEL_* variables)")
	f.StringVar(&o.date, "date", "", "logical date of the run (run.date), YYYY-MM-DD; default today (UTC)")
	return cmd
}

func runOrchestrate(ctx context.Context, stdout, stderr io.Writer, g *globals, o *orchestrateOptions) error {
	if o.printSpec {
		src, err := profiles.PipelineSpec(o.profile)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		_, err = stdout.Write(src)
		return err
	}
	switch o.policy {
	case "fail", "warn", "drop":
	default:
		return fmt.Errorf("%w: --policy must be fail, warn or drop, got %q", errUsage, o.policy)
	}
	if fi, err := os.Stat(o.inputDir); err != nil || !fi.IsDir() {
		return fmt.Errorf("%w: --input-dir %s is not a directory", errUsage, o.inputDir)
	}
	if o.outputPath == "" {
		o.outputPath = filepath.Join("dist", o.profile, "refined.xlsx")
	}
	if o.reportPath == "" {
		o.reportPath = filepath.Join("dist", o.profile, "quality-report")
	}
	params := map[string]string{"policy": o.policy}
	for name, p := range map[string]string{"input_dir": o.inputDir, "output_path": o.outputPath, "report_path": o.reportPath} {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		params[name] = abs
	}
	l, err := newLoader()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	display := progress.New(stderr, isTerminal(stderr) && !o.noProgress)
	rec, runErr := runner.Run(ctx, runner.Options{
		Store:      st,
		Loader:     l,
		StateDir:   g.stateDir,
		SpecPath:   runner.ProfilePrefix + o.profile,
		ParamFlags: params,
		Date:       o.date,
		Display:    display,
		Logger:     func(red *redact.Redactor) *slog.Logger { return newLogger(display, g.logLevel, red) },
		Warnings:   stderr,
		Telemetry:  runner.TelemetryOptions{Enabled: o.observability, ServiceVersion: version, Profile: o.profile, Stderr: stderr},
	})
	display.Close()
	err = runOutcome(stdout, g, rec, runErr)
	if rec != nil && (err == nil || rec.Task("enrich") != nil && rec.Task("enrich").Status == "succeeded") {
		fmt.Fprintf(stdout, "workbook: %s\n", params["output_path"])
		fmt.Fprintf(stdout, "parquet:  %s\n", strings.TrimSuffix(params["output_path"], filepath.Ext(params["output_path"]))+".parquet")
		fmt.Fprintf(stdout, "report:   %s.html\n", params["report_path"])
	}
	return err
}
