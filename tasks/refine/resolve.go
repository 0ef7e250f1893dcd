package refine

import (
	"context"
	"os"
	"path/filepath"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/compliance/operator"
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks"
	linktask "github.com/hotpass/hotpass/tasks/linkage"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// LinkageSource is the source_dataset name of the organisation records in
// entity-resolution artefacts and reviewer decisions.
const LinkageSource = "organisations"

// erOptions are the `entity_resolution:` options. Every field may be a
// template; an empty value means "not set", so a pipeline can pass its
// params through unconditionally.
type erOptions struct {
	Enabled         linktask.OptBool             `yaml:"enabled" doc:"Turn entity resolution on (true/false)."`
	MatchThreshold  linktask.OptFloat            `yaml:"match_threshold" doc:"Override the profile's linkage match_threshold."`
	ReviewThreshold linktask.OptFloat            `yaml:"review_threshold" doc:"Override the profile's linkage review_threshold (must not exceed the match threshold)."`
	MaxComparisons  linktask.OptInt              `yaml:"max_comparisons" doc:"Override the cap on candidate pairs."`
	OutputDir       string                       `yaml:"output_dir" doc:"Directory for the linkage artefacts, relative to the spec; default dist/<profile>/linkage."`
	ModelPath       string                       `yaml:"model_path" doc:"Linkage model file: loaded when it exists, else the trained model is saved there."`
	UseSplink       linktask.OptBool             `yaml:"use_splink" doc:"Link with the probabilistic (Fellegi–Sunter, Splink) model (default true); false classifies pairs with the deterministic rules of the profile's linkage rules: block."`
	LabelStudio     *linktask.LabelStudioOptions `yaml:"label_studio" doc:"Clerical review of the review band in Label Studio (off when url is empty). Take the token from the environment: \"{{ env_var('HOTPASS_LABEL_STUDIO_TOKEN', '') }}\"."`
}

// resolution is a prepared entity-resolution step.
type resolution struct {
	settings    settings.Settings
	outputDir   string
	modelPath   string
	labelStudio *linkjob.LabelStudio
	rules       bool
	// reportMasker applies the profile's compliance policy to the
	// linkage report (nil without a policy).
	reportMasker *operator.Destination
}

// prepareResolution checks the options against the profile's linkage
// settings; nil means entity resolution is off.
func prepareResolution(opts *tasks.Options, o *erOptions, rf *refine.Refiner) (*resolution, specs.Diagnostics) {
	if o == nil || !o.Enabled.Value {
		return nil, nil
	}
	p := rf.Profile()
	if p.Linkage == nil {
		return nil, specs.Diagnostics{opts.Errorf("entity_resolution", "profile %s has no linkage settings", p.Name).
			WithHint("add a linkage: block to the profile (see profiles/aviation.yaml), or turn entity resolution off")}
	}
	if msg := o.LabelStudio.Check(); msg != "" {
		return nil, specs.Diagnostics{opts.Errorf("entity_resolution", "%s", msg)}
	}
	ov := linkjob.Overrides{MatchThreshold: o.MatchThreshold.Ptr(), ReviewThreshold: o.ReviewThreshold.Ptr(), MaxComparisons: o.MaxComparisons.Ptr()}
	if err := linkjob.CheckThresholds(linkjob.EffectiveThresholds(*p.Linkage, ov)); err != nil {
		return nil, specs.Diagnostics{opts.Errorf("entity_resolution", "%v", err)}
	}
	s, err := linkjob.ApplyOverrides(*p.Linkage, ov)
	if err != nil {
		return nil, specs.Diagnostics{opts.Errorf("entity_resolution", "profile %s linkage settings: %v", p.Name, err)}
	}
	rules := o.UseSplink.Set && !o.UseSplink.Value
	if rules && len(s.Rules) == 0 {
		return nil, specs.Diagnostics{opts.Errorf("entity_resolution", "use_splink is false but profile %s has no linkage rules", p.Name).
			WithHint("add a rules: block to the profile's linkage: settings (see profiles/aviation.yaml), or set use_splink to true")}
	}
	dir := o.OutputDir
	if dir == "" {
		dir = filepath.Join("dist", p.Name, "linkage")
	}
	er := &resolution{settings: s, outputDir: dir, modelPath: o.ModelPath, labelStudio: o.LabelStudio.Config(), rules: rules}
	if c := p.Compliance; c != nil {
		// Reviewers and report readers see what the policy allows them.
		var err error
		if er.reportMasker, err = DestinationMasker(rf, policy.Reports); err != nil {
			return nil, specs.Diagnostics{opts.Errorf("profile", "%v", err)}
		}
		if er.labelStudio != nil {
			er.labelStudio.Masker, _ = DestinationMasker(rf, policy.LabelStudio)
		}
	}
	return er, nil
}

// resolver returns the refine.Resolver that links the normalised records
// with the profile's settings, writes the linkage artefacts, and assigns
// each record its cluster.
func (er *resolution) resolver(rf *refine.Refiner, env *engine.Env, workers int, attrs map[string]any) refine.Resolver {
	return func(ctx context.Context, recs []refine.Record) ([]int, error) {
		t, err := rf.LinkageTable(recs)
		if err != nil {
			return nil, err
		}
		cfg := linkjob.Config{Settings: er.settings, OutputDir: env.ResolvePath(er.outputDir), LabelStudio: er.labelStudio,
			Workers: workers, Logger: env.Log, Title: "Entity resolution: " + rf.Profile().Name, Rules: er.rules}
		if er.reportMasker != nil {
			cfg.ReportMasker = er.reportMasker
		}
		if er.modelPath != "" {
			cfg.ModelPath = env.ResolvePath(er.modelPath)
		}
		res, err := linkjob.Run(telemetry.TaskContext(ctx, env.TaskID), cfg, []records.Input{{Name: LinkageSource, Table: t}})
		if err != nil {
			return nil, err
		}
		m := res.Metadata
		attrs["entity_resolution"] = true
		attrs["linkage_output_dir"] = cfg.OutputDir
		attrs["linkage_method"] = m.Model.Source
		attrs["linkage_pairs_match"] = m.Pairs.Match
		attrs["linkage_pairs_review"] = m.Pairs.Review
		attrs["linkage_clusters"] = m.Clusters.Count
		attrs["linkage_warnings"] = len(res.Warnings)
		labels := make([]int, len(res.Clusters.Labels))
		for i, l := range res.Clusters.Labels {
			labels[i] = int(l)
		}
		// With nobody reviewing, the review band falls back to the name
		// key rather than leaving every such pair apart; with reviewers,
		// their decisions (applied by the clustering) stand.
		out := labels
		if er.labelStudio == nil {
			out = rf.SettleClusters(recs, labels)
		}
		attrs["entity_resolution_clusters"] = countClusters(out)
		return out, nil
	}
}

func countClusters(labels []int) int {
	n := 0
	for _, l := range labels {
		n = max(n, l+1)
	}
	return n
}

// DestinationMasker returns the masker of dest (policy.Reports,
// policy.Logs, ...) under the compliance policy of rf's profile; nil when
// the profile has none. Its error names the missing HMAC key of a policy
// that hashes.
func DestinationMasker(rf *refine.Refiner, dest string) (*operator.Destination, error) {
	return operator.ForPolicy(rf.Profile().Compliance, dest, os.LookupEnv)
}
