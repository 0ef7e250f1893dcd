package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/linkage/suggest"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

type suggestBlockingOptions struct {
	config         string
	inputs         []string
	maxComparisons int64
	targetRecall   float64
	output         string
	format         string
}

func newSuggestBlockingCmd() *cobra.Command {
	o := &suggestBlockingOptions{}
	cmd := &cobra.Command{
		Use:   "suggest-blocking --config F --input F [--input F2] [--max-comparisons N] [--target-recall R]",
		Short: "Choose blocking rules from the data that keep nearly all matches within a comparison budget",
		Long: "Build candidate blocking rules from the comparison columns of --config (each column, prefixes and\n" +
			"soundex of names, years of dates, email domains, and conjunctions of two), count each one's\n" +
			"comparisons exactly from block sizes, estimate the share of matches each keeps from the likely\n" +
			"matches of a broad EM-scored pass (no labels needed), and choose rules greedily, most matches per\n" +
			"comparison first, until --target-recall is reached within --max-comparisons. Prints the table of\n" +
			"chosen rules and the blocking_rules: block to paste into the settings (also written to --output).\n" +
			"The estimate cannot see matches that share no candidate key, so it overstates recall for them.\n" +
			"Exit status: 0 with a choice, 2 when the budget is below the cheapest useful rule.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSuggestBlocking(cmd.Context(), cmd, cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "linkage settings file (its comparisons are what the rules are built from)")
	f.StringArrayVar(&o.inputs, "input", nil, "input file; repeat for several")
	f.Int64Var(&o.maxComparisons, "max-comparisons", 0, "comparison budget for the chosen rules together (default: the settings' max_comparisons)")
	f.Float64Var(&o.targetRecall, "target-recall", suggest.DefaultTargetRecall, "estimated recall to stop at, in (0, 1]")
	f.StringVar(&o.output, "output", "", "also write the blocking_rules: block to this file")
	addFormatFlag(cmd, &o.format)
	requireFlags(cmd, "config", "input")
	return cmd
}

func runSuggestBlocking(ctx context.Context, cmd *cobra.Command, stdout io.Writer, o *suggestBlockingOptions) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	if !(o.targetRecall > 0 && o.targetRecall <= 1) {
		return fmt.Errorf("%w: --target-recall %g must be in (0, 1]", errUsage, o.targetRecall)
	}
	if cmd.Flags().Changed("max-comparisons") && o.maxComparisons <= 0 {
		return fmt.Errorf("%w: --max-comparisons %d must be a positive number of comparisons", errUsage, o.maxComparisons)
	}
	_, _, l, err := linkerFromFlags(ctx, cmd, o.config, o.inputs, linkjob.Overrides{})
	if err != nil {
		return err
	}
	res, err := suggest.Suggest(ctx, l, suggest.Options{MaxComparisons: o.maxComparisons, TargetRecall: o.targetRecall})
	var budget *suggest.BudgetError
	if errors.As(err, &budget) {
		return exitcode.Wrap(exitcode.Invalid, err)
	}
	if err != nil {
		return err
	}
	block := rulesBlock(res.RuleTexts())
	if o.output != "" {
		if err := writeRulesBlock(o.output, block); err != nil {
			return err
		}
	}
	if o.format == formatJSON {
		return writeJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "%d candidate rules; broad pass: %d anchors, %d pairs, %d likely matches (EM match share %.3g)\n",
		res.Candidates, res.Anchors, res.BroadPairs, res.LikelyMatches, res.BroadLambda)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tCOMPARISONS\tEST. RECALL ADDED\tCUMULATIVE RECALL\tCUMULATIVE COMPARISONS")
	for _, c := range res.Rules {
		fmt.Fprintf(tw, "%s\t%d\t%.4f\t%.4f\t%d\n", c.Rule, c.Comparisons, c.RecallAdded, c.Recall, c.CumulativeComparisons)
	}
	_ = tw.Flush()
	fmt.Fprintf(stdout, "target recall %g %s within %d comparisons (a budget of %d reaches it)\n", res.TargetRecall,
		map[bool]string{true: "reached", false: "not reached"}[res.TargetReached], res.MaxComparisons, res.BudgetForTarget)
	for _, w := range res.Warnings {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", w)
	}
	fmt.Fprint(stdout, "\n"+block)
	return nil
}

// rulesBlock renders rules as the blocking_rules: block of a settings file.
func rulesBlock(rules []string) string {
	var b strings.Builder
	b.WriteString("blocking_rules:\n")
	for _, r := range rules {
		b.WriteString("  - " + strconv.Quote(r) + "\n")
	}
	return b.String()
}

// writeRulesBlock writes the block so that the file appears complete or
// not at all.
func writeRulesBlock(path, block string) error {
	if err := atomicfile.WriteFile(path, []byte(block)); err != nil {
		return fmt.Errorf("write blocking rules %s: %w", path, err)
	}
	return nil
}
