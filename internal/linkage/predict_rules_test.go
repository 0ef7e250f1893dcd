package linkage

import (
	"context"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/linkage/cluster"
	"github.com/hotpass/hotpass/internal/linkage/matchrules"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// personRules match on a close name with the same date of birth, and send
// an exact name with another date of birth to review.
const personRules = `
- name: name_and_dob
  all:
    - {comparison: first_name, op: jaro_winkler, threshold: 0.92}
    - {comparison: surname, op: jaro_winkler, threshold: 0.92}
    - any:
        - {comparison: dob, op: exact}
        - {comparison: email, op: email}
- name: same_name
  decision: review
  all:
    - {comparison: first_name, op: exact}
    - {comparison: surname, op: exact}
`

func withRules(t testing.TB, s settings.Settings, src string) settings.Settings {
	t.Helper()
	if err := yaml.Unmarshal([]byte(src), &s.Rules); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// Every kept pair's class follows from the rule recorded on it, which is
// the first rule that holds; no rule means a reject. Prediction by rules
// scans the same candidate pairs as the model.
func TestPredictRules(t *testing.T) {
	t.Parallel()
	tb := readCSV(t, testdata+"fake_1000/fake_1000.csv", ',', false)
	s := withRules(t, loadSettings(t, "../../examples/linkage/fake_1000.yaml"), personRules)
	l := mustLinker(t, s, records.Input{Name: "fake", Table: tb})
	ctx := context.Background()
	pred, err := l.PredictRules(ctx, PredictOptions{MinProbability: -1, KeepVectors: true})
	if err != nil {
		t.Fatal(err)
	}
	model, err := l.Predict(ctx, PredictOptions{MinProbability: -1})
	if err != nil {
		t.Fatal(err)
	}
	if pred.Compared != model.Compared || int64(len(pred.Pairs)) != pred.Compared {
		t.Fatalf("rules compared %d pairs (kept %d), the model %d; want the same candidates, all kept", pred.Compared, len(pred.Pairs), model.Compared)
	}
	m, err := matchrules.Compile(s.Rules, s.RuleComparisons(), l.Records())
	if err != nil {
		t.Fatal(err)
	}
	w := m.NewWorker()
	counts := map[string]int64{}
	for k, p := range pred.Pairs {
		want := w.Fire(p.I, p.J)
		rule := pred.FiredRule(k)
		if int(p.Fired)-1 != want {
			t.Fatalf("pair (%d, %d): recorded rule %q, but the first rule that holds is %d", p.I, p.J, rule, want)
		}
		class := pred.Class(k)
		switch rule {
		case "name_and_dob":
			if class != Match || p.Probability() != 1 {
				t.Errorf("pair (%d, %d) by %s: %s with probability %v; want match with probability 1", p.I, p.J, rule, class, p.Probability())
			}
		case "same_name":
			if class != Review {
				t.Errorf("pair (%d, %d) by %s: %s, want review", p.I, p.J, rule, class)
			}
		case "":
			if class != Reject {
				t.Errorf("pair (%d, %d) with no rule: %s, want reject", p.I, p.J, class)
			}
		}
		counts[rule]++
		if len(pred.Vector(k)) != l.Engine().NumComparisons() {
			t.Fatalf("pair %d has %d levels, want one per comparison", k, len(pred.Vector(k)))
		}
	}
	if counts["name_and_dob"] == 0 || counts["same_name"] == 0 || counts[""] == 0 {
		t.Errorf("pairs per rule %v; the data should exercise both rules and rejects", counts)
	}
	if pred.Matches != counts["name_and_dob"] || pred.Reviews != counts["same_name"] {
		t.Errorf("counted %d matches and %d reviews; the rules fired %v", pred.Matches, pred.Reviews, counts)
	}
	cl, err := l.Cluster(pred, cluster.Constraints{})
	if err != nil {
		t.Fatal(err)
	}
	if cl.NumClusters >= l.Records().Len() {
		t.Errorf("%d clusters of %d records: the matches merged nothing", cl.NumClusters, l.Records().Len())
	}

	// Only pairs a rule holds for are kept by default.
	def, err := l.PredictRules(ctx, PredictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(def.Pairs)) != def.Matches+def.Reviews || def.Matches != pred.Matches {
		t.Errorf("default prediction kept %d pairs for %d matches and %d reviews", len(def.Pairs), def.Matches, def.Reviews)
	}
}

func TestPredictRulesRefusals(t *testing.T) {
	t.Parallel()
	tb := readCSV(t, testdata+"fake_1000/fake_1000.csv", ',', false)
	base := loadSettings(t, "../../examples/linkage/fake_1000.yaml")
	for _, tc := range []struct {
		name string
		edit func(*settings.Settings)
		want string
	}{
		{"no rules", func(s *settings.Settings) { s.Rules = nil }, "add a rules: block"},
		{"review rule without a band", func(s *settings.Settings) { s.ReviewThreshold = s.MatchThreshold }, `rule "same_name" sends pairs to review, but there is no review band`},
		{"missing column", func(s *settings.Settings) {
			s.Rules[0].All[0] = matchrules.Condition{Column: "nosuch", Op: matchrules.Exact}
		}, `no column "nosuch"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := withRules(t, base, personRules)
			tc.edit(&s)
			l := mustLinker(t, s, records.Input{Name: "fake", Table: tb})
			if _, err := l.PredictRules(context.Background(), PredictOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("PredictRules: %v, want %q", err, tc.want)
			}
		})
	}
}

// BenchmarkPredictRules100k classifies the candidate pairs of
// BenchmarkPredict100k's input and blocking with deterministic rules, for
// comparison with the model's prediction.
func BenchmarkPredictRules100k(b *testing.B) {
	tb := loadPersons100k(b)
	s := withRules(b, loadSettings(b, examples+"persons.yaml"), personRules)
	l := mustLinker(b, s, records.Input{Name: "persons", Table: tb})
	benchPredictWith(b, l.PredictRules)
}
