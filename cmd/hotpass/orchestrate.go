package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/internal/progress"
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
	params        paramOptions
	maxConc       int
	engine        string
	temporal      temporalFlags

	// Entity resolution (see the profile's linkage: block).
	entityResolution bool
	linkMatch        float64
	linkReview       float64
	linkOutputDir    string
	useSplink        bool
	useSplinkSet     bool // --linkage-use-splink given explicitly
	noSplink         bool
	lsURL            string
	lsToken          string
	lsProject        int64
}

// labelStudioTokenEnv is the environment variable the built-in pipelines
// read the Label Studio API token from; --label-studio-token answers it
// for the run (the process environment is left alone) so that the token
// is never a param (params are kept in run records) and is redacted from
// logs like every value read from the environment.
const labelStudioTokenEnv = "HOTPASS_LABEL_STUDIO_TOKEN"

func newOrchestrateCmd(g *globals) *cobra.Command {
	o := &orchestrateOptions{}
	cmd := &cobra.Command{
		Use:   "orchestrate --profile P [--input-dir DIR] [--output F]",
		Short: "Refine a folder of spreadsheets into the SSOT workbook with a profile's built-in pipeline",
		Long: "Run a profile's built-in pipeline: refine the workbooks in --input-dir, check the profile's\n" +
			"expectations, enrich, and write the SSOT workbook (Data and Summary sheets), a Parquet copy and\n" +
			"a quality report. The flags become the pipeline's params; --print-spec writes that pipeline out\n" +
			"so a team can commit and edit it.\n" +
			"--enable-entity-resolution merges organisations by probabilistic linkage (the profile's linkage:\n" +
			"settings) instead of by name key, before the workbook is written, and writes the linkage artefacts\n" +
			"to --linkage-output-dir. With --label-studio-url and --label-studio-project, pairs in the review band\n" +
			"go to Label Studio and reviewers' decisions come back as must-link/cannot-link constraints; the API\n" +
			"token is read from $" + labelStudioTokenEnv + " (or --label-studio-token, which sets it for the run).\n" +
			"--linkage-use-splink (the default) links with the probabilistic Fellegi–Sunter model, as Splink\n" +
			"does; --no-linkage-use-splink classifies pairs with the deterministic rules of the profile's linkage\n" +
			"rules: block instead (same blocking and artefacts, with the rule that fired recorded on each pair).\n" +
			"Exit status: 0 success, 1 a task failed, 2 invalid usage, 3 data validation failed (--policy fail).",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.useSplinkSet = cmd.Flags().Changed("linkage-use-splink")
			return runOrchestrate(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.profile, "profile", "aviation", "built-in profile whose pipeline to run ("+strings.Join(profiles.Names(), ", ")+")")
	f.StringVar(&o.inputDir, "input-dir", "data", "directory holding the source workbooks")
	f.StringVar(&o.outputPath, "output", "", "SSOT workbook to write (default dist/<profile>/refined.xlsx)")
	f.StringVar(&o.reportPath, "report-path", "", "quality report to write as <path>.json and <path>.html (default quality-report next to --output)")
	f.StringVar(&o.policy, "policy", "warn", "what failed expectations do: fail (exit 3), warn, or drop the rows")
	f.BoolVar(&o.printSpec, "print-spec", false, "print the profile's pipeline spec instead of running it")
	f.BoolVar(&o.noProgress, "no-progress", false, "print plain log lines instead of live progress")
	f.BoolVar(&o.observability, "enable-observability", false, "export traces, metrics and logs with OpenTelemetry (configured by OTEL_* variables)")
	f.StringVar(&o.date, "date", "", "logical date of the run (run.date), YYYY-MM-DD; default today (UTC)")
	f.BoolVar(&o.entityResolution, "enable-entity-resolution", false, "merge organisations by probabilistic linkage instead of by name key")
	f.Float64Var(&o.linkMatch, "match-threshold", 0, "match probability threshold of entity resolution (default: the profile's)")
	f.Float64Var(&o.linkReview, "review-threshold", 0, "review probability threshold of entity resolution (default: the profile's)")
	f.StringVar(&o.linkOutputDir, "linkage-output-dir", "", "directory for the linkage artefacts (default dist/<profile>/linkage)")
	f.StringVar(&o.lsURL, "label-studio-url", "", "Label Studio base URL for clerical review of uncertain pairs")
	f.BoolVar(&o.useSplink, "linkage-use-splink", true, "entity resolution with the probabilistic (Fellegi–Sunter, Splink) model")
	f.BoolVar(&o.noSplink, "no-linkage-use-splink", false, "entity resolution with the deterministic rules of the profile's linkage rules: block instead of the model")
	f.StringVar(&o.lsToken, "label-studio-token", "", "Label Studio API token, used for this run only and never stored; prefer $"+labelStudioTokenEnv+
		", because a command-line argument is visible to other users in the process list and kept in shell history")
	f.Int64Var(&o.lsProject, "label-studio-project", 0, "id of the Label Studio review project")
	f.IntVar(&o.maxConc, "max-concurrency", 0, "override the pipeline's global concurrency limit")
	f.StringVar(&o.engine, "engine", engineEmbedded, "where the tasks run: embedded (this process) or temporal (workers of a Temporal cluster)")
	o.temporal.add(cmd)
	addParamFlags(cmd, &o.params, "the profile's pipeline (see --print-spec), over what the other flags set")
	// The names these flags had before every command used one name per
	// concept (the operator how-to still uses them).
	aliasFlags(cmd, map[string]string{
		"output-path":              "output",
		"linkage-match-threshold":  "match-threshold",
		"linkage-review-threshold": "review-threshold",
	})
	return cmd
}

func runOrchestrate(ctx context.Context, stdout, stderr io.Writer, g *globals, o *orchestrateOptions) error {
	if o.printSpec {
		return printProfileSpec(stdout, o)
	}
	if o.maxConc < 0 {
		return fmt.Errorf("%w: --max-concurrency must be at least 1, got %d", errUsage, o.maxConc)
	}
	fromJSON, flags, err := o.params.parse()
	if err != nil {
		return err
	}
	switch o.policy {
	case "fail", "warn", "drop":
	default:
		return fmt.Errorf("%w: --policy must be fail, warn or drop, got %q", errUsage, o.policy)
	}
	if o.engine != engineEmbedded && o.engine != engineTemporal {
		return fmt.Errorf("%w: --engine must be %s or %s, got %q", errUsage, engineEmbedded, engineTemporal, o.engine)
	}
	if o.engine == engineTemporal && o.lsToken != "" {
		// The workers render the spec from their own environment; a token
		// given here would have to travel through Temporal to reach them.
		return fmt.Errorf("%w: --label-studio-token cannot reach Temporal workers: set $%s in the workers' environment instead", errUsage, labelStudioTokenEnv)
	}
	if err := checkProfileInputs(o.profile, o.inputDir); err != nil {
		return err
	}
	if o.outputPath == "" {
		o.outputPath = filepath.Join("dist", o.profile, "refined.xlsx")
	}
	if o.reportPath == "" {
		// Next to the workbook, so a second run elsewhere keeps the first.
		o.reportPath = filepath.Join(filepath.Dir(o.outputPath), "quality-report")
	}
	// Both report files share the stem, so a path naming either one means
	// the same thing.
	o.reportPath = strings.TrimSuffix(strings.TrimSuffix(o.reportPath, ".html"), ".json")
	params := map[string]string{"policy": o.policy}
	if err := entityResolutionParams(o, params); err != nil {
		return err
	}
	for name, p := range map[string]string{"input_dir": o.inputDir, "output_path": o.outputPath, "report_path": o.reportPath} {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		params[name] = abs
	}
	for k, v := range flags {
		params[k] = v // --param is the last word
	}
	if o.engine == engineTemporal {
		// The profile's pipeline source, as --print-spec shows it, goes to
		// the workers; they render it with these params as a local run would.
		err := submitToTemporal(ctx, stdout, stderr, g, &o.temporal, temporalRun{
			spec: runner.ProfilePrefix + o.profile, paramsJSON: fromJSON, paramFlags: params, date: o.date,
			maxConcurrency: o.maxConc, noProgress: o.noProgress,
		})
		if err == nil {
			printOrchestrateOutputs(stdout, o, params)
		}
		return err
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	display := progress.New(stderr, isTerminal(stderr) && !o.noProgress)
	opts := []hotpass.Option{hotpass.WithEnvTelemetry(hotpass.EnvTelemetry{Enabled: o.observability, ServiceVersion: buildVersion(), Stderr: display})}
	if o.lsToken != "" {
		opts = append(opts, hotpass.WithEnv(hotpass.Env(os.LookupEnv, hotpass.Secret{Name: labelStudioTokenEnv, Value: o.lsToken})))
	}
	r, err := newRunner(st, g, display, stderr, opts...)
	if err != nil {
		return err
	}
	res, runErr := r.Run(ctx, hotpass.Profile(o.profile), hotpass.Params(fromJSON), hotpass.ParamText(params), hotpass.Date(o.date),
		hotpass.MaxConcurrency(o.maxConc))
	display.Close()
	rec := record(res)
	err = runOutcome(stdout, g, rec, runErr)
	if rec != nil && (err == nil || rec.Task("enrich") != nil && rec.Task("enrich").Status == "succeeded") {
		printOrchestrateOutputs(stdout, o, params)
	}
	return err
}

// printOrchestrateOutputs says where the run wrote its workbook, Parquet
// copy, report and linkage artefacts.
func printOrchestrateOutputs(stdout io.Writer, o *orchestrateOptions, params map[string]string) {
	fmt.Fprintf(stdout, "workbook: %s\n", params["output_path"])
	fmt.Fprintf(stdout, "parquet:  %s\n", strings.TrimSuffix(params["output_path"], filepath.Ext(params["output_path"]))+".parquet")
	fmt.Fprintf(stdout, "report:   %s.html\n", params["report_path"])
	if o.entityResolution {
		fmt.Fprintf(stdout, "linkage:  %s\n", params["linkage_output_dir"])
	}
}

// entityResolutionParams sets the pipeline params of the entity-resolution
// flags. Thresholds of 0 are not set (0 is no valid threshold).
func entityResolutionParams(o *orchestrateOptions, params map[string]string) (err error) {
	rules, err := linkageRules(o.useSplinkSet, o.useSplink, o.noSplink)
	if err != nil {
		return err
	}
	if !o.entityResolution {
		if o.linkMatch != 0 || o.linkReview != 0 || o.linkOutputDir != "" || o.lsURL != "" || o.lsToken != "" || o.lsProject != 0 ||
			o.noSplink || o.useSplinkSet {
			return fmt.Errorf("%w: the --match-threshold, --review-threshold, --linkage-output-dir, --[no-]linkage-use-splink and --label-studio-* flags need --enable-entity-resolution", errUsage)
		}
		return nil
	}
	params["entity_resolution"] = "true"
	params["linkage_use_splink"] = strconv.FormatBool(!rules)
	for _, th := range []struct {
		flag, param string
		v           float64
	}{{"match-threshold", "linkage_match_threshold", o.linkMatch}, {"review-threshold", "linkage_review_threshold", o.linkReview}} {
		if th.v == 0 {
			continue
		}
		if th.v < 0 || th.v > 1 {
			return fmt.Errorf("%w: --%s must be a probability in (0, 1], got %g", errUsage, th.flag, th.v)
		}
		params[th.param] = strconv.FormatFloat(th.v, 'g', -1, 64)
	}
	if o.linkMatch != 0 && o.linkReview > o.linkMatch {
		return fmt.Errorf("%w: --review-threshold %g is above --match-threshold %g; pairs between them go to review, so review must not exceed match",
			errUsage, o.linkReview, o.linkMatch)
	}
	dir := o.linkOutputDir
	if dir == "" {
		dir = filepath.Join("dist", o.profile, "linkage")
	}
	if params["linkage_output_dir"], err = filepath.Abs(dir); err != nil {
		return err
	}
	if o.lsURL != "" {
		if o.lsProject <= 0 {
			return fmt.Errorf("%w: --label-studio-url needs --label-studio-project (the review project's id)", errUsage)
		}
		params["label_studio_url"] = o.lsURL
		params["label_studio_project"] = strconv.FormatInt(o.lsProject, 10)
	}
	return nil
}
