package linkjob

import (
	"fmt"
	"strings"

	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/table"
)

// ClusterSizeColumn counts the records a resolved row stands for.
const ClusterSizeColumn = "cluster_size"

// Resolved returns one row per cluster: the cluster's most complete
// record — the one with the most non-empty values (nulls and blank
// strings count as empty) — with ties going to the earliest record (first
// input, then first row), so the choice is reproducible. Columns are the
// union of the inputs' columns in order of appearance (a column whose type
// differs between inputs becomes text; a column an input lacks is null),
// then source_dataset, cluster_id and cluster_size. Rows come in cluster
// order.
func Resolved(recs *records.Set, inputs []records.Input, labels []int32, numClusters int) (*table.Table, error) {
	if len(labels) != recs.Len() {
		return nil, fmt.Errorf("resolve: %d cluster labels for %d records", len(labels), recs.Len())
	}
	type colInfo struct {
		typ   table.Type
		mixed bool
	}
	var names []string
	info := map[string]*colInfo{}
	for _, in := range inputs {
		for _, f := range in.Table.Schema().Fields() {
			ci, ok := info[f.Name]
			if !ok {
				names = append(names, f.Name)
				info[f.Name] = &colInfo{typ: f.Type}
				continue
			}
			ci.mixed = ci.mixed || ci.typ != f.Type
		}
	}
	best := make([]int, numClusters)
	score := make([]int, numClusters)
	size := make([]int64, numClusters)
	for c := range best {
		best[c] = -1
	}
	for i := 0; i < recs.Len(); i++ {
		c := labels[i]
		size[c]++
		k, r := recs.Row(i)
		n := filled(inputs[k].Table, r)
		if best[c] < 0 || n > score[c] {
			best[c], score[c] = i, n
		}
	}
	var fields []table.Field
	for _, n := range names {
		typ := info[n].typ
		if info[n].mixed {
			typ = table.String
		}
		fields = append(fields, table.Field{Name: n, Type: typ})
	}
	nd := newNamer()
	for _, n := range names {
		nd.take(n)
	}
	srcName, clName, sizeName := nd.take(SourceColumn), nd.take(ClusterColumn), nd.take(ClusterSizeColumn)
	fields = append(fields, table.Field{Name: srcName, Type: table.String},
		table.Field{Name: clName, Type: table.Int64}, table.Field{Name: sizeName, Type: table.Int64})
	schema, err := table.NewSchema(fields...)
	if err != nil {
		return nil, fmt.Errorf("resolve: %w", err)
	}
	b := table.NewBuilder(schema, numClusters)
	for c, i := range best {
		k, r := recs.Row(i)
		t := inputs[k].Table
		for j, n := range names {
			src := t.ColumnByName(n)
			switch {
			case src == nil || src.IsNull(r):
				b.Column(j).AppendNull()
			case info[n].mixed:
				b.Column(j).AppendString(src.Format(r))
			default:
				b.Column(j).AppendFrom(src, r)
			}
		}
		b.Column(len(names)).AppendString(recs.InputName(k))
		b.Column(len(names) + 1).AppendInt64(int64(c))
		b.Column(len(names) + 2).AppendInt64(size[c])
	}
	return b.Build()
}

// filled counts row r's non-empty values.
func filled(t *table.Table, r int) int {
	n := 0
	for j := 0; j < t.NumCols(); j++ {
		c := t.Column(j)
		if c.IsNull(r) {
			continue
		}
		if c.Type() == table.String && strings.TrimSpace(c.Strings()[r]) == "" {
			continue
		}
		n++
	}
	return n
}
