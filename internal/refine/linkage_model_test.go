package refine_test

import (
	"cmp"
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/profiles"
)

// trainedAviationLinker trains the aviation profile's linkage model (with
// tune applied to its settings) on the bundled example's records.
func trainedAviationLinker(t *testing.T, tune func(*settings.Settings)) *linkage.Linker {
	t.Helper()
	p, err := profiles.Builtin("aviation")
	if err != nil {
		t.Fatal(err)
	}
	r, err := refine.New(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Ingest(context.Background(), refine.IngestOptions{Dir: filepath.Join("..", "..", "examples", "aviation", "data"), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	r.Normalise(b, 1)
	tab, err := r.LinkageTable(b.Records)
	if err != nil {
		t.Fatal(err)
	}
	s := *p.Linkage
	if tune != nil {
		tune(&s)
	}
	l, err := linkage.New(s, []records.Input{{Name: "organisations", Table: tab}}, linkage.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	return l
}

// level returns the index of comparison name and of its first level of
// type typ.
func level(t *testing.T, s settings.Settings, name string, typ settings.LevelType) (int, uint8) {
	t.Helper()
	for c, cmp := range s.Comparisons {
		if cmp.DisplayName() != name {
			continue
		}
		for l, lv := range cmp.Levels {
			if lv.Type == typ {
				return c, uint8(l)
			}
		}
	}
	t.Fatalf("the aviation linkage settings have no %s level in comparison %q", typ, name)
	return 0, 0
}

type exactNamePair struct {
	left, right string
	weight      float64
}

// exactNamePairs scores the bundled example's pairs of one normalised
// name: together are those of two sources in one province with other
// phones, oneSource the same from one source (which lists two
// organisations when it lists a name twice), apart those differing in
// province, phone and email domain.
func exactNamePairs(t *testing.T, l *linkage.Linker) (together, oneSource, apart []exactNamePair) {
	t.Helper()
	s := l.Settings()
	name, exact := level(t, s, "name", settings.Exact)
	prov, provSame := level(t, s, "province", settings.Exact)
	_, provOther := level(t, s, "province", settings.Else)
	phone, phoneOther := level(t, s, "phone", settings.Else)
	email, emailOther := level(t, s, "email_domain", settings.Else)
	// Only pairs of one name can be at the exact level: group by it
	// rather than score every pair.
	recs := l.Records()
	names, present, err := recs.Strings(refine.LinkName)
	if err != nil {
		t.Fatal(err)
	}
	sources, _, err := recs.Strings(refine.LinkDataset)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]int32{}
	for i, n := range names {
		if present[i] {
			byName[n] = append(byName[n], int32(i))
		}
	}
	for _, g := range byName {
		for a := 0; a < len(g); a++ {
			for b := a + 1; b < len(g); b++ {
				w, v := l.Score(g[a], g[b])
				p := exactNamePair{recs.ID(int(g[a])), recs.ID(int(g[b])), w}
				if v[name] != exact {
					t.Fatalf("%s and %s share a name but compare at level %d", p.left, p.right, v[name])
				}
				switch {
				case v[prov] == provSame && v[phone] == phoneOther && sources[g[a]] == sources[g[b]]:
					oneSource = append(oneSource, p)
				case v[prov] == provSame && v[phone] == phoneOther:
					together = append(together, p)
				case v[prov] == provOther && v[phone] == phoneOther && v[email] == emailOther:
					apart = append(apart, p)
				}
			}
		}
	}
	if len(together) == 0 || len(oneSource) == 0 || len(apart) == 0 {
		t.Fatalf("the bundled example has %d pairs of one name and province with other phones from two sources, %d from one source, and %d of one name differing in province, phone and email domain; it should have all three",
			len(together), len(oneSource), len(apart))
	}
	for _, ps := range [][]exactNamePair{together, oneSource, apart} {
		slices.SortFunc(ps, func(a, b exactNamePair) int {
			return cmp.Or(cmp.Compare(a.left, b.left), cmp.Compare(a.right, b.right))
		})
	}
	return together, oneSource, apart
}

// On the bundled example the trained aviation model, not only the
// settling that follows it, merges two records of one normalised name in
// one province from two sources although their phones differ, and keeps
// apart two of one name that differ in province, phone and email domain,
// and two that one source lists side by side (in the bundled example they
// are different organisations).
func TestAviationLinkageModelExactNames(t *testing.T) {
	t.Parallel()
	l := trainedAviationLinker(t, nil)
	threshold := l.Settings().MatchThreshold
	match := settings.MatchWeightThreshold(threshold)
	together, oneSource, apart := exactNamePairs(t, l)
	for _, p := range together {
		t.Logf("one name, one province, other phones: %s / %s weight %.2f probability %.3f", p.left, p.right, p.weight, model.Probability(p.weight))
		if p.weight < match {
			t.Errorf("%s and %s (one name, one province, other phones): probability %.3f, below the match threshold %g", p.left, p.right, model.Probability(p.weight), threshold)
		}
	}
	for _, p := range oneSource {
		t.Logf("one name, one province, other phones, one source: %s / %s weight %.2f probability %.3f", p.left, p.right, p.weight, model.Probability(p.weight))
		if p.weight >= match {
			t.Errorf("%s and %s (one name listed twice by one source): probability %.3f, a match", p.left, p.right, model.Probability(p.weight))
		}
	}
	for _, p := range apart {
		t.Logf("one name, other province, phones and email domains: %s / %s weight %.2f probability %.3f", p.left, p.right, p.weight, model.Probability(p.weight))
		if p.weight >= match {
			t.Errorf("%s and %s (one name, other province, phones and email domains): probability %.3f, a match", p.left, p.right, model.Probability(p.weight))
		}
	}
}

// The training options are what lifts such pairs well into the match
// band: trained without them, every pair of two sources, one name and one
// province with other phones weighs less, and EM drives the m of an
// "else" level to almost nothing.
func TestAviationLinkageModelWithoutItsTrainingOptions(t *testing.T) {
	t.Parallel()
	without := trainedAviationLinker(t, func(s *settings.Settings) {
		if !s.Training.UExcludeDeterministic || s.Training.MinMProbability == 0 {
			t.Fatalf("the aviation profile's linkage training sets u_exclude_deterministic %v, min_m_probability %g; want both",
				s.Training.UExcludeDeterministic, s.Training.MinMProbability)
		}
		s.Training.UExcludeDeterministic = false
		s.Training.MinMProbability = 0
	})
	with := trainedAviationLinker(t, nil)
	before, _, _ := exactNamePairs(t, without)
	after, _, _ := exactNamePairs(t, with)
	if len(before) != len(after) {
		t.Fatalf("%d pairs without the options, %d with", len(before), len(after))
	}
	for k := range before {
		t.Logf("%s / %s: weight %.2f (probability %.3f) without the options, %.2f (%.3f) with", before[k].left, before[k].right,
			before[k].weight, model.Probability(before[k].weight), after[k].weight, model.Probability(after[k].weight))
		if after[k].weight <= before[k].weight {
			t.Errorf("%s / %s: weight %.2f with the options, %.2f without", after[k].left, after[k].right, after[k].weight, before[k].weight)
		}
	}
	c, lv := level(t, without.Settings(), "email_domain", settings.Else)
	if m := without.Params().Comparisons[c].Levels[lv].M; m >= 1e-4 {
		t.Errorf("without a floor, email_domain else has m %g; expected EM to drive it towards zero", m)
	}
	if m := with.Params().Comparisons[c].Levels[lv].M; m < with.Settings().Training.MinMProbability {
		t.Errorf("with min_m_probability %g, email_domain else has m %g", with.Settings().Training.MinMProbability, m)
	}
}

// The linkage table carries each record's legal form, spellings made one,
// and null when the name has none; trained on the bundled example, two
// different forms weigh against a match.
func TestLinkageTableLegalForm(t *testing.T) {
	t.Parallel()
	r := aviationRefiner(t)
	names := []string{"Eagle Air (Pty) Ltd", "EAGLE AIR PTY LTD", "Eagle Air CC", "Eagle Air", "Eagle Air NPC"}
	b := &refine.Batch{}
	for i, n := range names {
		var rec refine.Record
		rec.Fields[refine.FieldOrganizationName] = n
		rec.Dataset, rec.ID = "d", string(rune('a'+i))
		b.Records = append(b.Records, rec)
	}
	r.Normalise(b, 1)
	tab, err := r.LinkageTable(b.Records)
	if err != nil {
		t.Fatal(err)
	}
	forms, nameCol := tab.ColumnByName(refine.LinkLegalForm), tab.ColumnByName(refine.LinkName)
	want := []string{"pty-ltd", "pty-ltd", "cc", "", "npc"}
	for i := range names {
		got := ""
		if !forms.IsNull(i) {
			got = forms.Format(i)
		}
		if got != want[i] {
			t.Errorf("%q: legal_form %q, want %q", names[i], got, want[i])
		}
		if n := nameCol.Format(i); n != "eagle air" {
			t.Errorf("%q: name %q, want the name without its legal form", names[i], n)
		}
	}
	l := trainedAviationLinker(t, nil)
	c, else_ := level(t, l.Settings(), "legal_form", settings.Else)
	if w := l.Model().Params.Weights().BF[c][else_]; w >= 0 {
		t.Errorf("another legal form weighs %.2f, want evidence against a match", w)
	}
}
