package linkage

import (
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/internal/benchdata"
	"github.com/hotpass/hotpass/internal/linkage/evaluate"
	"github.com/hotpass/hotpass/internal/linkage/linktest"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/table"
)

const examples = "../../examples/linkage/"

func febrlEntity(id string) string { return linktest.FebrlEntity(id) }

func columnStrings(t *testing.T, tb *table.Table, name string) []string {
	t.Helper()
	return linktest.Column(t, tb, name)
}

type accuracyCase struct {
	name   string
	config string
	minF1  float64
	load   func(t *testing.T) ([]records.Input, evaluate.Truth)
}

var accuracyCases = []accuracyCase{
	{"fake_1000", "fake_1000.yaml", 0.87, func(t *testing.T) ([]records.Input, evaluate.Truth) {
		tb := readCSV(t, testdata+"fake_1000/fake_1000.csv", ',', false)
		return []records.Input{{Name: "fake_1000", Table: tb}}, evaluate.Truth{Entity: columnStrings(t, tb, "cluster")}
	}},
	{"febrl3", "febrl3.yaml", 0.995, func(t *testing.T) ([]records.Input, evaluate.Truth) {
		tb := readCSV(t, testdata+"febrl/febrl_dataset3.csv", ',', true)
		ids := columnStrings(t, tb, "rec_id")
		ent := make([]string, len(ids))
		for i, id := range ids {
			ent[i] = febrlEntity(id)
		}
		return []records.Input{{Name: "febrl3", Table: tb}}, evaluate.Truth{Entity: ent}
	}},
	{"febrl4", "febrl4.yaml", 0.999, func(t *testing.T) ([]records.Input, evaluate.Truth) {
		a := readCSV(t, testdata+"febrl/febrl_dataset4a.csv", ',', true)
		b := readCSV(t, testdata+"febrl/febrl_dataset4b.csv", ',', true)
		var ent []string
		var src []uint16
		for k, tb := range []*table.Table{a, b} {
			for _, id := range columnStrings(t, tb, "rec_id") {
				ent = append(ent, febrlEntity(id))
				src = append(src, uint16(k))
			}
		}
		return []records.Input{{Name: "febrl4a", Table: a}, {Name: "febrl4b", Table: b}},
			evaluate.Truth{Entity: ent, Source: src, CrossOnly: true}
	}},
	{"dblp_acm", "dblp_acm.yaml", 0.95, func(t *testing.T) ([]records.Input, evaluate.Truth) {
		dir := benchdata.SharedDir()
		if dir == "" {
			t.Skip("shared/linkage-benchmarks not found beside the repository: DBLP-ACM is research-only data and is not committed, so this test needs the shared copy")
		}
		dblp := readCSV(t, filepath.Join(dir, "dblp_acm", "dblp.csv"), '%', false)
		acm := readCSV(t, filepath.Join(dir, "dblp_acm", "acm.csv"), '%', false)
		gt := readCSV(t, filepath.Join(dir, "dblp_acm", "gt.csv"), '%', false)
		// Entities: each record is its own entity unless the ground truth
		// pairs it (1:1) with a record of the other source.
		ent := make([]string, 0, dblp.NumRows()+acm.NumRows())
		src := make([]uint16, 0, cap(ent))
		for _, id := range columnStrings(t, dblp, "id") {
			ent = append(ent, "d"+id)
			src = append(src, 0)
		}
		acmEnt := map[string]string{}
		d1, d2 := columnStrings(t, gt, "D1"), columnStrings(t, gt, "D2")
		for k := range d1 {
			acmEnt[d2[k]] = "d" + d1[k]
		}
		for _, id := range columnStrings(t, acm, "id") {
			e, ok := acmEnt[id]
			if !ok {
				e = "a" + id
			}
			ent = append(ent, e)
			src = append(src, 1)
		}
		return []records.Input{{Name: "dblp", Table: dblp}, {Name: "acm", Table: acm}},
			evaluate.Truth{Entity: ent, Source: src, CrossOnly: true}
	}},
}

// TestAccuracy trains each example model on its benchmark dataset and checks
// pairwise F1 of the predicted match pairs against the ground truth.
func TestAccuracy(t *testing.T) {
	if raceEnabled {
		t.Skip("accuracy runs take minutes under the race detector; run go test without -race")
	}
	t.Parallel()
	for _, tc := range accuracyCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inputs, truth := tc.load(t)
			l := mustLinker(t, loadSettings(t, examples+tc.config), inputs...)
			res, pred := trainPredict(t, l)
			for _, w := range res.Warnings {
				t.Logf("training warning: %s", w)
			}
			pairs, err := evaluate.Pairs(pred.MatchPairs(), truth)
			if err != nil {
				t.Fatal(err)
			}
			cl, err := l.Cluster(pred, clusterNone)
			if err != nil {
				t.Fatal(err)
			}
			clusters, err := evaluate.Clusters(cl.Labels, truth)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("λ %.3g, %d pairs compared; pairs: %v; clusters: %v", res.Lambda, pred.Compared, pairs, clusters)
			if pairs.F1 < tc.minF1 {
				t.Errorf("pairwise F1 %.4f, want at least %.3f", pairs.F1, tc.minF1)
			}
		})
	}
}
