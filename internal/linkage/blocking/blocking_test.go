package blocking

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/rule"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
)

// randomTable has columns id, a, b with few distinct values and some nulls,
// so blocks overlap across rules.
func randomTable(t *testing.T, rng *rand.Rand, n int, prefix string) *table.Table {
	t.Helper()
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "id", Type: table.String},
		table.Field{Name: "a", Type: table.String},
		table.Field{Name: "b", Type: table.String},
	), n)
	for i := 0; i < n; i++ {
		row := []any{prefix + strconv.Itoa(i), nil, nil}
		if rng.IntN(5) > 0 {
			row[1] = "a" + strconv.Itoa(rng.IntN(6))
		}
		if rng.IntN(5) > 0 {
			row[2] = "B" + strconv.Itoa(rng.IntN(4))
		}
		if err := b.AppendRow(row...); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func parseRules(t *testing.T, texts ...string) []rule.Rule {
	t.Helper()
	var out []rule.Rule
	for _, s := range texts {
		r, err := rule.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// bruteForce lists the pairs a rule set should produce, with the first rule
// that matches each.
func bruteForce(recs *records.Set, linkType settings.LinkType, rules []rule.Rule, cols map[string][]string, present map[string][]bool) map[[2]int32]int32 {
	out := map[[2]int32]int32{}
	key := func(r rule.Rule, i int) (string, bool) {
		var sb strings.Builder
		for _, k := range r.Keys {
			if !present[k.Column][i] {
				return "", false
			}
			b, ok := k.Append(nil, cols[k.Column][i])
			if !ok {
				return "", false
			}
			sb.Write(b)
			sb.WriteByte(0)
		}
		return sb.String(), true
	}
	for i := 0; i < recs.Len(); i++ {
		for j := i + 1; j < recs.Len(); j++ {
			if linkType == settings.LinkOnly && recs.Source(i) == recs.Source(j) {
				continue
			}
			for k, r := range rules {
				ki, ok1 := key(r, i)
				kj, ok2 := key(r, j)
				if ok1 && ok2 && ki == kj {
					out[[2]int32{int32(i), int32(j)}] = int32(k)
					break
				}
			}
		}
	}
	return out
}

func TestScanProducesEachPairOnce(t *testing.T) {
	t.Parallel()
	for _, lt := range []settings.LinkType{settings.DedupeOnly, settings.LinkOnly, settings.LinkAndDedupe} {
		for _, workers := range []int{1, 3} {
			rng := rand.New(rand.NewPCG(1, uint64(workers)))
			inputs := []records.Input{{Name: "x", Table: randomTable(t, rng, 150, "x")}}
			if lt != settings.DedupeOnly {
				inputs = append(inputs, records.Input{Name: "y", Table: randomTable(t, rng, 90, "y")}, records.Input{Name: "z", Table: randomTable(t, rng, 40, "z")})
			}
			recs, err := records.New(lt, "id", inputs)
			if err != nil {
				t.Fatal(err)
			}
			rules := parseRules(t, "a", "lower(b)", "a + b", "prefix(a, 1) + b")
			b, err := New(recs, lt, rules, nil)
			if err != nil {
				t.Fatal(err)
			}
			cols, present := map[string][]string{}, map[string][]bool{}
			for _, c := range []string{"a", "b"} {
				cols[c], present[c], _ = recs.Strings(c)
			}
			want := bruteForce(recs, lt, rules, cols, present)
			got := map[[2]int32]int32{}
			var dup error
			units := b.Units(workers)
			results := make([][]Pair, len(units))
			var done atomic.Int64
			err = b.ScanCounting(context.Background(), workers, units, &done, func(int) func(int, []Pair) {
				return func(u int, batch []Pair) { results[u] = append(results[u], batch...) }
			})
			if err != nil {
				t.Fatal(err)
			}
			// Progress ends at the upper bound the blocker announced.
			if done.Load() != b.UpperBound() {
				t.Errorf("%s workers=%d: scan counted %d pairs of units, upper bound %d", lt, workers, done.Load(), b.UpperBound())
			}
			for _, r := range results {
				for _, p := range r {
					k := [2]int32{p.I, p.J}
					if _, seen := got[k]; seen {
						dup = errors.New("duplicate")
					}
					got[k] = p.Rule
				}
			}
			if dup != nil || len(got) != len(want) {
				t.Fatalf("%s workers=%d: %d pairs (duplicates: %v), want %d", lt, workers, len(got), dup != nil, len(want))
			}
			for k, r := range want {
				if g, ok := got[k]; !ok || g != r {
					t.Fatalf("%s: pair %v from rule %d (present %v), want rule %d", lt, k, g, ok, r)
				}
			}
			// Stats count each rule's own pairs, from block sizes only.
			for k, st := range b.Stats() {
				single, err := New(recs, lt, rules[k:k+1], NewColumns(recs))
				if err != nil {
					t.Fatal(err)
				}
				n, err := single.Count(context.Background(), workers)
				if err != nil {
					t.Fatal(err)
				}
				if st.Comparisons != n {
					t.Errorf("%s rule %q: stats %d, generated %d", lt, st.Rule, st.Comparisons, n)
				}
			}
			n, err := b.Count(context.Background(), workers)
			if err != nil || n != int64(len(want)) {
				t.Errorf("Count = %d, %v; want %d", n, err, len(want))
			}
		}
	}
}

func TestNullsNeverBlock(t *testing.T) {
	t.Parallel()
	b := table.NewBuilder(table.MustSchema(table.Field{Name: "id", Type: table.String}, table.Field{Name: "a", Type: table.String}), 4)
	for _, r := range [][]any{{"1", nil}, {"2", nil}, {"3", "x"}, {"4", "x"}} {
		if err := b.AppendRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	tb, _ := b.Build()
	recs, err := records.New(settings.DedupeOnly, "id", []records.Input{{Table: tb}})
	if err != nil {
		t.Fatal(err)
	}
	bl, err := New(recs, settings.DedupeOnly, parseRules(t, "a", "email_domain(a)"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st := bl.Stats()
	if st[0].Comparisons != 1 || st[1].Comparisons != 0 {
		t.Errorf("stats %+v, want 1 pair for a (the two nulls do not pair) and 0 for email_domain(a)", st)
	}
}

func TestCheckCap(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	recs, err := records.New(settings.DedupeOnly, "id", []records.Input{{Table: randomTable(t, rng, 100, "")}})
	if err != nil {
		t.Fatal(err)
	}
	all, err := New(recs, settings.DedupeOnly, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := all.Stats(); st[0].Comparisons != 100*99/2 {
		t.Errorf("all-pairs stats %+v, want 4950", st)
	}
	var ce *CapError
	if err := all.CheckCap(4949); !errors.As(err, &ce) || ce.Rule != "(all pairs)" || ce.Count != 4950 ||
		!strings.Contains(err.Error(), "4950") {
		t.Errorf("CheckCap(4949) = %v, want a CapError naming the rule and 4950", err)
	}
	if err := all.CheckCap(4950); err != nil {
		t.Errorf("CheckCap(4950) = %v, want nil", err)
	}
	two, _ := New(recs, settings.DedupeOnly, parseRules(t, "a", "b"), nil)
	st := two.Stats()
	limit := max(st[0].Comparisons, st[1].Comparisons)
	if err := two.CheckCap(limit); !errors.As(err, &ce) || ce.Rule != "" || ce.Total != st[0].Comparisons+st[1].Comparisons {
		t.Errorf("CheckCap(%d) = %v, want a CapError on the total", limit, err)
	}
}

func TestMissingColumn(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	recs, err := records.New(settings.DedupeOnly, "id", []records.Input{{Name: "crm", Table: randomTable(t, rng, 10, "")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(recs, settings.DedupeOnly, parseRules(t, "a + nosuch"), nil)
	if err == nil || !strings.Contains(err.Error(), `"nosuch"`) || !strings.Contains(err.Error(), `"crm"`) {
		t.Errorf("got %v, want an error naming the missing column and the input", err)
	}
}

// TestUnitPairsOfSplitBlocks checks the progress count of units cut out of
// one large block (every record in one block), for each link type.
func TestUnitPairsOfSplitBlocks(t *testing.T) {
	t.Parallel()
	for _, lt := range []settings.LinkType{settings.DedupeOnly, settings.LinkOnly, settings.LinkAndDedupe} {
		rng := rand.New(rand.NewPCG(7, 7))
		inputs := []records.Input{{Name: "x", Table: randomTable(t, rng, 400, "x")}, {Name: "y", Table: randomTable(t, rng, 300, "y")}}
		recs, err := records.New(lt, "id", inputs)
		if err != nil {
			t.Fatal(err)
		}
		b, err := New(recs, lt, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		units := b.Units(2)
		var split int
		for _, u := range units {
			if u.split {
				split++
			}
		}
		if split < 2 {
			t.Fatalf("%s: %d split units; the test needs a block large enough to split", lt, split)
		}
		var done atomic.Int64
		var pairs atomic.Int64
		err = b.ScanCounting(context.Background(), 2, units, &done, func(int) func(int, []Pair) {
			return func(_ int, batch []Pair) { pairs.Add(int64(len(batch))) }
		})
		if err != nil {
			t.Fatal(err)
		}
		if done.Load() != b.UpperBound() || pairs.Load() != b.UpperBound() {
			t.Errorf("%s: units counted %d, scan yielded %d, upper bound %d; want all equal", lt, done.Load(), pairs.Load(), b.UpperBound())
		}
	}
}
