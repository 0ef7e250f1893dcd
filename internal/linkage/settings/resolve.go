package settings

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// AutoBlocking is the blocking_rules value that asks for rules chosen from
// the data (package suggest) instead of rules written by hand.
const AutoBlocking = "auto"

// RuleList is a list of blocking rules. In YAML it is a sequence, or the
// scalar `auto`, which is kept as the one-element list {"auto"}.
type RuleList []string

// UnmarshalYAML accepts a sequence of rules or the scalar `auto`.
func (r *RuleList) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode && node.Tag != "!!null" {
		if node.Value != AutoBlocking {
			return fmt.Errorf("line %d column %d: blocking_rules %q: write a list of rules, or auto to have them chosen from the data", node.Line, node.Column, node.Value)
		}
		*r = RuleList{AutoBlocking}
		return nil
	}
	var list []string
	if err := node.Decode(&list); err != nil {
		return err
	}
	*r = list
	return nil
}

// Auto reports whether the list is `auto`.
func (r RuleList) Auto() bool { return len(r) == 1 && r[0] == AutoBlocking }

// Prior names where the prior λ comes from when it is not given.
type Prior string

// The priors.
const (
	// PriorDeterministic (the default) estimates λ from the pairs of
	// training.deterministic_rules and training.recall, as Splink does.
	PriorDeterministic Prior = "deterministic"
	// PriorEM estimates λ by EM over the pairs of the prediction blocking
	// rules, with m and u fixed once trained: no deterministic rule is
	// needed, and matches the blocking misses are not counted.
	PriorEM Prior = "em"
)

// ClusterSplit asks for weakly held clusters to be split: a cluster whose
// density (match edges present over pairs possible) is below MaxDensity
// loses its edges below Threshold and falls apart into what the remaining
// edges hold together.
type ClusterSplit struct {
	// Threshold is the match probability an edge of a sparse cluster must
	// reach to keep it; it must be above match_threshold.
	Threshold float64 `yaml:"threshold" json:"threshold"`
	// MaxDensity is the density below which a cluster is checked; default
	// 0.5.
	MaxDensity float64 `yaml:"max_density" json:"max_density"`
}

// DefaultSplitDensity is ClusterSplit.MaxDensity when unset.
const DefaultSplitDensity = 0.5

// validateResolution checks the options that shape how pairs become links
// and λ is found: one_to_one, prior and cluster_split.
func (s *Settings) validateResolution() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.OneToOne && s.LinkType != LinkOnly {
		add("one_to_one: only link_only pairs records of different inputs one to one; set link_type: link_only or remove one_to_one")
	}
	switch s.Prior {
	case "", PriorDeterministic:
	case PriorEM:
		if s.ProbabilityTwoRandomRecordsMatch != 0 {
			add("prior: em estimates probability_two_random_records_match, which is also given (%g): remove one of them", s.ProbabilityTwoRandomRecordsMatch)
		}
	default:
		add("prior %q: use deterministic or em", s.Prior)
	}
	if c := s.ClusterSplit; c != nil {
		if c.MaxDensity == 0 {
			c.MaxDensity = DefaultSplitDensity
		}
		if c.MaxDensity < 0 || c.MaxDensity > 1 {
			add("cluster_split.max_density %g: must be a share in (0, 1]", c.MaxDensity)
		}
		if c.Threshold <= 0 || c.Threshold > 1 {
			add("cluster_split.threshold %g: must be a probability in (0, 1]", c.Threshold)
		}
	}
	return errs
}

// checkSplitThreshold runs after the match threshold has its default.
func (s *Settings) checkSplitThreshold() error {
	if c := s.ClusterSplit; c != nil && c.Threshold > 0 && c.Threshold <= s.MatchThreshold {
		return fmt.Errorf("cluster_split.threshold %g must be above match_threshold %g: edges below match_threshold are never in a cluster", c.Threshold, s.MatchThreshold)
	}
	return nil
}
