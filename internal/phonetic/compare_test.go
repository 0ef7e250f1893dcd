package phonetic

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/antzucaro/matchr"

	"github.com/hotpass/hotpass/internal/benchdata"
	"github.com/hotpass/hotpass/internal/cputime"
)

// DoubleMetaphone is written here rather than taken from a library. The
// Go implementation to compare with is github.com/antzucaro/matchr, the
// only one the module proxy serves; it is not maintained (no release, last
// change in 2022). These tests compare the two on real names: agreement,
// with every disagreement pinned, and speed.

var update = flag.Bool("update", false, "rewrite testdata/matchr_disagreements.golden")

// corpusNames returns the distinct given names and surnames of the FEBRL
// and fake_1000 linkage benchmarks in shared/linkage-benchmarks beside the
// repository, sorted; nil when that directory is not there.
func corpusNames(t testing.TB) []string {
	t.Helper()
	dir := benchdata.SharedDir()
	if dir == "" {
		return nil
	}
	seen := map[string]bool{}
	add := func(path string, cols ...string) {
		f, err := os.Open(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := csv.NewReader(f)
		r.TrimLeadingSpace = true
		header, err := r.Read()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var idx []int
		for _, c := range cols {
			i := slices.Index(header, c)
			if i < 0 {
				t.Fatalf("%s: no column %q in %v", path, c, header)
			}
			idx = append(idx, i)
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, i := range idx {
				if v := strings.TrimSpace(rec[i]); v != "" {
					seen[v] = true
				}
			}
		}
	}
	for _, f := range []string{"febrl_dataset1.csv", "febrl_dataset2.csv", "febrl_dataset3.csv", "febrl_dataset4a.csv", "febrl_dataset4b.csv"} {
		add(filepath.Join("febrl", f), "given_name", "surname")
	}
	add(filepath.Join("fake_1000", "fake_1000.csv"), "first_name", "surname")
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// TestDoubleMetaphoneAgreesWithMatchr codes every name of the corpus with
// both implementations. The names they code differently are listed in
// testdata/matchr_disagreements.golden (rewrite it with -update), so that
// any change in either shows up in review.
func TestDoubleMetaphoneAgreesWithMatchr(t *testing.T) {
	t.Parallel()
	names := corpusNames(t)
	if names == nil {
		t.Skip("shared/linkage-benchmarks not found beside the repository")
	}
	var b strings.Builder
	b.WriteString("# name\thotpass primary, secondary\tmatchr primary, secondary (quoted: matchr may end a code with a space)\n")
	differ := 0
	for _, n := range names {
		p, s := DoubleMetaphone(n)
		mp, ms := matchr.DoubleMetaphone(n)
		if p != mp || s != ms {
			differ++
			fmt.Fprintf(&b, "%s\t%q, %q\t%q, %q\n", n, p, s, mp, ms)
		}
	}
	t.Logf("%d names, %d coded alike, %d differently", len(names), len(names)-differ, differ)
	path := filepath.Join("testdata", "matchr_disagreements.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("the names coded differently from matchr changed; review and run with -update:\n%s", lineDiff(string(want), got))
	}
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&out, "- %s\n", l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&out, "+ %s\n", l)
		}
	}
	return out.String()
}

// BenchmarkDoubleMetaphoneVsMatchr codes the same names with both
// implementations: the corpus names when shared/linkage-benchmarks is
// there, the benchmark names otherwise. ns/op is per name.
func BenchmarkDoubleMetaphoneVsMatchr(b *testing.B) {
	names, corpus := corpusNames(b), "linkage"
	if names == nil {
		names, corpus = benchNames, "builtin"
	}
	for _, impl := range []struct {
		name string
		code func(string) (string, string)
	}{{"hotpass", DoubleMetaphone}, {"matchr", matchr.DoubleMetaphone}} {
		b.Run(fmt.Sprintf("corpus=%s/impl=%s", corpus, impl.name), func(b *testing.B) {
			b.ReportAllocs()
			var cpu time.Duration
			start := cputime.Process()
			for i := 0; b.Loop(); i++ {
				sink, _ = impl.code(names[i%len(names)])
			}
			cpu += cputime.Process() - start
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}
