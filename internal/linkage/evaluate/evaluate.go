// Package evaluate scores linkage results against ground truth: pairwise
// precision, recall and F1 over all record pairs, for predicted pairs or
// for clusters.
package evaluate

import "fmt"

// Scores are pairwise confusion counts and the measures derived from them.
type Scores struct {
	// TruePositives are predicted pairs of records of one true entity.
	TruePositives int64
	// FalsePositives are predicted pairs of different entities.
	FalsePositives int64
	// FalseNegatives are true pairs not predicted.
	FalseNegatives int64
	Precision      float64
	Recall         float64
	F1             float64
}

func (s *Scores) finish() {
	tp, fp, fn := float64(s.TruePositives), float64(s.FalsePositives), float64(s.FalseNegatives)
	if tp+fp > 0 {
		s.Precision = tp / (tp + fp)
	}
	if tp+fn > 0 {
		s.Recall = tp / (tp + fn)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
}

// String renders the scores on one line.
func (s Scores) String() string {
	return fmt.Sprintf("precision %.4f recall %.4f F1 %.4f (TP %d FP %d FN %d)",
		s.Precision, s.Recall, s.F1, s.TruePositives, s.FalsePositives, s.FalseNegatives)
}

// Truth is the true entity of every record, with the record's input for
// link_only evaluation (where pairs within one input are not candidates and
// so are neither positives nor negatives).
type Truth struct {
	// Entity[i] is record i's true entity label.
	Entity []string
	// Source[i] is record i's input; nil means all records are one input.
	Source []uint16
	// CrossOnly counts only pairs of records from different inputs.
	CrossOnly bool
}

func (t Truth) codes() ([]int32, int) {
	index := map[string]int32{}
	out := make([]int32, len(t.Entity))
	for i, e := range t.Entity {
		c, ok := index[e]
		if !ok {
			c = int32(len(index))
			index[e] = c
		}
		out[i] = c
	}
	return out, len(index)
}

func (t Truth) counted(i, j int32) bool {
	return !t.CrossOnly || t.Source == nil || t.Source[i] != t.Source[j]
}

// positives returns the number of true pairs: for each entity k(k−1)/2, or
// with CrossOnly only pairs across inputs.
func (t Truth) positives(ent []int32, n int) int64 {
	size := make([]int64, n)
	for _, e := range ent {
		size[e]++
	}
	var p int64
	for _, k := range size {
		p += k * (k - 1) / 2
	}
	if !t.CrossOnly || t.Source == nil {
		return p
	}
	same := map[[2]int64]int64{}
	for i, e := range ent {
		same[[2]int64{int64(e), int64(t.Source[i])}]++
	}
	for _, k := range same {
		p -= k * (k - 1) / 2
	}
	return p
}

// Pairs scores predicted match pairs (record numbers; each unordered pair
// at most once) against the truth.
func Pairs(pred [][2]int32, truth Truth) (Scores, error) {
	ent, n := truth.codes()
	var s Scores
	for k, p := range pred {
		if p[0] < 0 || int(p[0]) >= len(ent) || p[1] < 0 || int(p[1]) >= len(ent) || p[0] == p[1] {
			return s, fmt.Errorf("evaluate: predicted pair %d (%d, %d) is not a pair of records 0..%d", k+1, p[0], p[1], len(ent)-1)
		}
		if !truth.counted(p[0], p[1]) {
			continue
		}
		if ent[p[0]] == ent[p[1]] {
			s.TruePositives++
		} else {
			s.FalsePositives++
		}
	}
	s.FalseNegatives = truth.positives(ent, n) - s.TruePositives
	s.finish()
	return s, nil
}

// Clusters scores a clustering: every pair of records in one predicted
// cluster is a predicted match.
func Clusters(labels []int32, truth Truth) (Scores, error) {
	if len(labels) != len(truth.Entity) {
		return Scores{}, fmt.Errorf("evaluate: %d cluster labels for %d records", len(labels), len(truth.Entity))
	}
	ent, n := truth.codes()
	type key struct {
		pred, ent int32
		src       uint16
	}
	joint := map[key]int64{}
	predSize := map[key]int64{}
	for i, l := range labels {
		var src uint16
		if truth.CrossOnly && truth.Source != nil {
			src = truth.Source[i]
		}
		joint[key{l, ent[i], 0}]++
		predSize[key{l, -1, 0}]++
		if truth.CrossOnly && truth.Source != nil {
			joint[key{l, ent[i], src + 1}]++
			predSize[key{l, -1, src + 1}]++
		}
	}
	var predicted, tp int64
	for k, c := range predSize {
		pairs := c * (c - 1) / 2
		if k.src == 0 {
			predicted += pairs
		} else {
			predicted -= pairs
		}
	}
	for k, c := range joint {
		pairs := c * (c - 1) / 2
		if k.src == 0 {
			tp += pairs
		} else {
			tp -= pairs
		}
	}
	s := Scores{TruePositives: tp, FalsePositives: predicted - tp}
	s.FalseNegatives = truth.positives(ent, n) - tp
	s.finish()
	return s, nil
}
