package strsim

import (
	"encoding/csv"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

const goldenPath = "../../testdata/strsim/string_similarity_golden.csv"

// goldenRow is one line of the DuckDB reference file.
type goldenRow struct {
	line         int
	a, b         string
	jaro, jw     float64
	lev, damerau int
	asciiOnly    bool
}

func loadGolden(t *testing.T) []goldenRow {
	t.Helper()
	f, err := os.Open(goldenPath)
	if err != nil {
		t.Fatalf("open golden file: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatalf("%s: read header: %v", goldenPath, err)
	}
	want := "a,b,jaro,jaro_winkler,levenshtein,damerau_levenshtein"
	if got := strings.Join(header, ","); got != want {
		t.Fatalf("%s:1: header %q, want %q", goldenPath, got, want)
	}
	var rows []goldenRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", goldenPath, err)
		}
		line, _ := r.FieldPos(0)
		row := goldenRow{line: line, a: rec[0], b: rec[1]}
		parseF := func(col int) float64 {
			v, err := strconv.ParseFloat(rec[col], 64)
			if err != nil {
				t.Fatalf("%s:%d column %s: %v", goldenPath, line, header[col], err)
			}
			return v
		}
		parseI := func(col int) int {
			v, err := strconv.Atoi(rec[col])
			if err != nil {
				t.Fatalf("%s:%d column %s: %v", goldenPath, line, header[col], err)
			}
			return v
		}
		row.jaro, row.jw = parseF(2), parseF(3)
		row.lev, row.damerau = parseI(4), parseI(5)
		row.asciiOnly = isASCII(row.a) && isASCII(row.b)
		rows = append(rows, row)
	}
	return rows
}

func near(got, want float64) bool { return math.Abs(got-want) <= 1e-12 }

// TestGoldenASCII checks every all-ASCII row of the DuckDB reference file,
// through both the package functions and a shared Scratch.
func TestGoldenASCII(t *testing.T) {
	t.Parallel()
	rows := loadGolden(t)
	var s Scratch
	checked := 0
	for _, r := range rows {
		if !r.asciiOnly {
			continue
		}
		checked++
		at := func(col string) string {
			return goldenPath + ":" + strconv.Itoa(r.line) + " column " + col + " (" + strconv.Quote(r.a) + ", " + strconv.Quote(r.b) + ")"
		}
		for _, got := range []float64{Jaro(r.a, r.b), s.Jaro(r.a, r.b)} {
			if !near(got, r.jaro) {
				t.Errorf("%s: got %.17g, want %.17g", at("jaro"), got, r.jaro)
			}
		}
		for _, got := range []float64{JaroWinkler(r.a, r.b), s.JaroWinkler(r.a, r.b)} {
			if !near(got, r.jw) {
				t.Errorf("%s: got %.17g, want %.17g", at("jaro_winkler"), got, r.jw)
			}
		}
		for _, got := range []int{Levenshtein(r.a, r.b), s.Levenshtein(r.a, r.b)} {
			if got != r.lev {
				t.Errorf("%s: got %d, want %d", at("levenshtein"), got, r.lev)
			}
		}
		for _, got := range []int{DamerauLevenshtein(r.a, r.b), s.DamerauLevenshtein(r.a, r.b)} {
			if got != r.damerau {
				t.Errorf("%s: got %d, want %d", at("damerau_levenshtein"), got, r.damerau)
			}
		}
	}
	if checked < 4000 {
		t.Fatalf("only %d ASCII rows in %s, want at least 4000", checked, goldenPath)
	}
}

// TestGoldenIsUnrestrictedDamerau shows why the unrestricted distance was
// chosen: the optimal-string-alignment variant disagrees with DuckDB.
func TestGoldenIsUnrestrictedDamerau(t *testing.T) {
	t.Parallel()
	disagree := 0
	for _, r := range loadGolden(t) {
		if r.asciiOnly && refOSA([]rune(r.a), []rune(r.b)) != r.damerau {
			disagree++
		}
	}
	if disagree == 0 {
		t.Fatal("no reference row separates the restricted from the unrestricted distance")
	}
}

// codePointCase holds values worked out by hand over code points.
type codePointCase struct {
	a, b         string
	jaro, jw     float64
	lev, damerau int
}

const mullerJaro = (5.0/6 + 5.0/7 + 4.0/5) / 3

var codePointCases = []codePointCase{
	// Z,r,i,c,h match within the window of 2; ü≠u.
	{"Zürich", "Zurich", 8.0 / 9, 8.0/9 + 0.1*(1.0/9), 1, 1},
	// Matches M,e,l,l,r read as "Mellr" against "Mller": one transposition.
	{"Müller", "Mueller", mullerJaro, mullerJaro + 0.1*(1-mullerJaro), 2, 2},
	{"José", "Jose", 2.5 / 3, 2.5/3 + 0.3*(0.5/3), 1, 1},
	// Window 1: only r matches.
	{"Ærø", "Aero", (1.0/3 + 1.0/4 + 1) / 3, (1.0/3 + 1.0/4 + 1) / 3, 3, 3},
	{"北京", "北京市", (1 + 2.0/3 + 1) / 3, (1+2.0/3+1)/3 + 0.2*(1-(1+2.0/3+1)/3), 1, 1},
}

// TestCodePoints checks the non-ASCII behaviour against hand-computed
// values, and that every non-ASCII reference row is among them, so a new
// row in the reference file cannot go unexamined.
func TestCodePoints(t *testing.T) {
	t.Parallel()
	known := map[[2]string]codePointCase{}
	for _, c := range codePointCases {
		known[[2]string{c.a, c.b}] = c
		known[[2]string{c.b, c.a}] = c
		for _, pair := range [][2]string{{c.a, c.b}, {c.b, c.a}} {
			a, b := pair[0], pair[1]
			if got := Jaro(a, b); !near(got, c.jaro) {
				t.Errorf("Jaro(%q, %q) = %.17g, want %.17g", a, b, got, c.jaro)
			}
			if got := JaroWinkler(a, b); !near(got, c.jw) {
				t.Errorf("JaroWinkler(%q, %q) = %.17g, want %.17g", a, b, got, c.jw)
			}
			if got := Levenshtein(a, b); got != c.lev {
				t.Errorf("Levenshtein(%q, %q) = %d, want %d", a, b, got, c.lev)
			}
			if got := DamerauLevenshtein(a, b); got != c.damerau {
				t.Errorf("DamerauLevenshtein(%q, %q) = %d, want %d", a, b, got, c.damerau)
			}
		}
	}
	for _, r := range loadGolden(t) {
		if r.asciiOnly {
			continue
		}
		c, ok := known[[2]string{r.a, r.b}]
		if !ok {
			t.Errorf("%s:%d: non-ASCII pair (%q, %q) has no hand-checked code point expectation; add one to codePointCases",
				goldenPath, r.line, r.a, r.b)
			continue
		}
		// DuckDB counts bytes, so its edit distance is never below ours.
		if r.lev < c.lev {
			t.Errorf("%s:%d: byte-wise levenshtein %d below code point value %d", goldenPath, r.line, r.lev, c.lev)
		}
	}
}

func TestKnownValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b         string
		jaro, jw     float64
		lev, damerau int
	}{
		// Empty input: DuckDB's Jaro is 0 whenever a side is empty.
		{"", "", 0, 0, 0, 0},
		{"", "abc", 0, 0, 3, 3},
		{"abc", "", 0, 0, 3, 3},
		{"a", "a", 1, 1, 0, 0},
		{"a", "b", 0, 0, 1, 1},
		// Values from DuckDB's own test suite.
		{"CRATE", "TRACE", 11.0 / 15, 11.0 / 15, 2, 2},
		{"DwAyNE", "DuANE", 0.8222222222222223, 0.8400000000000001, 2, 2},
		{"0", "00", 5.0 / 6, 0.85, 1, 1},
		// Classic examples from Winkler's papers.
		{"MARTHA", "MARHTA", 17.0 / 18, 0.9611111111111111, 2, 1},
		{"DIXON", "DICKSONX", 0.7666666666666666, 0.8133333333333332, 4, 4},
		// Unrestricted transposition: CA -> AC -> ABC.
		{"CA", "ABC", 0, 0, 3, 2},
		{"ab", "ba", 0, 0, 2, 1},
		{"kitten", "sitting", 0.746031746031746, 0.746031746031746, 3, 3},
	}
	for _, tt := range tests {
		if got := Jaro(tt.a, tt.b); !near(got, tt.jaro) {
			t.Errorf("Jaro(%q, %q) = %.17g, want %.17g", tt.a, tt.b, got, tt.jaro)
		}
		if got := JaroWinkler(tt.a, tt.b); !near(got, tt.jw) {
			t.Errorf("JaroWinkler(%q, %q) = %.17g, want %.17g", tt.a, tt.b, got, tt.jw)
		}
		if got := Levenshtein(tt.a, tt.b); got != tt.lev {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.lev)
		}
		if got := DamerauLevenshtein(tt.a, tt.b); got != tt.damerau {
			t.Errorf("DamerauLevenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.damerau)
		}
	}
}

func TestSimilarities(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b        string
		lev, damera float64
	}{
		{"", "", 1, 1},
		{"", "ab", 0, 0},
		{"abcd", "abcd", 1, 1},
		{"abcd", "abdc", 0.5, 0.75},
		{"Zürich", "Zurich", 1 - 1.0/6, 1 - 1.0/6},
		{"kitten", "sitting", 1 - 3.0/7, 1 - 3.0/7},
	}
	var s Scratch
	for _, tt := range tests {
		for _, got := range []float64{LevenshteinSimilarity(tt.a, tt.b), s.LevenshteinSimilarity(tt.a, tt.b)} {
			if !near(got, tt.lev) {
				t.Errorf("LevenshteinSimilarity(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.lev)
			}
		}
		for _, got := range []float64{DamerauLevenshteinSimilarity(tt.a, tt.b), s.DamerauLevenshteinSimilarity(tt.a, tt.b)} {
			if !near(got, tt.damera) {
				t.Errorf("DamerauLevenshteinSimilarity(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.damera)
			}
		}
	}
}

// randomString draws from a small alphabet so that matches, repeats and
// transpositions are common; alphabets with multi-byte runes exercise the
// code point path.
func randomString(rng *rand.Rand, alphabet []rune, maxLen int) string {
	n := rng.IntN(maxLen + 1)
	var sb strings.Builder
	for range n {
		sb.WriteRune(alphabet[rng.IntN(len(alphabet))])
	}
	return sb.String()
}

// TestAgainstReference cross-checks the optimised paths (bit-parallel,
// stack tiers, long-string fallbacks) against the textbook versions.
func TestAgainstReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	// NUL bytes check that word padding never passes for a character.
	alphabets := [][]rune{[]rune("ab"), []rune("abcde"), []rune("aéü北"), []rune("abcdefghijklmnopqrstuvwxyz"), []rune("\x00ab")}
	var s Scratch
	for i := range 4000 {
		alpha := alphabets[i%len(alphabets)]
		// Lengths around the word-size (8, 16) and stack (64) boundaries.
		maxLen := []int{4, 9, 17, 20, 70, 150}[i%6]
		a, b := randomString(rng, alpha, maxLen), randomString(rng, alpha, maxLen)
		checkAgainstReference(t, &s, a, b)
	}
}

func checkAgainstReference(t *testing.T, s *Scratch, a, b string) {
	t.Helper()
	ra, rb := []rune(a), []rune(b)
	if got, want := Jaro(a, b), refJaro(ra, rb); got != want {
		t.Errorf("Jaro(%q, %q) = %.17g, reference %.17g", a, b, got, want)
	}
	if got, want := s.JaroWinkler(a, b), refJaroWinkler(ra, rb); got != want {
		t.Errorf("JaroWinkler(%q, %q) = %.17g, reference %.17g", a, b, got, want)
	}
	if got, want := s.Levenshtein(a, b), refLevenshtein(ra, rb); got != want {
		t.Errorf("Levenshtein(%q, %q) = %d, reference %d", a, b, got, want)
	}
	if got, want := DamerauLevenshtein(a, b), refDamerau(ra, rb); got != want {
		t.Errorf("DamerauLevenshtein(%q, %q) = %d, reference %d", a, b, got, want)
	}
	if got, want := s.DamerauLevenshtein(a, b), refDamerau(ra, rb); got != want {
		t.Errorf("Scratch.DamerauLevenshtein(%q, %q) = %d, reference %d", a, b, got, want)
	}
}

var sinkF float64
var sinkI int

func TestNoAllocations(t *testing.T) {
	// Not parallel: AllocsPerRun counts allocations process-wide.
	pairs := [][2]string{
		{"Jonathan", "Johnathan"},
		{"Zürich", "Zurich"},
		{"hday48@thomas-carter.com", "hday48@thomas-arter.mc"},
		{strings.Repeat("abcdefgh", 8), strings.Repeat("abcdefhg", 8)}, // 64 units
		{strings.Repeat("äbcdefgh", 8), strings.Repeat("abcdefhg", 8)},
	}
	for _, p := range pairs {
		a, b := p[0], p[1]
		funcs := map[string]func(){
			"Jaro":                         func() { sinkF = Jaro(a, b) },
			"JaroWinkler":                  func() { sinkF = JaroWinkler(a, b) },
			"Levenshtein":                  func() { sinkI = Levenshtein(a, b) },
			"DamerauLevenshtein":           func() { sinkI = DamerauLevenshtein(a, b) },
			"LevenshteinSimilarity":        func() { sinkF = LevenshteinSimilarity(a, b) },
			"DamerauLevenshteinSimilarity": func() { sinkF = DamerauLevenshteinSimilarity(a, b) },
		}
		for name, fn := range funcs {
			if n := testing.AllocsPerRun(50, fn); n != 0 {
				t.Errorf("%s(%q, %q): %v allocations per call, want 0", name, a, b, n)
			}
		}
	}
}

func TestScratchReusesBuffers(t *testing.T) {
	// Not parallel: AllocsPerRun counts allocations process-wide.
	a, b := strings.Repeat("Müller-", 30), strings.Repeat("Mueller-", 29)
	var s Scratch
	funcs := map[string]func(){
		"Jaro":               func() { sinkF = s.Jaro(a, b) },
		"JaroWinkler":        func() { sinkF = s.JaroWinkler(a, b) },
		"Levenshtein":        func() { sinkI = s.Levenshtein(a, b) },
		"DamerauLevenshtein": func() { sinkI = s.DamerauLevenshtein(a, b) },
	}
	for name, fn := range funcs {
		fn() // grow the buffers once
		if n := testing.AllocsPerRun(20, fn); n != 0 {
			t.Errorf("Scratch.%s on %d code points: %v allocations per call, want 0", name, utf8.RuneCountInString(a), n)
		}
	}
}

func FuzzSimilarity(f *testing.F) {
	f.Add("", "", "")
	f.Add("MARTHA", "MARHTA", "MARTA")
	f.Add("Zürich", "Zurich", "Zuerich")
	f.Add("CA", "ABC", "AC")
	f.Add("\xff\xfe", "\xfe", "ab")
	f.Add("a\x00", "a", "\x00")
	f.Add(strings.Repeat("abc", 30), strings.Repeat("acb", 25), "x")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if len(a)+len(b)+len(c) > 600 {
			t.Skip("quadratic checks on long inputs slow the fuzzer without finding more")
		}
		var s Scratch
		j, jw := Jaro(a, b), JaroWinkler(a, b)
		if j < 0 || j > 1 || jw < 0 || jw > 1 {
			t.Fatalf("(%q, %q): Jaro %v, Jaro-Winkler %v outside [0,1]", a, b, j, jw)
		}
		if jw < j {
			t.Fatalf("(%q, %q): Jaro-Winkler %v below Jaro %v", a, b, jw, j)
		}
		if j2, jw2 := Jaro(b, a), s.JaroWinkler(b, a); j2 != j || jw2 != jw {
			t.Fatalf("(%q, %q): not symmetric: Jaro %v vs %v, Jaro-Winkler %v vs %v", a, b, j, j2, jw, jw2)
		}
		lev, dl := Levenshtein(a, b), DamerauLevenshtein(a, b)
		if lev < dl || dl < 0 {
			t.Fatalf("(%q, %q): Levenshtein %d, Damerau-Levenshtein %d; want Levenshtein >= Damerau >= 0", a, b, lev, dl)
		}
		if lev2, dl2 := s.Levenshtein(b, a), s.DamerauLevenshtein(b, a); lev2 != lev || dl2 != dl {
			t.Fatalf("(%q, %q): edit distances not symmetric: %d/%d vs %d/%d", a, b, lev, dl, lev2, dl2)
		}
		la, lb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
		if lev > max(la, lb) || dl < max(la, lb)-min(la, lb) {
			t.Fatalf("(%q, %q): Levenshtein %d, Damerau-Levenshtein %d outside [%d, %d]", a, b, lev, dl, max(la, lb)-min(la, lb), max(la, lb))
		}
		// Both distances are metrics: the unrestricted Damerau distance
		// satisfies the triangle inequality, which the restricted one does not.
		if lev > Levenshtein(a, c)+Levenshtein(c, b) {
			t.Fatalf("(%q, %q, %q): Levenshtein triangle inequality violated", a, b, c)
		}
		if dl > DamerauLevenshtein(a, c)+DamerauLevenshtein(c, b) {
			t.Fatalf("(%q, %q, %q): Damerau-Levenshtein triangle inequality violated", a, b, c)
		}
		if la > 0 && (Jaro(a, a) != 1 || JaroWinkler(a, a) != 1) {
			t.Fatalf("%q: identical strings score %v / %v, want 1", a, Jaro(a, a), JaroWinkler(a, a))
		}
		if Levenshtein(a, a) != 0 || DamerauLevenshtein(a, a) != 0 || LevenshteinSimilarity(a, a) != 1 {
			t.Fatalf("%q: identical strings have a non-zero distance", a)
		}
		for _, sim := range []float64{LevenshteinSimilarity(a, b), DamerauLevenshteinSimilarity(a, b)} {
			if sim < 0 || sim > 1 {
				t.Fatalf("(%q, %q): normalised similarity %v outside [0,1]", a, b, sim)
			}
		}
		if la <= 200 && lb <= 200 {
			checkAgainstReference(t, &s, a, b)
		}
	})
}
