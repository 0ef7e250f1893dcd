package linkreport

import (
	"bytes"
	"flag"
	"html"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixture is a small fixed linkage run: two inputs, two rules, two
// comparisons (one with term-frequency adjustments), two explained pairs.
func fixture() *Report {
	h := NewHistogram(1)
	for _, w := range []float64{-14.2, -13.7, -12.1, -12.9, -9.5, -8.2, -3.1, -0.4, 1.2, 2.7, 3.3, 7.9, 8.4, 12.5, 12.6} {
		h.Add(w)
	}
	lambda := 0.001
	prior := WeightOf(lambda)
	e1 := Explanation{
		PairID: "pair-0001",
		Left:   Record{Source: "crm", ID: "17", Fields: []Field{{"name", "Acme Flight School"}, {"city", "Durban"}, {"phone", "+27 31 555 0100"}}},
		Right:  Record{Source: "sacaa", ID: "A-3", Fields: []Field{{"name", "ACME flight school"}, {"city", "durban"}, {"email", "ops@acme.example"}}},
		Prior:  prior,
		Steps: []Step{
			{Comparison: "name", Level: "jaro_winkler ≥ 0.92", Weight: math.Log2(0.8 / 0.002), TF: -1.25},
			{Comparison: "city", Level: "exact", Weight: math.Log2(0.9 / 0.05)},
		},
	}
	e1.Weight = e1.Prior + e1.Steps[0].Weight + e1.Steps[0].TF + e1.Steps[1].Weight
	e1.Probability = prob2(e1.Weight)
	e2 := Explanation{
		PairID: "pair-0002",
		Left:   Record{Source: "crm", ID: "18", Fields: []Field{{"name", "Blue Sky Aviation"}, {"city", "Cape Town"}}},
		Right:  Record{Source: "sacaa", ID: "B-9", Fields: []Field{{"name", "Blue Sky Aero"}, {"city", "Durban"}}},
		Prior:  prior,
		Steps: []Step{
			{Comparison: "name", Level: "jaro_winkler ≥ 0.8", Weight: math.Log2(0.15 / 0.01)},
			{Comparison: "city", Level: "else", Weight: math.Log2(0.1 / 0.95)},
		},
	}
	e2.Weight = e2.Prior + e2.Steps[0].Weight + e2.Steps[1].Weight
	e2.Probability = prob2(e2.Weight)
	return &Report{
		Title:    "Aviation linkage",
		LinkType: "link_only",
		Lambda:   lambda, MatchThreshold: 0.92, ReviewThreshold: 0.7,
		Inputs: []Input{{"crm", 120}, {"sacaa", 340}},
		Rules: []Rule{
			{Rule: "l.city = r.city", Pairs: 11, Matches: 3, Reviews: 2},
			{Rule: "substr(l.name, 1, 3) = substr(r.name, 1, 3)", Pairs: 4, Matches: 1, Reviews: 1},
		},
		Weights: h,
		Comparisons: []Comparison{
			{Name: "name", Levels: []Level{
				{Label: "null", Null: true},
				{Label: "exact", M: 0.6, U: 0.0005},
				{Label: "jaro_winkler ≥ 0.92", M: 0.8, U: 0.002},
				{Label: "jaro_winkler ≥ 0.8", M: 0.15, U: 0.01},
				{Label: "else", M: 0.05, U: 0.9875},
			}},
			{Name: "city", Levels: []Level{
				{Label: "exact", M: 0.9, U: 0.05},
				{Label: "else", M: 0.1, U: 0.95},
			}},
		},
		Pairs: []Explanation{e1, e2},
	}
}

func prob2(w float64) float64 { return 1 / (1 + math.Exp2(-w)) }

func render(t *testing.T, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	got := render(t, fixture())
	path := filepath.Join("testdata", "report.golden.html")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("report differs from %s at line %d:\n got: %s\nwant: %s\n(run go test -update if the change is intended)", path, i+1, g, w)
			}
		}
	}
}

// hostile holds values that would break or subvert the page if printed
// raw; hostileURL is a link that must not become a reference.
const (
	hostile    = `<script>alert("x")</script></title><img src=x onerror=alert(1)>&amp;'"`
	hostileURL = `https://evil.example/x.js?a=1&b=<2>`
)

func hostileReport() *Report {
	r := fixture()
	r.Title = hostile
	r.LinkType = hostile
	r.Inputs[0].Name = hostile
	r.Rules[0].Rule = hostile + hostileURL
	r.Comparisons[0].Name = hostile
	r.Comparisons[0].Levels[1].Label = hostile
	e := &r.Pairs[0]
	e.PairID = hostile
	e.Left.Source, e.Left.ID = hostile, hostileURL
	e.Left.Fields[0] = Field{Name: hostile, Value: hostile}
	e.Right.Fields[2] = Field{Name: "website", Value: hostileURL}
	e.Right.Fields = append(e.Right.Fields, Field{Name: "logo", Value: `<img src="http://evil.example/a.png">`})
	e.Steps[0].Comparison, e.Steps[0].Level = hostile, hostile
	return r
}

func TestEscapesUserData(t *testing.T) {
	t.Parallel()
	out := render(t, hostileReport())
	// Escaped, the values still read "onerror=alert(1)" as text; what must
	// not appear is markup they could open or close.
	for _, bad := range []string{"<script", "<img", `alert("x")`, "</title><img"} {
		if strings.Contains(out, bad) {
			t.Errorf("report holds raw %q", bad)
		}
	}
	esc := escaped(t, hostile)
	if n := strings.Count(out, esc); n < 10 {
		t.Errorf("escaped hostile value appears %d times, want it wherever it was given (≥ 10)", n)
	}
	// The page still has exactly one title element and its structure.
	if n := strings.Count(out, "<title>"); n != 1+strings.Count(out, "<svg")+strings.Count(out, "<rect") {
		t.Errorf("title elements = %d, want one per page, chart and bar", n)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), "</html>") {
		t.Error("report does not end with </html>")
	}
}

// escaped returns s as html/template prints it in element text.
func escaped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := template.Must(template.New("").Parse("<p>{{.}}</p>")).Execute(&b, s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(strings.TrimPrefix(b.String(), "<p>"), "</p>")
}

func TestNoExternalResources(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]*Report{"fixture": fixture(), "hostile": hostileReport()} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out := render(t, r)
			// Remove user data, which may legitimately mention URLs as text.
			for _, s := range []string{hostileURL, hostile, `<img src="http://evil.example/a.png">`, "ops@acme.example"} {
				out = strings.ReplaceAll(out, escaped(t, s), "")
			}
			for _, bad := range []string{"http://", "https://", "//evil", "<script", "<link", "<iframe", "<object", "<embed", "@import", "url(", " src=", " href=", "xlink:"} {
				if strings.Contains(out, bad) {
					i := strings.Index(out, bad)
					t.Errorf("report references %q near %q", bad, out[max(0, i-60):min(len(out), i+60)])
				}
			}
		})
	}
}

func TestHistogram(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		width   float64
		weights []float64
		want    []Bin
	}{
		{"empty", 1, nil, nil},
		{"gaps are filled", 1, []float64{-1.5, 0.2, 0.7, 2.1}, []Bin{{-2, -1, 1}, {-1, 0, 0}, {0, 1, 2}, {1, 2, 0}, {2, 3, 1}}},
		{"width 2", 2, []float64{-0.1, 3.9}, []Bin{{-2, 0, 1}, {0, 2, 0}, {2, 4, 1}}},
		{"infinities clamp, NaN ignored", 32, []float64{math.Inf(-1), math.NaN(), math.Inf(1)}, []Bin{{-64, -32, 1}, {-32, 0, 0}, {0, 32, 0}, {32, 64, 0}, {64, 96, 1}}},
		{"bad width means 1", -3, []float64{0.5}, []Bin{{0, 1, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := NewHistogram(tt.width)
			for _, w := range tt.weights {
				h.Add(w)
			}
			if got := h.Bins(); !slices.Equal(got, tt.want) {
				t.Errorf("Bins = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHistogramMarksThresholds(t *testing.T) {
	t.Parallel()
	// html/template writes "+" as "&#43;"; compare the text a browser shows.
	out := html.UnescapeString(render(t, fixture()))
	// λ, thresholds and their weights appear in the summary and the chart.
	for _, s := range []string{"probability ≥ 0.92 (weight ≥ +3.52)", "probability ≥ 0.7 (weight ≥ +1.22)", "match ≥ +3.52", "review ≥ +1.22", "0.001 (prior weight -9.96)"} {
		if !strings.Contains(out, s) {
			t.Errorf("report does not show %q", s)
		}
	}
	for _, class := range []string{`class="bar-match"`, `class="bar-review"`, `class="bar-reject"`} {
		if !strings.Contains(out, class) {
			t.Errorf("histogram has no %s bar", class)
		}
	}
	if n := strings.Count(out, `class="threshold"`); n != 2+2 {
		t.Errorf("threshold lines = %d, want 2 in the histogram and 1 per waterfall", n)
	}
}

func TestWaterfallSteps(t *testing.T) {
	t.Parallel()
	e := fixture().Pairs[0]
	steps := waterfallSteps(e)
	var labels []string
	sum := 0.0
	for _, s := range steps {
		labels = append(labels, s.Label+":"+s.Kind)
		if s.Kind != "final" {
			sum += s.Delta
		}
	}
	want := []string{"prior:prior", "name:up", "name (tf):down", "city:up", "final:final"}
	if !slices.Equal(labels, want) {
		t.Errorf("steps = %v, want %v", labels, want)
	}
	if math.Abs(sum-e.Weight) > 1e-9 || steps[len(steps)-1].Delta != e.Weight {
		t.Errorf("steps sum to %v, final %v, weight %v", sum, steps[len(steps)-1].Delta, e.Weight)
	}
	out := render(t, fixture())
	if strings.Contains(out, "does not match the score") {
		t.Error("consistent pairs were flagged")
	}
	r := fixture()
	r.Pairs[1].Weight += 2
	if out := render(t, r); !strings.Contains(out, "does not match the score") {
		t.Error("a pair whose steps do not add up was not flagged")
	}
}

func TestMUChart(t *testing.T) {
	t.Parallel()
	c := muChart(fixture().Comparisons[0])
	var texts []string
	for _, tx := range c.Texts {
		texts = append(texts, tx.Text)
	}
	all := strings.Join(texts, "\n")
	for _, s := range []string{"null or neutral level: no evidence", "m 0.6 · u 0.0005", "Bayes factor 1200.00 (+10.23 bits)", "Bayes factor 1/19.75 (-4.30 bits)"} {
		if !strings.Contains(all, s) {
			t.Errorf("m/u chart lacks %q:\n%s", s, all)
		}
	}
	// Four non-null levels, an m and a u bar each, plus the two legend keys.
	if len(c.Rects) != 4*2+2 {
		t.Errorf("bars = %d, want 10", len(c.Rects))
	}
}

func TestWriteIsAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := fixture()
	r.GeneratedAt = time.Date(2025, 3, 9, 22, 16, 8, 0, time.UTC)
	if err := Write(path, r); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte("Generated 2025-03-09 22:16:08 UTC")) || !bytes.HasSuffix(bytes.TrimSpace(got), []byte("</html>")) {
		t.Errorf("written report is incomplete (%d bytes)", len(got))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only %s", names, FileName)
	}
	if err := Write(filepath.Join(dir, "missing", FileName), r); err == nil || !regexp.MustCompile(`write linkage report`).MatchString(err.Error()) {
		t.Errorf("write into a missing directory = %v, want an error naming the report", err)
	}
}

func BenchmarkRender(b *testing.B) {
	r := fixture()
	for range 50 {
		r.Pairs = append(r.Pairs, r.Pairs[0])
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Render(&buf, r); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
