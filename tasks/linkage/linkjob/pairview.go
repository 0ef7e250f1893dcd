package linkjob

import (
	"math"

	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/records"
)

// pairView explains scored pairs: the level, Bayes factor and
// term-frequency adjustment of each comparison, and the compared values of
// both records. Artefacts, the report and review tasks all read pairs
// through it.
type pairView struct {
	l       *linkage.Linker
	pred    *linkage.Prediction
	recs    *records.Set
	weights model.Weights
	params  model.Params
	names   []string
	// columns are the distinct columns the comparisons read, in order.
	columns []string
	values  map[string][]string
	present map[string][]bool
}

func newPairView(l *linkage.Linker, pred *linkage.Prediction) *pairView {
	v := &pairView{l: l, pred: pred, recs: l.Records(), params: l.Params(),
		values: map[string][]string{}, present: map[string][]bool{}}
	v.weights = v.params.Weights()
	eng := l.Engine()
	for c := 0; c < eng.NumComparisons(); c++ {
		v.names = append(v.names, eng.Name(c))
		for _, col := range eng.Columns(c) {
			if _, ok := v.values[col]; ok {
				continue
			}
			vals, pres, err := v.recs.Strings(col)
			if err != nil {
				// The engine compiled the comparison, so the column exists;
				// show nothing rather than fail the artefacts.
				continue
			}
			v.columns = append(v.columns, col)
			v.values[col], v.present[col] = vals, pres
		}
	}
	return v
}

// value returns record i's value of col and whether it is present.
func (v *pairView) value(col string, i int32) (string, bool) {
	if !v.present[col][i] {
		return "", false
	}
	return v.values[col][i], true
}

func (v *pairView) levelLabel(c int, lv uint8) string {
	return v.params.Comparisons[c].Levels[lv].Label
}

// bayesFactor is m/u of the level, 1 for the null level.
func (v *pairView) bayesFactor(c int, lv uint8) float64 {
	return math.Exp2(v.weights.BF[c][lv])
}

// tf is the term-frequency adjustment of pair (i, j) at the level, in
// log2 units, exactly as prediction adds it.
func (v *pairView) tf(c int, lv uint8, i, j int32) float64 {
	adj := v.l.Engine().TF(c, int(lv))
	if adj == nil {
		return 0
	}
	return adj.Weight * (v.weights.LogU[c][lv] - max(adj.LogTF[i], adj.LogTF[j], adj.LogMinTF))
}

// class returns the classification of kept pair k.
func (v *pairView) class(k int) linkage.Class { return v.pred.Class(k) }
