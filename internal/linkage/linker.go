package linkage

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync"

	"github.com/hotpass/hotpass/internal/linkage/blocking"
	"github.com/hotpass/hotpass/internal/linkage/compare"
	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// Options tune a Linker without changing its results.
type Options struct {
	// Workers is the number of goroutines for pair scans; default
	// GOMAXPROCS.
	Workers int
	// Logger receives progress and warnings; default slog.Default().
	Logger *slog.Logger
}

// Linker runs a linkage model over a set of input tables. Its methods are
// not safe for concurrent use (Train changes the parameters); a Linker does
// parallelise its own work.
type Linker struct {
	settings settings.Settings
	recs     *records.Set
	engine   *compare.Engine
	params   model.Params
	tfTables map[string]map[string]float64
	workers  int
	log      *slog.Logger

	// blockCols codes blocking columns once for every rule set.
	blockCols *blocking.Columns

	tfOnce  sync.Once
	idsOnce sync.Once
	ids     []map[string]int32
}

// New validates s and prepares the inputs: it checks the unique id column,
// builds the comparison engine and starts from the settings' m and u (or
// defaults). Data problems that do not stop a run are in Warnings.
func New(s settings.Settings, inputs []records.Input, opts Options) (*Linker, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("linkage settings: %w", err)
	}
	return newLinker(s, model.Start(&s), nil, inputs, opts)
}

// NewFromModel prepares a Linker with a saved model's settings and
// parameters, ready to predict (or to train again).
func NewFromModel(m *model.Model, inputs []records.Input, opts Options) (*Linker, error) {
	s := m.Settings
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("linkage model settings: %w", err)
	}
	if err := m.Params.Check(&s); err != nil {
		return nil, fmt.Errorf("linkage model: %w", err)
	}
	return newLinker(s, m.Params.Clone(), m.TFTables, inputs, opts)
}

func newLinker(s settings.Settings, p model.Params, tf map[string]map[string]float64, inputs []records.Input, opts Options) (*Linker, error) {
	recs, err := records.New(s.LinkType, s.UniqueIDColumn, inputs)
	if err != nil {
		return nil, err
	}
	eng, err := compare.Compile(&s, recs, compare.Options{})
	if err != nil {
		return nil, err
	}
	l := &Linker{settings: s, recs: recs, engine: eng, params: p, tfTables: tf, workers: opts.Workers, log: opts.Logger,
		blockCols: blocking.NewColumns(recs)}
	if l.workers <= 0 {
		l.workers = runtime.GOMAXPROCS(0)
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	for _, w := range eng.Warnings() {
		l.log.Warn("linkage: " + w)
	}
	return l, nil
}

// Settings returns the validated settings (defaults filled).
func (l *Linker) Settings() settings.Settings { return l.settings }

// Records returns the indexed inputs.
func (l *Linker) Records() *records.Set { return l.recs }

// Engine returns the comparison engine.
func (l *Linker) Engine() *compare.Engine { return l.engine }

// Warnings lists data problems found while preparing the inputs.
func (l *Linker) Warnings() []string { return l.engine.Warnings() }

// Params returns a copy of the current parameters.
func (l *Linker) Params() model.Params { return l.params.Clone() }

// SetParams replaces the parameters, for example with values trained
// elsewhere; they must fit the settings.
func (l *Linker) SetParams(p model.Params) error {
	if err := p.Check(&l.settings); err != nil {
		return err
	}
	l.params = p.Clone()
	return nil
}

// Model returns the current model, with the term-frequency tables the data
// produced, ready to Save.
func (l *Linker) Model() *model.Model {
	l.buildTF()
	m := &model.Model{Version: model.FormatVersion, Settings: l.settings, Params: l.params.Clone()}
	for c := 0; c < l.engine.NumComparisons(); c++ {
		for lv := 0; lv < l.engine.NumLevels(c); lv++ {
			if tf := l.engine.TF(c, lv); tf != nil {
				if m.TFTables == nil {
					m.TFTables = map[string]map[string]float64{}
				}
				m.TFTables[tf.Column] = l.engine.TFTable(tf.Column)
			}
		}
	}
	return m
}

func (l *Linker) buildTF() {
	l.tfOnce.Do(func() { l.engine.BuildTF(compare.Options{TFTables: l.tfTables}) })
}

// BlockingStats counts, per rule, the comparisons its blocks hold, from
// block sizes alone (no pair is generated). Rules are in the blocking rule
// syntax (package rule).
func (l *Linker) BlockingStats(rules []string) ([]blocking.RuleCount, error) {
	b, err := l.blocker(rules)
	if err != nil {
		return nil, err
	}
	return b.Stats(), nil
}

// BlockColumns returns the coded columns blocking rules read, shared by
// every rule set over these records.
func (l *Linker) BlockColumns() *blocking.Columns { return l.blockCols }

// SetBlockingRules replaces the prediction blocking rules, for example with
// rules chosen from the data for `blocking_rules: auto`. When the training
// rules are empty they become the same rules, so that m is trained on the
// pairs that will be scored.
func (l *Linker) SetBlockingRules(rules []string) error {
	if _, err := l.blocker(rules); err != nil {
		return err
	}
	l.settings.BlockingRules = append(settings.RuleList(nil), rules...)
	if len(l.settings.Training.BlockingRules) == 0 {
		l.settings.Training.BlockingRules = append([]string(nil), rules...)
	}
	return nil
}

func (l *Linker) blocker(texts []string) (*blocking.Blocker, error) {
	if settings.RuleList(texts).Auto() {
		return nil, fmt.Errorf("blocking_rules: auto has not been resolved: choose the rules first (package suggest, `hotpass linkage suggest-blocking`, or a linkage job, which does it before training)")
	}
	rules, err := settings.Rules(texts)
	if err != nil {
		return nil, err
	}
	return blocking.New(l.recs, l.settings.LinkType, rules, l.blockCols)
}

// Lookup returns the record number of the record with unique id id in input
// (by source name), for turning clerical labels into cluster constraints.
func (l *Linker) Lookup(input, id string) (int32, bool) {
	l.idsOnce.Do(func() {
		l.ids = make([]map[string]int32, l.recs.NumInputs())
		for k := range l.ids {
			l.ids[k] = make(map[string]int32, l.recs.InputLen(k))
		}
		for i := 0; i < l.recs.Len(); i++ {
			l.ids[l.recs.Source(i)][l.recs.ID(i)] = int32(i)
		}
	})
	for k := 0; k < l.recs.NumInputs(); k++ {
		if l.recs.InputName(k) == input {
			i, ok := l.ids[k][id]
			return i, ok
		}
	}
	return 0, false
}

// TotalPairs returns the number of pairs the link type allows without
// blocking: n(n−1)/2, or for link_only the pairs across inputs.
func (l *Linker) TotalPairs() int64 {
	n := int64(l.recs.Len())
	if l.settings.LinkType != settings.LinkOnly {
		return n * (n - 1) / 2
	}
	var same int64
	for k := 0; k < l.recs.NumInputs(); k++ {
		m := int64(l.recs.InputLen(k))
		same += m * m
	}
	return (n*n - same) / 2
}
