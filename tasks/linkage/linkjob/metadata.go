package linkjob

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkage/blocking"
	"github.com/hotpass/hotpass/internal/linkage/cluster"
	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/linkage/suggest"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// MetadataVersion is the version of the linkage_metadata.json layout.
const MetadataVersion = 1

// Metadata is linkage_metadata.json: what ran, on what, with which
// parameters and how long it took — with the settings, enough to retrain.
type Metadata struct {
	Version        int         `json:"version"`
	LinkType       string      `json:"link_type"`
	UniqueIDColumn string      `json:"unique_id_column"`
	Inputs         []InputInfo `json:"inputs"`
	Thresholds     Thresholds  `json:"thresholds"`
	MaxComparisons int64       `json:"max_comparisons"`
	Model          ModelInfo   `json:"model"`
	Blocking       []RuleInfo  `json:"blocking"`
	// AutoBlocking is how `blocking_rules: auto` chose the rules.
	AutoBlocking *suggest.Result  `json:"auto_blocking,omitempty"`
	Pairs        PairCounts       `json:"pairs"`
	Clusters     ClusterInfo      `json:"clusters"`
	Decisions    DecisionInfo     `json:"reviewer_decisions"`
	LabelStudio  *LabelStudioInfo `json:"label_studio,omitempty"`
	Training     *TrainingInfo    `json:"training,omitempty"`
	// Fired counts, per deterministic rule, the pairs it classified (rule
	// matching only).
	Fired      []FiredInfo       `json:"fired_rules,omitempty"`
	Parameters model.Params      `json:"parameters"`
	Settings   settings.Settings `json:"settings"`
	Timings    Timings           `json:"timings_ms"`
	Warnings   []string          `json:"warnings"`
}

// InputInfo is one input table.
type InputInfo struct {
	Name    string `json:"name"`
	Records int    `json:"records"`
}

// Thresholds are the classification thresholds as probabilities and as
// match weights.
type Thresholds struct {
	Match  float64 `json:"match_threshold"`
	Review float64 `json:"review_threshold"`
	// The weights are null when infinite (a threshold of 1).
	MatchWeight  *float64 `json:"match_weight_threshold"`
	ReviewWeight *float64 `json:"review_weight_threshold"`
}

// ModelInfo says whether the model was trained in this run, loaded, or
// taken as it is from the settings (source "settings": training.skip, as
// for an imported Splink model).
type ModelInfo struct {
	Source string `json:"source"`
	Path   string `json:"path,omitempty"`
}

// ModelRules is ModelInfo.Source when the settings' deterministic rules
// classified the pairs instead of a model.
const ModelRules = "rules"

// FiredInfo counts the kept pairs one deterministic rule classified.
type FiredInfo struct {
	Rule  string `json:"rule"`
	Pairs int64  `json:"pairs"`
}

// RuleInfo is one prediction blocking rule. Candidates counts the pairs of
// its blocks on their own; Compared the pairs it produced that no earlier
// rule had (exact only when AllPairsKept); Matches and Reviews are exact.
type RuleInfo struct {
	Rule         string `json:"rule"`
	Candidates   int64  `json:"candidate_pairs"`
	Compared     int64  `json:"compared_pairs"`
	Matches      int64  `json:"match_pairs"`
	Reviews      int64  `json:"review_pairs"`
	Rejects      int64  `json:"reject_pairs"`
	AllPairsKept bool   `json:"all_pairs_kept"`
}

// PairCounts are the scored pairs by class.
type PairCounts struct {
	Compared int64 `json:"compared"`
	Match    int64 `json:"match"`
	Review   int64 `json:"review"`
	Reject   int64 `json:"reject"`
	// Displaced counts the match pairs one_to_one overruled.
	Displaced int64 `json:"displaced_by_one_to_one,omitempty"`
}

// ClusterInfo summarises the clusters.
type ClusterInfo struct {
	Count      int `json:"count"`
	Singletons int `json:"singletons"`
	Largest    int `json:"largest"`
	Merged     int `json:"merged_edges"`
	Blocked    int `json:"edges_blocked_by_cannot_link"`
	// Sparse counts clusters of three or more records whose density
	// (match edges over possible pairs) is below SparseDensity; Split the
	// clusters cluster_split broke up; Weakest the least dense clusters.
	Sparse        int            `json:"sparse"`
	SparseDensity float64        `json:"sparse_density"`
	Split         int            `json:"split"`
	Weakest       []ClusterShape `json:"least_dense,omitempty"`
}

// ClusterShape is one cluster's density and weakest edge.
type ClusterShape struct {
	Cluster int32 `json:"cluster_id"`
	cluster.Quality
}

// weakestShown is the number of least dense clusters the metadata lists.
const weakestShown = 10

// DecisionInfo counts the reviewer decisions applied.
type DecisionInfo struct {
	Read       int `json:"read"`
	MustLink   int `json:"must_link"`
	CannotLink int `json:"cannot_link"`
	Unresolved int `json:"unresolved_records"`
}

// LabelStudioInfo is what the Label Studio exchange did.
type LabelStudioInfo struct {
	URL      string `json:"url"`
	Project  int64  `json:"project"`
	Pushed   int    `json:"pushed"`
	Existing int    `json:"already_present"`
	Pulled   int    `json:"pulled"`
	Appended int    `json:"appended"`
	Error    string `json:"error,omitempty"`
}

// TrainingInfo is what training estimated.
type TrainingInfo struct {
	Lambda             float64  `json:"probability_two_random_records_match"`
	LambdaEstimated    bool     `json:"lambda_estimated"`
	DeterministicPairs int64    `json:"deterministic_pairs"`
	USampledPairs      int64    `json:"u_sampled_pairs"`
	UExcludedPairs     int64    `json:"u_excluded_pairs"`
	EM                 []EMRun  `json:"em_runs"`
	Warnings           []string `json:"warnings"`
	Converged          bool     `json:"converged"`
	// Prior says where λ came from and what it was checked against.
	Prior linkage.PriorCheck `json:"prior"`
}

// EMRun is one EM run, on the pairs of one training rule.
type EMRun struct {
	Rule       string   `json:"rule"`
	Pairs      int64    `json:"pairs"`
	Inactive   []string `json:"inactive_comparisons"`
	Iterations int      `json:"iterations"`
	Converged  bool     `json:"converged"`
	MaxChange  float64  `json:"last_max_change"`
	Lambda     float64  `json:"lambda"`
	Collapsed  bool     `json:"collapsed"`
}

// Timings are the stages' wall-clock durations in milliseconds.
type Timings struct {
	TrainMS   int64 `json:"train"`
	PredictMS int64 `json:"predict"`
	ClusterMS int64 `json:"cluster"`
	WriteMS   int64 `json:"write"`
	TotalMS   int64 `json:"total"`
}

func newMetadata(cfg Config) *Metadata {
	s := cfg.Settings
	return &Metadata{
		Version: MetadataVersion, LinkType: string(s.LinkType), UniqueIDColumn: s.UniqueIDColumn,
		Thresholds: Thresholds{
			Match: s.MatchThreshold, Review: s.ReviewThreshold,
			MatchWeight:  finite(settings.MatchWeightThreshold(s.MatchThreshold)),
			ReviewWeight: finite(settings.MatchWeightThreshold(s.ReviewThreshold)),
		},
		MaxComparisons: s.MaxComparisons, Settings: s, Warnings: []string{},
	}
}

func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}

func (m *Metadata) setInputs(l *linkage.Linker) {
	recs := l.Records()
	for k := 0; k < recs.NumInputs(); k++ {
		m.Inputs = append(m.Inputs, InputInfo{Name: recs.InputName(k), Records: recs.InputLen(k)})
	}
	// A loaded model brings its own comparisons and rules.
	m.Settings = l.Settings()
	m.LinkType = string(m.Settings.LinkType)
}

func (m *Metadata) setTraining(tr *linkage.TrainingResult) {
	ti := &TrainingInfo{Lambda: tr.Lambda, LambdaEstimated: tr.LambdaEstimated, DeterministicPairs: tr.DeterministicPairs,
		USampledPairs: tr.USampledPairs, UExcludedPairs: tr.UExcludedPairs, Warnings: append([]string{}, tr.Warnings...), Converged: true, EM: []EMRun{},
		Prior: tr.Prior}
	for _, r := range tr.Rules {
		ti.EM = append(ti.EM, EMRun{Rule: r.Rule, Pairs: r.Pairs, Inactive: append([]string{}, r.Inactive...),
			Iterations: r.Iterations, Converged: r.Converged, MaxChange: r.MaxChange, Lambda: r.Lambda, Collapsed: r.Collapsed})
		ti.Converged = ti.Converged && (r.Converged || r.Pairs == 0)
	}
	m.Training = ti
}

func (m *Metadata) setPairs(pred *linkage.Prediction, stats []blocking.RuleCount, keptAll bool) {
	m.Pairs = PairCounts{Compared: pred.Compared, Match: pred.Matches, Review: pred.Reviews,
		Reject: pred.Compared - pred.Matches - pred.Reviews, Displaced: pred.Displaced}
	m.Blocking = make([]RuleInfo, len(pred.Rules))
	for r, text := range pred.Rules {
		m.Blocking[r] = RuleInfo{Rule: text, AllPairsKept: keptAll}
		if r < len(stats) {
			m.Blocking[r].Candidates = stats[r].Comparisons
		}
	}
	for k, p := range pred.Pairs {
		ri := &m.Blocking[p.Rule]
		ri.Compared++
		switch pred.Class(k) {
		case linkage.Match:
			ri.Matches++
		case linkage.Review:
			ri.Reviews++
		default:
			ri.Rejects++
		}
	}
	if !keptAll {
		// Rejected pairs were not kept: the rule's own count of the pairs
		// it found first is not known, its block count is the best bound.
		for r := range m.Blocking {
			ri := &m.Blocking[r]
			ri.Compared = ri.Candidates
			ri.Rejects = max(0, ri.Candidates-ri.Matches-ri.Reviews)
		}
	}
}

func (m *Metadata) setFired(pred *linkage.Prediction) {
	if pred.FiredRules == nil {
		return
	}
	m.Fired = make([]FiredInfo, len(pred.FiredRules))
	for r, name := range pred.FiredRules {
		m.Fired[r].Rule = name
	}
	for _, p := range pred.Pairs {
		if p.Fired > 0 {
			m.Fired[p.Fired-1].Pairs++
		}
	}
}

func (m *Metadata) setClusters(cl *cluster.Result) {
	size := make([]int, cl.NumClusters)
	for _, l := range cl.Labels {
		size[l]++
	}
	ci := ClusterInfo{Count: cl.NumClusters, Merged: cl.Merged, Blocked: cl.Blocked, Split: cl.Split, SparseDensity: settings.DefaultSplitDensity}
	if cs := m.Settings.ClusterSplit; cs != nil {
		ci.SparseDensity = cs.MaxDensity
	}
	var shapes []ClusterShape
	for c, q := range cl.Quality {
		if q.Size >= 3 && q.Density < ci.SparseDensity {
			ci.Sparse++
		}
		if q.Size >= 3 {
			shapes = append(shapes, ClusterShape{Cluster: int32(c), Quality: q})
		}
	}
	slices.SortFunc(shapes, func(a, b ClusterShape) int {
		if c := cmp.Compare(a.Density, b.Density); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Weakest, b.Weakest); c != 0 {
			return c
		}
		return cmp.Compare(a.Cluster, b.Cluster)
	})
	ci.Weakest = shapes[:min(len(shapes), weakestShown)]
	for _, n := range size {
		if n == 1 {
			ci.Singletons++
		}
		ci.Largest = max(ci.Largest, n)
	}
	m.Clusters = ci
}

func (m *Metadata) write(path string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode linkage metadata: %w", err)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("write linkage metadata: %w", err)
	}
	defer f.Abort()
	if _, err := f.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("write linkage metadata %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("write linkage metadata %s: %w", path, err)
	}
	return nil
}

// ReadMetadata reads a linkage_metadata.json.
func ReadMetadata(data []byte) (*Metadata, error) {
	var m Metadata
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("linkage metadata: %w", err)
	}
	return &m, nil
}
