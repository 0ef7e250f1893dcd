package linkjob

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/linkage"
)

// review pushes the pairs in the review band to Label Studio (pairs
// already in the project are skipped, so a rerun pushes nothing twice),
// pulls every decision made in the project and appends the new ones to the
// decisions file. What happened is recorded in meta either way.
func review(ctx context.Context, cfg Config, v *pairView, decisionsPath string, meta *Metadata, log *slog.Logger) error {
	ls := cfg.LabelStudio
	info := &LabelStudioInfo{URL: ls.URL, Project: ls.Project}
	meta.LabelStudio = info
	err := func() error {
		if ls.Project <= 0 {
			return fmt.Errorf("label studio project %d: set the id of the review project (a positive number)", ls.Project)
		}
		client, err := labelstudio.New(labelstudio.Config{BaseURL: ls.URL, Token: ls.Token, Timeout: ls.Timeout,
			MaxRetries: ls.HTTPRetries, Logger: log, Masker: ls.Masker})
		if err != nil {
			return err
		}
		var pairs []labelstudio.ReviewPair
		for _, k := range v.sortedPairs() {
			if v.class(k) == linkage.Review {
				pairs = append(pairs, v.reviewPair(k))
			}
		}
		s := v.l.Settings()
		pr, err := client.PushPairs(ctx, ls.Project, pairs, labelstudio.Thresholds{Match: s.MatchThreshold, Review: s.ReviewThreshold})
		info.Pushed, info.Existing = pr.Imported, pr.Existing
		if err != nil {
			return fmt.Errorf("push %d review pairs: %w", len(pairs), err)
		}
		ds, err := client.PullDecisions(ctx, ls.Project)
		if err != nil {
			return fmt.Errorf("pull reviewer decisions: %w", err)
		}
		info.Pulled = len(ds)
		n, err := labelstudio.AppendDecisions(decisionsPath, ds, log)
		info.Appended = n
		if err != nil {
			return err
		}
		log.Info("label studio: review exchanged", "pushed", pr.Imported, "already_present", pr.Existing, "decisions_pulled", len(ds), "decisions_new", n)
		return nil
	}()
	if err != nil {
		info.Error = err.Error()
	}
	return err
}

// reviewPair describes kept pair k for a reviewer: both records' compared
// values and how each comparison scored.
func (v *pairView) reviewPair(k int) labelstudio.ReviewPair {
	p := v.pred.Pairs[k]
	vec := v.pred.Vector(k)
	rp := labelstudio.ReviewPair{
		Left:   labelstudio.RecordRef{Source: v.recs.InputName(v.recs.Source(int(p.I))), ID: v.recs.ID(int(p.I))},
		Right:  labelstudio.RecordRef{Source: v.recs.InputName(v.recs.Source(int(p.J))), ID: v.recs.ID(int(p.J))},
		Weight: p.Weight, Probability: p.Probability(), Rule: v.pred.FiredRule(k),
	}
	for _, col := range v.columns {
		l, _ := v.value(col, p.I)
		r, _ := v.value(col, p.J)
		rp.LeftFields = append(rp.LeftFields, labelstudio.Field{Name: col, Value: l})
		rp.RightFields = append(rp.RightFields, labelstudio.Field{Name: col, Value: r})
	}
	for c, name := range v.names {
		rp.Levels = append(rp.Levels, labelstudio.ComparisonLevel{Comparison: name, Level: v.levelLabel(c, vec[c]), BayesFactor: v.bayesFactor(c, vec[c])})
	}
	return rp
}
