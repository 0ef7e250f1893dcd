package suggest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hotpass/hotpass/internal/benchdata"
	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkage/evaluate"
	"github.com/hotpass/hotpass/internal/linkage/linktest"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

const (
	examples = "../../../examples/linkage/"
	testdata = "../../../testdata/linkage/"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type dataset struct {
	inputs []records.Input
	truth  evaluate.Truth
}

func fake1000(t testing.TB) dataset {
	tb := linktest.ReadCSV(t, testdata+"fake_1000/fake_1000.csv", ',', false)
	return dataset{[]records.Input{{Name: "fake_1000", Table: tb}}, evaluate.Truth{Entity: linktest.Column(t, tb, "cluster")}}
}

func febrl3(t testing.TB) dataset {
	tb := linktest.ReadCSV(t, testdata+"febrl/febrl_dataset3.csv", ',', true)
	ids := linktest.Column(t, tb, "rec_id")
	ent := make([]string, len(ids))
	for i, id := range ids {
		ent[i] = linktest.FebrlEntity(id)
	}
	return dataset{[]records.Input{{Name: "febrl3", Table: tb}}, evaluate.Truth{Entity: ent}}
}

// persons generates rows persons with gen_persons.py and a seed other than
// its default, or skips when the generator is not at hand.
func persons(t testing.TB, rows int) dataset {
	dir := benchdata.SharedDir()
	py, err := exec.LookPath("python3")
	if dir == "" || err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 and shared/linkage-benchmarks/gen_persons.py are needed")
		}
		t.Skip("python3 and shared/linkage-benchmarks/gen_persons.py are needed to generate the persons data")
	}
	out := filepath.Join(t.TempDir(), "persons.csv")
	cmd := exec.Command(py, filepath.Join(dir, "gen_persons.py"), "--rows", strconv.Itoa(rows), "--seed", "7", "--out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen_persons.py: %v: %s", err, msg)
	}
	return personsCSV(t, out)
}

// personsCSV reads a persons file from gen_persons.py.
func personsCSV(t testing.TB, path string) dataset {
	tb := linktest.ReadCSV(t, path, ',', false)
	return dataset{[]records.Input{{Name: "persons", Table: tb}}, evaluate.Truth{Entity: linktest.Column(t, tb, "cluster")}}
}

func loadSettings(t testing.TB, name string) settings.Settings {
	t.Helper()
	s, err := settings.Load(examples + name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type outcome struct {
	recall   float64
	compared int64
	scores   evaluate.Scores
}

// run trains and predicts with s and scores the match pairs.
func run(t testing.TB, s settings.Settings, d dataset, rules []string) outcome {
	t.Helper()
	ctx := context.Background()
	l, err := linkage.New(s, d.inputs, linkage.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if rules != nil {
		if err := l.SetBlockingRules(rules); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Train(ctx); err != nil {
		t.Fatal(err)
	}
	pred, err := l.Predict(ctx, linkage.PredictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := evaluate.Pairs(pred.MatchPairs(), d.truth)
	if err != nil {
		t.Fatal(err)
	}
	return outcome{recall: sc.Recall, compared: pred.Compared, scores: sc}
}

// compareAuto checks that rules chosen from the data keep pairwise recall
// within 0.02 of the hand-written rules of the example config, with at
// most twice its comparisons.
func compareAuto(t *testing.T, config string, d dataset) {
	t.Helper()
	hand := loadSettings(t, config)
	want := run(t, hand, d, nil)
	auto := hand
	auto.BlockingRules = settings.RuleList{settings.AutoBlocking}
	l, err := linkage.New(auto, d.inputs, linkage.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Suggest(context.Background(), l, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Rules {
		t.Logf("  %-50s %12d  +%.4f  %.4f  %d", c.Rule, c.Comparisons, c.RecallAdded, c.Recall, c.CumulativeComparisons)
	}
	t.Logf("candidates %d, anchors %d, broad pairs %d, likely matches %d, λ %.3g; warnings %v", res.Candidates, res.Anchors, res.BroadPairs, res.LikelyMatches, res.BroadLambda, res.Warnings)
	got := run(t, auto, d, res.RuleTexts())
	t.Logf("hand-written: recall %.4f, %d comparisons (%v); auto: recall %.4f, %d comparisons (%v)", want.recall, want.compared, want.scores, got.recall, got.compared, got.scores)
	if got.recall < want.recall-0.02 {
		t.Errorf("auto blocking recall %.4f, want within 0.02 of the hand-written %.4f", got.recall, want.recall)
	}
	if got.compared > 2*max(want.compared, 1) {
		t.Errorf("auto blocking compares %d pairs, want at most twice the hand-written %d", got.compared, want.compared)
	}
}

func TestAutoBlockingFEBRL3(t *testing.T) {
	skipUnderRace(t)
	t.Parallel()
	compareAuto(t, "febrl3.yaml", febrl3(t))
}

func TestAutoBlockingFake1000(t *testing.T) {
	skipUnderRace(t)
	t.Parallel()
	compareAuto(t, "fake_1000.yaml", fake1000(t))
}

func TestAutoBlockingPersons(t *testing.T) {
	skipUnderRace(t)
	rows := 100_000
	if testing.Short() {
		rows = 20_000
	}
	compareAuto(t, "persons.yaml", persons(t, rows))
}

func skipUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("accuracy runs take minutes under the race detector; run go test without -race")
	}
}
