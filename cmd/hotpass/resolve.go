package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/progress"
	"github.com/hotpass/hotpass/tasks/datasource"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// ResolvedFile is the deduplicated table `hotpass resolve` writes.
const ResolvedFile = "resolved.parquet"

type resolveOptions struct {
	inputs          []string
	output          string
	config          string
	idColumn        string
	modelPath       string
	matchThreshold  float64
	reviewThreshold float64
	maxComparisons  int64
	workers         int
	noProgress      bool
	useSplink       bool
	noSplink        bool
}

func newResolveCmd(g *globals) *cobra.Command {
	o := &resolveOptions{}
	cmd := &cobra.Command{
		Use:   "resolve --input F [--input F2] --output DIR [--config linkage.yaml]",
		Short: "Deduplicate or link CSV, XLSX, Parquet or JSONL files with probabilistic record linkage",
		Long: "Link the records of one or more files (Fellegi–Sunter, as Splink does it) and write into --output\n" +
			"the linkage artefacts (linkage_matches.parquet, linkage_review_queue.parquet,\n" +
			"linkage_clusters.parquet, linkage_metadata.json, linkage_report.html) and resolved.parquet: one row\n" +
			"per cluster, the cluster's most complete record (most non-empty values; ties go to the earliest\n" +
			"record), with source_dataset, cluster_id and cluster_size.\n\n" +
			"--config names the linkage settings (see examples/linkage/*.yaml). Without it every column is\n" +
			"compared by exact equality and blocked on, which finds only records equal on some column; the\n" +
			"command says so. Each file's records are named by the file's base name (source_dataset).\n" +
			"--linkage-use-splink (the default) links with the probabilistic Fellegi–Sunter model, as Splink\n" +
			"does; --no-linkage-use-splink classifies the same candidate pairs with the deterministic rules of\n" +
			"the settings' rules: block instead and trains nothing (--config must have one).\n" +
			"Exit status: 0 success, 1 the linkage failed, 2 invalid usage or settings.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runResolve(cmd.Context(), cmd, cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.inputs, "input", nil, "input file (csv, xlsx, parquet, jsonl); repeat to link several")
	f.StringVar(&o.output, "output", "", "directory for the artefacts and resolved.parquet")
	f.StringVar(&o.config, "config", "", "linkage settings file (YAML or JSON)")
	f.StringVar(&o.idColumn, "id-column", "", "unique id column (default: the settings' unique_id_column, or unique_id)")
	f.StringVar(&o.modelPath, "model", "", "model file: loaded when it exists (no training), else the trained model is saved there")
	f.Float64Var(&o.matchThreshold, "match-threshold", 0, "match probability at or above which a pair is a match (overrides the settings)")
	f.Float64Var(&o.reviewThreshold, "review-threshold", 0, "match probability at or above which a pair goes to clerical review (overrides the settings)")
	f.Int64Var(&o.maxComparisons, "max-comparisons", 0, "cap on the candidate pairs of the blocking rules (overrides the settings)")
	f.IntVar(&o.workers, "max-concurrency", 0, "pairs scored in parallel by this many workers (default: the number of CPUs)")
	f.BoolVar(&o.noProgress, "no-progress", false, "no live progress display (stages, pairs scored, ETA) on a terminal")
	f.BoolVar(&o.useSplink, "linkage-use-splink", true, "link with the probabilistic (Fellegi–Sunter, Splink) model")
	f.BoolVar(&o.noSplink, "no-linkage-use-splink", false, "classify pairs with the deterministic rules of the settings' rules: block instead of the model")
	aliasFlags(cmd, map[string]string{"workers": "max-concurrency"})
	requireFlags(cmd, "input", "output")
	return cmd
}

func runResolve(ctx context.Context, cmd *cobra.Command, stdout, stderr io.Writer, g *globals, o *resolveOptions) error {
	if o.workers < 0 {
		return fmt.Errorf("%w: --max-concurrency must be at least 1, got %d", errUsage, o.workers)
	}
	rules, err := linkageRules(cmd.Flags().Changed("linkage-use-splink"), o.useSplink, o.noSplink)
	if err != nil {
		return err
	}
	ov := linkjob.Overrides{}
	if cmd.Flags().Changed("match-threshold") {
		ov.MatchThreshold = &o.matchThreshold
	}
	if cmd.Flags().Changed("review-threshold") {
		ov.ReviewThreshold = &o.reviewThreshold
	}
	if cmd.Flags().Changed("max-comparisons") {
		ov.MaxComparisons = &o.maxComparisons
	}
	inputs, err := readLinkInputs(ctx, o.inputs)
	if err != nil {
		return err
	}
	s, err := resolveSettings(stdout, o, ov, inputs)
	if err != nil {
		return err
	}
	if rules && len(s.Rules) == 0 {
		if o.config == "" {
			return fmt.Errorf("%w: --no-linkage-use-splink classifies pairs with deterministic rules: give --config with a rules: block (as profiles/aviation.yaml's linkage: block has)", errUsage)
		}
		return fmt.Errorf("%w: --no-linkage-use-splink: the linkage settings %s have no rules: block; add one (as profiles/aviation.yaml's linkage: block has) or drop the flag", errUsage, o.config)
	}
	display := progress.NewStages(stderr, isTerminal(stderr) && !o.noProgress, "pairs")
	defer display.Close()
	log := slog.New(slog.NewTextHandler(display, &slog.HandlerOptions{Level: parseLevel(g.logLevel)}))
	res, err := linkjob.Run(ctx, linkjob.Config{Settings: s, ModelPath: o.modelPath, OutputDir: o.output, Workers: o.workers, Rules: rules,
		Logger: log, Title: "Record linkage: " + strings.Join(inputNames(inputs), ", "),
		Progress: func(st linkjob.Stage) { display.Begin(st.Name, st.Done, st.Total) }}, inputs)
	display.Close()
	if err != nil {
		return err
	}
	resolved, err := linkjob.Resolved(res.Linker.Records(), inputs, res.Clusters.Labels, res.Clusters.NumClusters)
	if err != nil {
		return err
	}
	path := filepath.Join(o.output, ResolvedFile)
	if err := linkjob.WriteParquet(path, resolved); err != nil {
		return err
	}
	res.Files[ResolvedFile] = path
	printLinkSummary(stdout, res)
	return nil
}

// linkageRules reads --linkage-use-splink and --no-linkage-use-splink
// (useSet: the first was given): true means classify pairs with the
// settings' rules. Giving both at once is a usage error rather than a
// silent pick of one.
func linkageRules(useSet, use, no bool) (bool, error) {
	if no && useSet && use {
		return false, fmt.Errorf("%w: --linkage-use-splink and --no-linkage-use-splink contradict each other; give one", errUsage)
	}
	return no || !use, nil
}

// resolveSettings loads --config with the overrides, or builds the
// exact-match settings and says so.
func resolveSettings(stdout io.Writer, o *resolveOptions, ov linkjob.Overrides, inputs []records.Input) (settings.Settings, error) {
	if o.config != "" {
		raw, err := linkjob.DecodeRawFile(o.config)
		if err != nil {
			return settings.Settings{}, fmt.Errorf("%w: %v", errUsage, err)
		}
		if o.idColumn != "" {
			raw.UniqueIDColumn = o.idColumn
		}
		if err := linkjob.CheckThresholds(linkjob.EffectiveThresholds(raw, ov)); err != nil {
			return settings.Settings{}, fmt.Errorf("%w: %v", errUsage, err)
		}
		s, err := linkjob.ApplyOverrides(raw, ov)
		if err != nil {
			return settings.Settings{}, fmt.Errorf("%w: linkage settings %s: %v", errUsage, o.config, err)
		}
		return s, nil
	}
	id := o.idColumn
	if id == "" {
		id = settings.DefaultUniqueIDColumn
	}
	s, err := linkjob.ExactSettings(inputs[0].Table, id, datasource.SourceFileColumn)
	if err != nil {
		return settings.Settings{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	if len(inputs) > 1 {
		s.LinkType = settings.LinkAndDedupe
	}
	if err := linkjob.CheckThresholds(linkjob.EffectiveThresholds(s, ov)); err != nil {
		return settings.Settings{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	if s, err = linkjob.ApplyOverrides(s, ov); err != nil {
		return settings.Settings{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	var cols []string
	for _, c := range s.Comparisons {
		cols = append(cols, c.Column)
	}
	fmt.Fprintf(stdout, "note: no --config given: comparing every column by exact equality (%s) and blocking on each;\n"+
		"      only records equal on some column can match. Write a settings file for fuzzy matching\n"+
		"      (see examples/linkage/*.yaml) and pass it with --config.\n", strings.Join(cols, ", "))
	return s, nil
}

// readLinkInputs reads each file; its records are named by the file's
// base name without extension, made distinct.
func readLinkInputs(ctx context.Context, paths []string) ([]records.Input, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: give at least one --input file", errUsage)
	}
	seen := map[string]int{}
	var out []records.Input
	for _, p := range paths {
		t, err := datasource.Read(ctx, datasource.Config{Path: p}, ".")
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		name := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		seen[name]++
		if n := seen[name]; n > 1 {
			name = fmt.Sprintf("%s_%d", name, n)
		}
		out = append(out, records.Input{Name: name, Table: t})
	}
	return out, nil
}

func inputNames(inputs []records.Input) []string {
	out := make([]string, len(inputs))
	for i, in := range inputs {
		out[i] = in.Name
	}
	return out
}

func printLinkSummary(w io.Writer, res *linkjob.Result) {
	m := res.Metadata
	for _, in := range m.Inputs {
		fmt.Fprintf(w, "input %s: %d records\n", in.Name, in.Records)
	}
	fmt.Fprintf(w, "model: %s\n", m.Model.Source)
	fmt.Fprintf(w, "pairs compared: %d (match %d, review %d, reject %d) at match ≥ %g, review ≥ %g\n",
		m.Pairs.Compared, m.Pairs.Match, m.Pairs.Review, m.Pairs.Reject, m.Thresholds.Match, m.Thresholds.Review)
	fmt.Fprintf(w, "clusters: %d (largest %d, singletons %d)\n", m.Clusters.Count, m.Clusters.Largest, m.Clusters.Singletons)
	if m.Decisions.Read > 0 {
		fmt.Fprintf(w, "reviewer decisions: %d read, %d must-link, %d cannot-link applied\n", m.Decisions.Read, m.Decisions.MustLink, m.Decisions.CannotLink)
	}
	if len(res.Warnings) > 0 {
		fmt.Fprintf(w, "warnings: %d (see %s)\n", len(res.Warnings), linkjob.MetadataFile)
	}
	names := make([]string, 0, len(res.Files))
	for n := range res.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "wrote %s\n", res.Files[n])
	}
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelWarn
	}
	return l
}
