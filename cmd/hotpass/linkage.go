package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkage/blocking"
	"github.com/hotpass/hotpass/internal/linkage/evaluate"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/tasks/datasource"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

func newLinkageCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "linkage",
		Short: "Evaluate linkage results, check blocking rules and export models to Splink",
	}
	cmd.AddCommand(newLinkageEvaluateCmd(), newBlockingStatsCmd(), newExportSplinkCmd())
	return cmd
}

type evaluateOptions struct {
	predictions string
	truthColumn string
	inputs      []string
	labels      string
	threshold   float64
	format      string
}

func newLinkageEvaluateCmd() *cobra.Command {
	o := &evaluateOptions{}
	cmd := &cobra.Command{
		Use:   "evaluate --predictions DIR (--truth-column C --input F | --labels F)",
		Short: "Score a linkage run's pairs against ground truth: precision, recall, F1 and the best threshold",
		Long: "Read linkage_matches.parquet and linkage_metadata.json from --predictions (the output directory of\n" +
			"`hotpass resolve` or a linkage task) and score its pairs against ground truth: either a column of\n" +
			"the input file(s) holding each record's true entity (--truth-column with --input), or a CSV of\n" +
			"labelled pairs (--labels: unique_id_l, source_dataset_l, unique_id_r, source_dataset_r,\n" +
			"clerical_match_score; a score of 0.5 or more is a true match, and only labelled pairs count).\n" +
			"Prints the confusion counts at --threshold (default the run's match threshold) and the threshold\n" +
			"with the best F1. Only pairs at or above the run's review threshold are kept by a run, so lower\n" +
			"thresholds cannot be evaluated.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEvaluate(cmd.Context(), cmd, cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.predictions, "predictions", "", "output directory of a linkage run")
	f.StringVar(&o.truthColumn, "truth-column", "", "column of the input holding each record's true entity")
	f.StringArrayVar(&o.inputs, "input", nil, "input file(s) of the run, in the same order (with --truth-column)")
	f.StringVar(&o.labels, "labels", "", "CSV of labelled pairs")
	f.Float64Var(&o.threshold, "threshold", 0, "match probability threshold to score at (default: the run's match threshold)")
	addFormatFlag(cmd, &o.format)
	requireFlags(cmd, "predictions")
	return cmd
}

// scoredPair is a predicted pair from linkage_matches.parquet.
type scoredPair struct {
	left, right recordKey
	prob        float64
}

type recordKey struct{ source, id string }

func (k recordKey) String() string { return k.source + "/" + k.id }

// truthOracle says whether a pair is a true match and how many true pairs
// there are in all.
type truthOracle struct {
	describe  string
	positives int64
	isTrue    func(a, b recordKey) (bool, error)
}

func runEvaluate(ctx context.Context, cmd *cobra.Command, stdout io.Writer, o *evaluateOptions) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	switch {
	case o.labels != "" && (o.truthColumn != "" || len(o.inputs) > 0):
		return fmt.Errorf("%w: give --labels or --truth-column with --input, not both", errUsage)
	case o.labels == "" && (o.truthColumn == "" || len(o.inputs) == 0):
		return fmt.Errorf("%w: give --truth-column C with --input F, or --labels F", errUsage)
	}
	data, err := os.ReadFile(filepath.Join(o.predictions, linkjob.MetadataFile))
	if err != nil {
		return fmt.Errorf("%w: --predictions %s is not a linkage output directory: %v", errUsage, o.predictions, err)
	}
	meta, err := linkjob.ReadMetadata(data)
	if err != nil {
		return err
	}
	pairs, err := readScoredPairs(filepath.Join(o.predictions, linkjob.MatchesFile))
	if err != nil {
		return err
	}
	var oracle *truthOracle
	if o.labels != "" {
		oracle, err = labelOracle(o.labels)
	} else {
		oracle, err = columnOracle(ctx, meta, o.inputs, o.truthColumn)
	}
	if err != nil {
		return err
	}
	th := meta.Thresholds.Match
	if cmd.Flags().Changed("threshold") {
		th = o.threshold
	}
	if math.IsNaN(th) || math.IsInf(th, 0) {
		return fmt.Errorf("%w: --threshold must be a number between the review threshold %g and 1", errUsage, meta.Thresholds.Review)
	}
	if th < meta.Thresholds.Review {
		return fmt.Errorf("%w: --threshold %g is below the run's review threshold %g: pairs under it were not kept", errUsage, th, meta.Thresholds.Review)
	}
	truth := make([]bool, len(pairs))
	for k, p := range pairs {
		if truth[k], err = oracle.isTrue(p.left, p.right); err != nil {
			return err
		}
	}
	at := scoreAt(pairs, truth, oracle.positives, th)
	bt, best := bestThreshold(pairs, truth, oracle.positives, meta.Thresholds.Review)
	if o.format == formatJSON {
		return writeJSON(stdout, evaluateJSON{Predictions: o.predictions, Pairs: len(pairs), ReviewThreshold: meta.Thresholds.Review,
			MatchThreshold: meta.Thresholds.Match, Truth: oracle.describe, TruePairs: oracle.positives,
			AtThreshold: newScoresJSON(th, at), Best: newScoresJSON(bt, best)})
	}
	fmt.Fprintf(stdout, "predictions: %s (%d pairs at or above the review threshold %g)\n", o.predictions, len(pairs), meta.Thresholds.Review)
	fmt.Fprintf(stdout, "truth: %s (%d true pairs)\n", oracle.describe, oracle.positives)
	fmt.Fprintf(stdout, "at threshold %g: %s\n", th, formatScores(at))
	fmt.Fprintf(stdout, "best threshold %s: %s\n", strconv.FormatFloat(bt, 'g', 4, 64), formatScores(best))
	return nil
}

// evaluateJSON is what `linkage evaluate --format json` prints.
type evaluateJSON struct {
	Predictions     string     `json:"predictions"`
	Pairs           int        `json:"pairs"`
	ReviewThreshold float64    `json:"review_threshold"`
	MatchThreshold  float64    `json:"match_threshold"`
	Truth           string     `json:"truth"`
	TruePairs       int64      `json:"true_pairs"`
	AtThreshold     scoresJSON `json:"at_threshold"`
	Best            scoresJSON `json:"best"`
}

// scoresJSON is the confusion counts and scores at one threshold.
type scoresJSON struct {
	Threshold      float64 `json:"threshold"`
	Precision      float64 `json:"precision"`
	Recall         float64 `json:"recall"`
	F1             float64 `json:"f1"`
	TruePositives  int64   `json:"true_positives"`
	FalsePositives int64   `json:"false_positives"`
	FalseNegatives int64   `json:"false_negatives"`
}

func newScoresJSON(th float64, s evaluate.Scores) scoresJSON {
	return scoresJSON{Threshold: th, Precision: s.Precision, Recall: s.Recall, F1: s.F1,
		TruePositives: s.TruePositives, FalsePositives: s.FalsePositives, FalseNegatives: s.FalseNegatives}
}

func formatScores(s evaluate.Scores) string {
	return fmt.Sprintf("precision %.4f recall %.4f F1 %.4f (TP %d FP %d FN %d)",
		s.Precision, s.Recall, s.F1, s.TruePositives, s.FalsePositives, s.FalseNegatives)
}

func scoreAt(pairs []scoredPair, truth []bool, positives int64, th float64) evaluate.Scores {
	var s evaluate.Scores
	for k, p := range pairs {
		if p.prob < th {
			continue
		}
		if truth[k] {
			s.TruePositives++
		} else {
			s.FalsePositives++
		}
	}
	return finish(s, positives)
}

func finish(s evaluate.Scores, positives int64) evaluate.Scores {
	s.FalseNegatives = positives - s.TruePositives
	tp, fp, fn := float64(s.TruePositives), float64(s.FalsePositives), float64(s.FalseNegatives)
	if tp+fp > 0 {
		s.Precision = tp / (tp + fp)
	}
	if tp+fn > 0 {
		s.Recall = tp / (tp + fn)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	return s
}

// bestThreshold sweeps the pairs' probabilities from the highest down and
// returns the threshold with the highest F1 (the highest such threshold on
// ties); floor is the lowest threshold the run kept pairs for.
func bestThreshold(pairs []scoredPair, truth []bool, positives int64, floor float64) (float64, evaluate.Scores) {
	order := make([]int, len(pairs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case pairs[a].prob > pairs[b].prob:
			return -1
		case pairs[a].prob < pairs[b].prob:
			return 1
		}
		return 0
	})
	bestTh, best := 1.0, finish(evaluate.Scores{}, positives)
	var s evaluate.Scores
	for i, k := range order {
		if truth[k] {
			s.TruePositives++
		} else {
			s.FalsePositives++
		}
		if i+1 < len(order) && pairs[order[i+1]].prob == pairs[k].prob {
			continue
		}
		if f := finish(s, positives); f.F1 > best.F1 {
			bestTh, best = max(pairs[k].prob, floor), f
		}
	}
	return bestTh, best
}

func readScoredPairs(path string) ([]scoredPair, error) {
	t, err := readParquetFile(path)
	if err != nil {
		return nil, err
	}
	cols := map[string]*table.Column{}
	for _, n := range []string{"unique_id_l", "source_dataset_l", "unique_id_r", "source_dataset_r", "match_probability"} {
		if cols[n] = t.ColumnByName(n); cols[n] == nil {
			return nil, fmt.Errorf("%s: no column %q; is it a linkage_matches.parquet?", path, n)
		}
	}
	out := make([]scoredPair, t.NumRows())
	probs := cols["match_probability"].Float64s()
	for i := range out {
		out[i] = scoredPair{
			left:  recordKey{cols["source_dataset_l"].Format(i), cols["unique_id_l"].Format(i)},
			right: recordKey{cols["source_dataset_r"].Format(i), cols["unique_id_r"].Format(i)},
			prob:  probs[i],
		}
	}
	return out, nil
}

func readParquetFile(path string) (*table.Table, error) {
	r, err := parquetio.Open(path)
	if err != nil {
		return nil, err
	}
	t, err := table.ReadAll(r)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return t, nil
}

// columnOracle reads each record's true entity from the input files: the
// files are matched to the run's inputs by position, records by id.
func columnOracle(ctx context.Context, meta *linkjob.Metadata, files []string, column string) (*truthOracle, error) {
	if len(files) != len(meta.Inputs) {
		return nil, fmt.Errorf("%w: the run linked %d input(s) but %d --input file(s) were given; give them in the run's order", errUsage, len(meta.Inputs), len(files))
	}
	entity := map[recordKey]string{}
	var ent []string
	var src []uint16
	for k, f := range files {
		t, err := datasource.Read(ctx, datasource.Config{Path: f}, ".")
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		ids, truth := t.ColumnByName(meta.UniqueIDColumn), t.ColumnByName(column)
		if ids == nil || truth == nil {
			return nil, fmt.Errorf("%w: %s needs columns %q and %q (columns: %s)", errUsage, f, meta.UniqueIDColumn, column, strings.Join(t.Schema().Names(), ", "))
		}
		name := meta.Inputs[k].Name
		for r := 0; r < t.NumRows(); r++ {
			if truth.IsNull(r) {
				return nil, fmt.Errorf("%s row %d, column %q: no true entity; every record needs one", f, r+2, column)
			}
			entity[recordKey{name, ids.Format(r)}] = truth.Format(r)
			ent = append(ent, truth.Format(r))
			src = append(src, uint16(k))
		}
	}
	tr := evaluate.Truth{Entity: ent, Source: src, CrossOnly: meta.LinkType == "link_only"}
	none, err := evaluate.Pairs(nil, tr)
	if err != nil {
		return nil, err
	}
	return &truthOracle{
		describe:  fmt.Sprintf("column %q of %s", column, strings.Join(files, ", ")),
		positives: none.FalseNegatives,
		isTrue: func(a, b recordKey) (bool, error) {
			ea, okA := entity[a]
			eb, okB := entity[b]
			if !okA || !okB {
				missing := a
				if okA {
					missing = b
				}
				return false, fmt.Errorf("record %s of the predictions is not in the --input files; give the files the run linked", missing)
			}
			return ea == eb, nil
		},
	}, nil
}

// labelOracle reads labelled pairs (Splink's labels format).
func labelOracle(path string) (*truthOracle, error) {
	t, err := datasource.Read(context.Background(), datasource.Config{Path: path, Types: map[string]string{
		"unique_id_l": "string", "unique_id_r": "string", "source_dataset_l": "string", "source_dataset_r": "string"}}, ".")
	if err != nil {
		return nil, fmt.Errorf("read labels %s: %w", path, err)
	}
	names := []string{"unique_id_l", "source_dataset_l", "unique_id_r", "source_dataset_r", "clerical_match_score"}
	cols := make([]*table.Column, len(names))
	for i, n := range names {
		if cols[i] = t.ColumnByName(n); cols[i] == nil {
			return nil, fmt.Errorf("%w: labels %s have no column %q (need %s)", errUsage, path, n, strings.Join(names, ", "))
		}
	}
	type key [2]recordKey
	norm := func(a, b recordKey) key {
		if b.source < a.source || (b.source == a.source && b.id < a.id) {
			a, b = b, a
		}
		return key{a, b}
	}
	truth := map[key]bool{}
	var positives int64
	for r := 0; r < t.NumRows(); r++ {
		score, err := strconv.ParseFloat(cols[4].Format(r), 64)
		if err != nil || cols[4].IsNull(r) {
			return nil, fmt.Errorf("labels %s row %d, column clerical_match_score: %q is not a number", path, r+2, cols[4].Format(r))
		}
		k := norm(recordKey{cols[1].Format(r), cols[0].Format(r)}, recordKey{cols[3].Format(r), cols[2].Format(r)})
		if _, dup := truth[k]; !dup && score >= 0.5 {
			positives++
		}
		truth[k] = truth[k] || score >= 0.5
	}
	return &truthOracle{
		describe:  fmt.Sprintf("labelled pairs in %s", path),
		positives: positives,
		isTrue: func(a, b recordKey) (bool, error) {
			return truth[norm(a, b)], nil
		},
	}, nil
}

type blockingStatsOptions struct {
	config         string
	inputs         []string
	maxComparisons int64
	format         string
}

func newBlockingStatsCmd() *cobra.Command {
	o := &blockingStatsOptions{}
	cmd := &cobra.Command{
		Use:   "blocking-stats --config F --input F [--input F2]",
		Short: "Count the comparisons each blocking rule generates, before running a linkage",
		Long: "Count, from block sizes alone (no pair is generated), how many comparisons each prediction\n" +
			"blocking rule of --config yields on the input files, and their total against max_comparisons.\n" +
			"Exit status: 0 within the cap, 2 when a rule or the total is over it (the count is printed).",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBlockingStats(cmd.Context(), cmd, cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "linkage settings file")
	f.StringArrayVar(&o.inputs, "input", nil, "input file; repeat for several")
	f.Int64Var(&o.maxComparisons, "max-comparisons", 0, "cap to check against (default: the settings' max_comparisons)")
	addFormatFlag(cmd, &o.format)
	requireFlags(cmd, "config", "input")
	return cmd
}

// blockingStatsJSON is what `linkage blocking-stats --format json` prints.
type blockingStatsJSON struct {
	Records              int             `json:"records"`
	Inputs               int             `json:"inputs"`
	LinkType             string          `json:"link_type"`
	PairsWithoutBlocking int64           `json:"pairs_without_blocking"`
	Rules                []ruleCountJSON `json:"rules"`
	TotalComparisons     int64           `json:"total_comparisons"`
	MaxComparisons       int64           `json:"max_comparisons"`
	OverCap              bool            `json:"over_cap"`
}

// ruleCountJSON is the comparisons one blocking rule yields.
type ruleCountJSON struct {
	Rule        string `json:"rule"`
	Comparisons int64  `json:"comparisons"`
}

func runBlockingStats(ctx context.Context, cmd *cobra.Command, stdout io.Writer, o *blockingStatsOptions) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	ov := linkjob.Overrides{}
	if cmd.Flags().Changed("max-comparisons") {
		ov.MaxComparisons = &o.maxComparisons
	}
	s, err := linkjob.LoadSettings(o.config, ov)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	inputs, err := readLinkInputs(ctx, o.inputs)
	if err != nil {
		return err
	}
	l, err := linkage.New(s, inputs, linkage.Options{Logger: slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	stats, err := l.BlockingStats(s.BlockingRules)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	var recs int
	for _, in := range inputs {
		recs += in.Table.NumRows()
	}
	var total int64
	var over *blocking.CapError
	for _, rc := range stats {
		total += rc.Comparisons
		if rc.Comparisons > s.MaxComparisons && over == nil {
			over = &blocking.CapError{Rule: rc.Rule, Count: rc.Comparisons, Total: total, Cap: s.MaxComparisons}
		}
	}
	if over == nil && total > s.MaxComparisons {
		over = &blocking.CapError{Total: total, Cap: s.MaxComparisons}
	}
	if o.format == formatJSON {
		out := blockingStatsJSON{Records: recs, Inputs: len(inputs), LinkType: string(s.LinkType), PairsWithoutBlocking: l.TotalPairs(),
			Rules: make([]ruleCountJSON, len(stats)), TotalComparisons: total, MaxComparisons: s.MaxComparisons, OverCap: over != nil}
		for i, rc := range stats {
			out.Rules[i] = ruleCountJSON{Rule: rc.Rule, Comparisons: rc.Comparisons}
		}
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "records: %d in %d input(s), link type %s; %d pairs without blocking\n", recs, len(inputs), s.LinkType, l.TotalPairs())
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RULE\tCOMPARISONS")
		for _, rc := range stats {
			fmt.Fprintf(tw, "%s\t%d\n", rc.Rule, rc.Comparisons)
		}
		fmt.Fprintf(tw, "total (upper bound)\t%d\n", total)
		_ = tw.Flush()
		fmt.Fprintf(stdout, "cap (max_comparisons): %d\n", s.MaxComparisons)
	}
	if over != nil {
		return exitcode.Wrap(exitcode.Invalid, over)
	}
	return nil
}
