package linkjob

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkage/cluster"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
)

// Columns of the pair artefacts besides the per-comparison ones.
const (
	colIDLeft      = "unique_id_l"
	colSourceLeft  = "source_dataset_l"
	colIDRight     = "unique_id_r"
	colSourceRight = "source_dataset_r"
	colWeight      = "match_weight"
	colProbability = "match_probability"
	colClass       = "classification"
	colRule        = "blocking_rule"
	colFired       = "rule"
)

func writeArtefacts(cfg Config, v *pairView, cl *cluster.Result, res *Result) error {
	order := v.sortedPairs()
	var kept, reviews []int
	for _, k := range order {
		switch v.class(k) {
		case linkage.Match:
			kept = append(kept, k)
		case linkage.Review:
			kept = append(kept, k)
			reviews = append(reviews, k)
		}
	}
	for _, a := range []struct {
		name  string
		pairs []int
	}{{MatchesFile, kept}, {ReviewFile, reviews}} {
		t, err := v.pairTable(a.pairs)
		if err != nil {
			return fmt.Errorf("linkage %s: %w", a.name, err)
		}
		path := filepath.Join(cfg.OutputDir, a.name)
		if err := WriteParquet(path, t); err != nil {
			return err
		}
		res.Files[a.name] = path
	}
	ct, err := ClustersTable(v.recs, res.Inputs, v.l.Settings().UniqueIDColumn, cl.Labels)
	if err != nil {
		return err
	}
	path := filepath.Join(cfg.OutputDir, ClustersFile)
	if err := WriteParquet(path, ct); err != nil {
		return err
	}
	res.Files[ClustersFile] = path
	path = filepath.Join(cfg.OutputDir, ReportFile)
	if err := writeReport(path, cfg, v, res.Metadata); err != nil {
		return err
	}
	res.Files[ReportFile] = path
	return nil
}

// sortedPairs returns the kept pairs' indexes ordered by record numbers, so
// artefacts do not depend on the number of workers.
func (v *pairView) sortedPairs() []int {
	order := make([]int, len(v.pred.Pairs))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int {
		pa, pb := v.pred.Pairs[a], v.pred.Pairs[b]
		return cmp.Or(cmp.Compare(pa.I, pb.I), cmp.Compare(pa.J, pb.J))
	})
	return order
}

// pairTable lays out pairs as Splink does: both ids and sources, weight,
// probability and class, then per comparison its level (gamma_ and
// level_), Bayes factor (bf_) and term-frequency adjustment (tf_adj_, in
// log2 units), then the compared values of both sides (<column>_l,
// <column>_r).
func (v *pairView) pairTable(pairs []int) (*table.Table, error) {
	names := newNamer()
	fields := []table.Field{
		{Name: names.take(colIDLeft), Type: table.String}, {Name: names.take(colSourceLeft), Type: table.String},
		{Name: names.take(colIDRight), Type: table.String}, {Name: names.take(colSourceRight), Type: table.String},
		{Name: names.take(colWeight), Type: table.Float64}, {Name: names.take(colProbability), Type: table.Float64},
		{Name: names.take(colClass), Type: table.String}, {Name: names.take(colRule), Type: table.String},
	}
	// Rule matching records which rule classified each pair; a model's
	// pairs have no such column.
	fired := v.pred.FiredRules != nil
	if fired {
		fields = append(fields, table.Field{Name: names.take(colFired), Type: table.String})
	}
	nc := len(v.names)
	hasTF := make([]bool, nc)
	for c := range v.names {
		for lv := range v.params.Comparisons[c].Levels {
			hasTF[c] = hasTF[c] || v.l.Engine().TF(c, lv) != nil
		}
		fields = append(fields,
			table.Field{Name: names.take("gamma_" + v.names[c]), Type: table.Int64},
			table.Field{Name: names.take("level_" + v.names[c]), Type: table.String},
			table.Field{Name: names.take("bf_" + v.names[c]), Type: table.Float64})
		if hasTF[c] {
			fields = append(fields, table.Field{Name: names.take("tf_adj_" + v.names[c]), Type: table.Float64})
		}
	}
	for _, col := range v.columns {
		fields = append(fields, table.Field{Name: names.take(col + "_l"), Type: table.String},
			table.Field{Name: names.take(col + "_r"), Type: table.String})
	}
	schema, err := table.NewSchema(fields...)
	if err != nil {
		return nil, err
	}
	b := table.NewBuilder(schema, len(pairs))
	for _, k := range pairs {
		p := v.pred.Pairs[k]
		vec := v.pred.Vector(k)
		col := 0
		next := func() *table.ColumnBuilder { c := b.Column(col); col++; return c }
		next().AppendString(v.recs.ID(int(p.I)))
		next().AppendString(v.recs.InputName(v.recs.Source(int(p.I))))
		next().AppendString(v.recs.ID(int(p.J)))
		next().AppendString(v.recs.InputName(v.recs.Source(int(p.J))))
		next().AppendFloat64(p.Weight)
		next().AppendFloat64(p.Probability())
		next().AppendString(v.class(k).String())
		next().AppendString(v.pred.Rules[p.Rule])
		if fired {
			if r := v.pred.FiredRule(k); r != "" {
				next().AppendString(r)
			} else {
				next().AppendNull()
			}
		}
		for c := 0; c < nc; c++ {
			lv := vec[c]
			next().AppendInt64(int64(lv))
			next().AppendString(v.levelLabel(c, lv))
			next().AppendFloat64(v.bayesFactor(c, lv))
			if hasTF[c] {
				next().AppendFloat64(v.tf(c, lv, p.I, p.J))
			}
		}
		for _, name := range v.columns {
			for _, i := range []int32{p.I, p.J} {
				cb := next()
				if s, ok := v.value(name, i); ok {
					cb.AppendString(s)
				} else {
					cb.AppendNull()
				}
			}
		}
	}
	return b.Build()
}

// namer keeps generated column names distinct: a comparison called
// "classification" must not collide with the pair's class.
type namer map[string]bool

func newNamer() namer { return namer{} }

func (n namer) take(name string) string {
	out := name
	for k := 2; n[out]; k++ {
		out = name + "_" + strconv.Itoa(k)
	}
	n[out] = true
	return out
}

// ClustersTable lists every record of recs (indexed from inputs) with its
// cluster: the id column (typed as in the input when there is one input),
// source_dataset when there are several, and cluster_id.
func ClustersTable(recs *records.Set, inputs []records.Input, idColumn string, labels []int32) (*table.Table, error) {
	multi := recs.NumInputs() > 1
	idType := table.String
	var single *table.Column
	if !multi {
		single = inputs[0].Table.ColumnByName(idColumn)
		idType = single.Type()
	}
	fields := []table.Field{{Name: idColumn, Type: idType}}
	if multi {
		fields = append(fields, table.Field{Name: SourceColumn, Type: table.String})
	}
	fields = append(fields, table.Field{Name: ClusterColumn, Type: table.Int64})
	schema, err := table.NewSchema(fields...)
	if err != nil {
		return nil, fmt.Errorf("linkage clusters: %w", err)
	}
	b := table.NewBuilder(schema, recs.Len())
	for i := 0; i < recs.Len(); i++ {
		if multi {
			b.Column(0).AppendString(recs.ID(i))
			b.Column(1).AppendString(recs.InputName(recs.Source(i)))
		} else {
			b.Column(0).AppendFrom(single, i)
		}
		b.Column(len(fields) - 1).AppendInt64(int64(labels[i]))
	}
	return b.Build()
}

// WithClusters returns input k (of the inputs recs indexes) with a
// cluster_id column appended, replacing one the input already has.
func WithClusters(recs *records.Set, inputs []records.Input, k int, labels []int32) (*table.Table, error) {
	in := inputs[k].Table
	cb := table.NewColumnBuilder(table.Int64, in.NumRows())
	off := recs.Offset(k)
	for r := 0; r < in.NumRows(); r++ {
		cb.AppendInt64(int64(labels[off+r]))
	}
	return in.WithColumn(ClusterColumn, cb.Build())
}

// WriteParquet writes t to path atomically.
func WriteParquet(path string, t *table.Table) error {
	w, err := parquetio.Create(path, t.Schema(), parquetio.WriteOptions{})
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Write(t); err != nil {
		_ = table.Abort(w)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
