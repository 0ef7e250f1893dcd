package main

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hotpass/hotpass/engine/store"
)

// hasTags reports whether d carries every one of tags.
func hasTags(d store.Deployment, tags []string) bool {
	for _, t := range tags {
		if !slices.Contains(d.Tags, t) {
			return false
		}
	}
	return true
}

// checkTags refuses an empty --tag, which would match nothing and look like
// an empty history.
func checkTags(tags []string) error {
	for _, t := range tags {
		if strings.TrimSpace(t) == "" {
			return fmt.Errorf("%w: --tag must not be empty", errUsage)
		}
	}
	return nil
}

// listTaggedRuns lists the runs of the deployments that carry every one of
// tags (runs take their deployment's tags; a run started with `hotpass run`
// has none), newest first, at most f.Limit when it is set. f.Deployment, when
// set, must be one of those deployments.
func listTaggedRuns(ctx context.Context, st store.Store, f store.RunFilter, tags []string) ([]store.Run, error) {
	ds, err := st.ListDeployments(ctx)
	if err != nil {
		return nil, err
	}
	var runs []store.Run
	for _, d := range ds {
		if !hasTags(d, tags) || f.Deployment != "" && d.Name != f.Deployment {
			continue
		}
		df := f
		df.Deployment = d.Name
		rs, err := st.ListRuns(ctx, df)
		if err != nil {
			return nil, err
		}
		runs = append(runs, rs...)
	}
	// The order ListRuns gives: newest first, ties by id.
	sort.Slice(runs, func(i, j int) bool {
		if !runs[i].CreatedAt.Equal(runs[j].CreatedAt) {
			return runs[i].CreatedAt.After(runs[j].CreatedAt)
		}
		return runs[i].ID > runs[j].ID
	})
	if f.Limit > 0 && len(runs) > f.Limit {
		runs = runs[:f.Limit]
	}
	return runs, nil
}
