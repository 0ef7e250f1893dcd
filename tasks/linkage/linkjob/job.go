// Package linkjob runs one complete record linkage job over tables and
// writes its artefacts: train a Fellegi–Sunter model (or load a saved one),
// score the candidate pairs, push the pairs in the review band to Label
// Studio and pull the reviewers' decisions, cluster the matches under those
// decisions, and write the pairs, review queue, clusters, metadata and HTML
// report into one output directory.
//
// The linkage task type, the `hotpass resolve` command and the refine
// task's entity-resolution step all run linkage through Run, so the three
// produce the same artefacts.
package linkjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkage/blocking"
	"github.com/hotpass/hotpass/internal/linkage/cluster"
	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/linkage/suggest"
	"github.com/hotpass/hotpass/internal/linkreport"
	"github.com/hotpass/hotpass/internal/telemetry"
)

// The artefacts Run writes into Config.OutputDir.
const (
	MatchesFile   = "linkage_matches.parquet"
	ReviewFile    = "linkage_review_queue.parquet"
	ClustersFile  = "linkage_clusters.parquet"
	MetadataFile  = "linkage_metadata.json"
	DecisionsFile = labelstudioDecisions
	ReportFile    = "linkage_report.html"
)

const labelstudioDecisions = "linkage_reviewer_decisions.jsonl"

// ClusterColumn is the column holding each record's cluster.
const ClusterColumn = "cluster_id"

// SourceColumn names each record's input in artefacts (Splink's
// source_dataset).
const SourceColumn = "source_dataset"

// keepAllPairs is the number of candidate pairs up to which every scored
// pair is kept, so that the report's weight histogram and the per-rule
// counts cover rejected pairs too; above it only pairs at or above the
// review threshold are kept, to bound memory.
const keepAllPairs = 2_000_000

// LabelStudio configures clerical review through Label Studio.
type LabelStudio struct {
	URL     string
	Token   string
	Project int64
	// Required makes a Label Studio failure fail the job; by default it is
	// logged as a warning and the linkage result stands.
	Required bool
	// Timeout bounds each Label Studio operation; default the client's.
	Timeout time.Duration
	// HTTPRetries overrides the client's retry count (negative: none).
	HTTPRetries int
	// Masker, when set, applies a compliance policy's labelstudio
	// operators to the records' fields before they are pushed.
	Masker labelstudio.Masker
}

// Config is one linkage job.
type Config struct {
	// Settings are validated settings with any overrides applied (see
	// ApplyOverrides).
	Settings settings.Settings
	// ModelPath, when set, names a model file: an existing one is loaded
	// and training is skipped (its comparisons and parameters are used,
	// with the thresholds and cap of Settings); otherwise the trained
	// model is saved there.
	ModelPath string
	// OutputDir receives the artefacts; it is created when missing.
	OutputDir string
	// LabelStudio, when set, sends review pairs out and decisions back.
	LabelStudio *LabelStudio
	// Workers bounds the parallelism of pair scans; default GOMAXPROCS.
	Workers int
	// Logger receives progress and warnings; default slog.Default().
	Logger *slog.Logger
	// Title heads the HTML report.
	Title string
	// ReportMasker, when set, applies a compliance policy's reports
	// operators to the fields of the pairs the HTML report explains.
	ReportMasker linkreport.Masker
	// ReportSample is the number of pairs the report explains; default 12.
	ReportSample int
	// Now stamps the report; default time.Now.
	Now func() time.Time
	// Progress, when set, is told as each stage begins.
	Progress func(Stage)
	// Rules classifies pairs with the settings' deterministic rules
	// (Settings.Rules) instead of a trained model: no training, the same
	// blocking and artefacts, and the rule that fired on each pair.
	Rules bool
}

// Stage is a step of a linkage job: train, predict, cluster or write.
type Stage struct {
	Name string
	// Done counts the candidate pairs scanned so far, of Total, while the
	// stage is predict; nil for the other stages.
	Done  *atomic.Int64
	Total int64
}

// Result is what a job produced.
type Result struct {
	Linker     *linkage.Linker
	Prediction *linkage.Prediction
	Clusters   *cluster.Result
	Metadata   *Metadata
	// Inputs are the tables linked, as given.
	Inputs []records.Input
	// Files maps each artefact name to its path.
	Files map[string]string
	// Warnings are problems that did not stop the job (Label Studio down,
	// corrupt decision lines, training warnings).
	Warnings []string
}

// Run runs the job on the inputs. It refuses blocking rules over the
// comparison cap before any pair is generated, with the count.
func Run(ctx context.Context, cfg Config, inputs []records.Input) (*Result, error) {
	start := time.Now()
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.OutputDir == "" {
		return nil, errors.New("linkage: no output directory")
	}
	if err := os.MkdirAll(cfg.OutputDir, 0o755); err != nil {
		return nil, fmt.Errorf("linkage output directory: %w", err)
	}
	res := &Result{Inputs: inputs, Files: map[string]string{}}
	warn := func(msg string, args ...any) {
		s := fmt.Sprintf(msg, args...)
		res.Warnings = append(res.Warnings, s)
		log.Warn(s)
	}
	meta := newMetadata(cfg)
	res.Metadata = meta
	tel := telemetry.FromContext(ctx)
	tracer := tel.Tracer()

	if cfg.Rules && len(cfg.Settings.Rules) == 0 {
		return nil, errors.New("linkage: rule-based matching needs a rules: block in the linkage settings (see profiles/aviation.yaml), or use the probabilistic model")
	}
	if cfg.Rules {
		// Rules need no model: one on file is neither read nor replaced.
		cfg.ModelPath = ""
	}
	l, loaded, err := newLinker(cfg, inputs, log)
	if err != nil {
		return nil, err
	}
	res.Linker = l
	if l.Settings().BlockingRules.Auto() {
		if err := autoBlocking(ctx, cfg, l, meta, warn); err != nil {
			return nil, err
		}
	}
	s := l.Settings()
	meta.setInputs(l)
	if err := preflight(l); err != nil {
		return nil, err
	}
	stats, err := l.BlockingStats(s.BlockingRules)
	if err != nil {
		return nil, err
	}

	t0 := time.Now()
	if cfg.Rules {
		meta.Model = ModelInfo{Source: ModelRules}
		log.Info("linkage: classifying pairs with the settings' rules; no model is trained", "rules", len(s.Rules))
	} else if loaded {
		meta.Model = ModelInfo{Source: "loaded", Path: cfg.ModelPath}
		log.Info("linkage: loaded model; training skipped", "path", cfg.ModelPath)
	} else if s.Training.Skip {
		// An imported Splink model, or settings with every parameter
		// given: scored as they are.
		meta.Model = ModelInfo{Source: "settings"}
		log.Info("linkage: training.skip is set; scoring with the parameters of the settings")
	} else {
		cfg.stage(Stage{Name: "train"})
		tctx, span := tracer.Start(ctx, "linkage.train")
		tr, err := l.Train(tctx)
		endSpan(span, err)
		if err != nil {
			return nil, fmt.Errorf("linkage training: %w", err)
		}
		meta.setTraining(tr)
		res.Warnings = append(res.Warnings, tr.Warnings...)
		meta.Model = ModelInfo{Source: "trained", Path: cfg.ModelPath}
		if cfg.ModelPath != "" {
			if err := os.MkdirAll(filepath.Dir(cfg.ModelPath), 0o755); err != nil {
				return nil, fmt.Errorf("save linkage model: %w", err)
			}
			if err := l.Model().Save(cfg.ModelPath); err != nil {
				return nil, err
			}
			log.Info("linkage: saved model", "path", cfg.ModelPath)
		}
	}
	meta.Timings.TrainMS = time.Since(t0).Milliseconds()
	meta.Parameters = l.Params()

	t1 := time.Now()
	pctx, span := tracer.Start(ctx, "linkage.predict")
	opts := linkage.PredictOptions{KeepVectors: true}
	var upper int64
	for _, rc := range stats {
		upper += rc.Comparisons
	}
	keptAll := upper <= keepAllPairs
	if keptAll {
		opts.MinProbability = -1
	}
	if cfg.Progress != nil {
		opts.Scanned = new(atomic.Int64)
		cfg.stage(Stage{Name: "predict", Done: opts.Scanned, Total: upper})
	}
	predict := l.Predict
	if cfg.Rules {
		predict = l.PredictRules
	}
	pred, err := predict(pctx, opts)
	if err == nil {
		span.SetAttributes(attribute.Int64("linkage.pairs.compared", pred.Compared),
			attribute.Int64("linkage.pairs.match", pred.Matches), attribute.Int64("linkage.pairs.review", pred.Reviews))
	}
	endSpan(span, err)
	if err != nil {
		return nil, fmt.Errorf("linkage prediction: %w", err)
	}
	res.Prediction = pred
	meta.Timings.PredictMS = time.Since(t1).Milliseconds()
	meta.setPairs(pred, stats, keptAll)
	meta.setFired(pred)
	metrics := tel.Metrics()
	for _, c := range []struct {
		class string
		n     int64
	}{{"match", pred.Matches}, {"review", pred.Reviews}, {"reject", pred.Compared - pred.Matches - pred.Reviews}} {
		metrics.RecordLinkagePairs(ctx, c.class, c.n)
	}
	view := newPairView(l, pred)

	// Clerical review: push the review band, pull what reviewers decided,
	// then read every decision on file (including earlier runs' and any
	// written by hand) as clustering constraints.
	decisionsPath := filepath.Join(cfg.OutputDir, DecisionsFile)
	if cfg.LabelStudio != nil {
		if err := review(ctx, cfg, view, decisionsPath, meta, log); err != nil {
			if cfg.LabelStudio.Required {
				return nil, err
			}
			warn("label studio: %v; the linkage result stands without new reviewer decisions", err)
		}
	}
	ds, err := labelstudio.ReadDecisions(decisionsPath, decisionLogger(log, warn))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(decisionsPath); err == nil {
		res.Files[DecisionsFile] = decisionsPath
	}
	cons, missing := labelstudio.ClusterConstraints(ds, l.Lookup)
	meta.Decisions = DecisionInfo{Read: len(ds), MustLink: len(cons.MustLink), CannotLink: len(cons.CannotLink), Unresolved: len(missing)}
	if len(missing) > 0 {
		warn("reviewer decisions name %d records that are not in the inputs (first %s); they were skipped", len(missing), missing[0])
	}

	t2 := time.Now()
	cfg.stage(Stage{Name: "cluster"})
	_, cspan := tracer.Start(ctx, "linkage.cluster")
	cl, err := l.Cluster(pred, cons)
	if err == nil {
		cspan.SetAttributes(attribute.Int("linkage.clusters", cl.NumClusters))
	}
	endSpan(cspan, err)
	if err != nil {
		return nil, fmt.Errorf("linkage clustering: %w", err)
	}
	res.Clusters = cl
	meta.Timings.ClusterMS = time.Since(t2).Milliseconds()
	meta.setClusters(cl)

	t3 := time.Now()
	cfg.stage(Stage{Name: "write"})
	if err := writeArtefacts(cfg, view, cl, res); err != nil {
		return nil, err
	}
	meta.Warnings = append(meta.Warnings, res.Warnings...)
	meta.Timings.WriteMS = time.Since(t3).Milliseconds()
	meta.Timings.TotalMS = time.Since(start).Milliseconds()
	path := filepath.Join(cfg.OutputDir, MetadataFile)
	if err := meta.write(path); err != nil {
		return nil, err
	}
	res.Files[MetadataFile] = path
	log.Info("linkage: done", "records", l.Records().Len(), "compared", pred.Compared, "matches", pred.Matches,
		"reviews", pred.Reviews, "clusters", cl.NumClusters, "output_dir", cfg.OutputDir)
	return res, nil
}

// newLinker loads the model at cfg.ModelPath when it exists, or prepares a
// linker to train.
func newLinker(cfg Config, inputs []records.Input, log *slog.Logger) (*linkage.Linker, bool, error) {
	opts := linkage.Options{Workers: cfg.Workers, Logger: log}
	if cfg.ModelPath != "" {
		if _, err := os.Stat(cfg.ModelPath); err == nil {
			m, err := model.Load(cfg.ModelPath)
			if err != nil {
				return nil, false, err
			}
			m.Settings.MatchThreshold = cfg.Settings.MatchThreshold
			m.Settings.ReviewThreshold = cfg.Settings.ReviewThreshold
			m.Settings.MaxComparisons = cfg.Settings.MaxComparisons
			l, err := linkage.NewFromModel(m, inputs, opts)
			return l, true, err
		}
	}
	l, err := linkage.New(cfg.Settings, inputs, opts)
	return l, false, err
}

// autoBlocking chooses the prediction blocking rules from the data for
// `blocking_rules: auto` and records the choice in the metadata.
func autoBlocking(ctx context.Context, cfg Config, l *linkage.Linker, meta *Metadata, warn func(string, ...any)) error {
	sr, err := suggest.Suggest(ctx, l, suggest.Options{Workers: cfg.Workers})
	if err != nil {
		return fmt.Errorf("linkage blocking_rules: auto: %w", err)
	}
	if err := l.SetBlockingRules(sr.RuleTexts()); err != nil {
		return fmt.Errorf("linkage blocking_rules: auto: %w", err)
	}
	meta.AutoBlocking = sr
	for _, w := range sr.Warnings {
		warn("blocking_rules: auto: %s", w)
	}
	return nil
}

// preflight refuses, before any training scan, every rule set that would
// exceed the comparison cap: prediction rules, training rules and the
// deterministic rules λ is estimated from.
func preflight(l *linkage.Linker) error {
	s := l.Settings()
	sets := []struct {
		what  string
		rules []string
	}{{"blocking_rules", s.BlockingRules}}
	if s.ProbabilityTwoRandomRecordsMatch == 0 {
		sets = append(sets, struct {
			what  string
			rules []string
		}{"training.deterministic_rules", s.Training.DeterministicRules})
	}
	for _, set := range sets {
		if err := checkCap(l, set.what, set.rules, s.MaxComparisons); err != nil {
			return err
		}
	}
	// Training runs one EM per rule, so each is capped on its own.
	for _, r := range s.Training.BlockingRules {
		if err := checkCap(l, "training.blocking_rules", []string{r}, s.MaxComparisons); err != nil {
			return err
		}
	}
	return nil
}

func checkCap(l *linkage.Linker, what string, rules []string, limit int64) error {
	stats, err := l.BlockingStats(rules)
	if err != nil {
		return fmt.Errorf("linkage %s: %w", what, err)
	}
	var total int64
	for _, rc := range stats {
		if rc.Comparisons > limit {
			return fmt.Errorf("linkage %s: %w", what, &blocking.CapError{Rule: rc.Rule, Count: rc.Comparisons, Cap: limit})
		}
		total += rc.Comparisons
	}
	if total > limit {
		return fmt.Errorf("linkage %s: %w", what, &blocking.CapError{Total: total, Cap: limit})
	}
	return nil
}

func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// decisionLogger forwards the warnings ReadDecisions logs (corrupt lines,
// with file and line) into the job's warnings as well as its log.
func decisionLogger(log *slog.Logger, warn func(string, ...any)) *slog.Logger {
	return slog.New(&warnHandler{Handler: log.Handler(), warn: warn})
}

type warnHandler struct {
	slog.Handler
	warn func(string, ...any)
}

func (h *warnHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || h.Handler.Enabled(ctx, l)
}

func (h *warnHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.warn("%s", r.Message)
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h *warnHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &warnHandler{Handler: h.Handler.WithAttrs(as), warn: h.warn}
}

func (h *warnHandler) WithGroup(name string) slog.Handler {
	return &warnHandler{Handler: h.Handler.WithGroup(name), warn: h.warn}
}

func (c *Config) stage(s Stage) {
	if c.Progress != nil {
		c.Progress(s)
	}
}
