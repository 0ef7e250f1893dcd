package linkreport

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"

	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// FileName is the conventional name of the report.
const FileName = "linkage_report.html"

// Write renders r to path atomically: a reader sees the previous report or
// the complete new one, never a partial file.
func Write(path string, r *Report) error {
	var buf bytes.Buffer
	if err := Render(&buf, r); err != nil {
		return err
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("write linkage report: %w", err)
	}
	defer f.Abort()
	if _, err := f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write linkage report: %w", err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("write linkage report: %w", err)
	}
	return nil
}

// Render writes the report's HTML to w.
func Render(w io.Writer, r *Report) error {
	if err := page.Execute(w, newView(r)); err != nil {
		return fmt.Errorf("render linkage report: %w", err)
	}
	return nil
}

// view is the report laid out for the template.
type view struct {
	Title, Generated, LinkType               string
	Lambda, PriorWeight                      string
	MatchP, MatchW, ReviewP, ReviewW         string
	ReviewBand                               bool
	Inputs                                   []Input
	TotalRecords                             int64
	Rules                                    []Rule
	TotalPairs, TotalMatch, TotalReview, Rej int64
	Histogram                                *chart
	Comparisons                              []compView
	Pairs                                    []pairView
	PriorSource                              string
	PriorWarnings                            []string
	Displaced                                int64
	Clusters                                 *clustersView
}

type clustersView struct {
	Count, Sparse, Split int
	SparseDensity        string
	Weakest              []clusterRow
}

type clusterRow struct {
	ID, Density, Weakest string
	Size, Edges          int
}

type compView struct {
	Name  string
	Chart *chart
	Rows  []levelRow
}

type levelRow struct {
	Label, M, U, BF, Log2BF string
	Null                    bool
}

type pairView struct {
	PairID, Left, Right string
	Fields              []fieldRow
	Chart               *chart
	Steps               []stepRow
	Weight, Probability string
	Class               string
	Mismatch            string
}

type fieldRow struct{ Name, Left, Right string }

type stepRow struct{ Comparison, Level, BF, Weight, TF, Total string }

func newView(r *Report) *view {
	v := &view{
		Title: r.Title, LinkType: r.LinkType,
		Lambda: prob(r.Lambda), PriorWeight: signed(WeightOf(r.Lambda)),
		MatchP: prob(r.MatchThreshold), MatchW: weightText(WeightOf(r.MatchThreshold)),
		ReviewP: prob(r.ReviewThreshold), ReviewW: weightText(WeightOf(r.ReviewThreshold)),
		ReviewBand: r.ReviewThreshold < r.MatchThreshold,
		Inputs:     r.Inputs, Rules: r.Rules,
		PriorSource: r.PriorSource, PriorWarnings: r.PriorWarnings, Displaced: r.Displaced,
	}
	if c := r.Clusters; c != nil {
		v.Clusters = &clustersView{Count: c.Count, Sparse: c.Sparse, Split: c.Split, SparseDensity: prob(c.SparseDensity)}
		for _, q := range c.Weakest {
			v.Clusters.Weakest = append(v.Clusters.Weakest, clusterRow{ID: q.ID, Size: q.Size, Edges: q.Edges, Density: prob(q.Density), Weakest: prob(q.WeakestEdge)})
		}
	}
	if v.Title == "" {
		v.Title = "Record linkage report"
	}
	if !r.GeneratedAt.IsZero() {
		v.Generated = r.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	for _, in := range r.Inputs {
		v.TotalRecords += in.Records
	}
	for _, ru := range r.Rules {
		v.TotalPairs += ru.Pairs
		v.TotalMatch += ru.Matches
		v.TotalReview += ru.Reviews
	}
	v.Rej = v.TotalPairs - v.TotalMatch - v.TotalReview
	matchW, reviewW := WeightOf(r.MatchThreshold), WeightOf(r.ReviewThreshold)
	if r.Weights != nil {
		v.Histogram = weightHistogram(r.Weights, matchW, reviewW)
	}
	for _, c := range r.Comparisons {
		cv := compView{Name: c.Name, Chart: muChart(c)}
		for _, l := range c.Levels {
			row := levelRow{Label: l.Label, Null: l.Null}
			if !l.Null {
				bf := l.BayesFactor()
				row.M, row.U, row.BF, row.Log2BF = prob(l.M), prob(l.U), factor(bf), signed(math.Log2(bf))
			}
			cv.Rows = append(cv.Rows, row)
		}
		v.Comparisons = append(v.Comparisons, cv)
	}
	for _, e := range r.Pairs {
		if r.Masker != nil {
			e.Left.Fields, e.Right.Fields = maskFields(r.Masker, e.Left.Fields), maskFields(r.Masker, e.Right.Fields)
		}
		v.Pairs = append(v.Pairs, newPairView(e, r.MatchThreshold, r.ReviewThreshold))
	}
	return v
}

func weightText(w float64) string {
	if math.IsInf(w, 0) || math.IsNaN(w) {
		return strconv.FormatFloat(w, 'f', -1, 64)
	}
	return signed(w)
}

// maskFields returns fs with m applied, leaving fs as it was.
func maskFields(m Masker, fs []Field) []Field {
	out := make([]Field, len(fs))
	for i, f := range fs {
		out[i] = Field{Name: f.Name, Value: m.Field(f.Name, f.Value)}
	}
	return out
}

func newPairView(e Explanation, matchP, reviewP float64) pairView {
	pv := pairView{
		PairID: e.PairID,
		Left:   e.Left.Source + " / " + e.Left.ID, Right: e.Right.Source + " / " + e.Right.ID,
		Chart:  waterfall(e, WeightOf(matchP)),
		Weight: signed(e.Weight), Probability: prob(e.Probability),
	}
	switch {
	case e.Probability >= matchP:
		pv.Class = "match"
	case e.Probability >= reviewP:
		pv.Class = "review"
	default:
		pv.Class = "reject"
	}
	// Fields in the left record's order, then those only the right has.
	right := map[string]string{}
	for _, f := range e.Right.Fields {
		right[f.Name] = f.Value
	}
	seen := map[string]bool{}
	for _, f := range e.Left.Fields {
		pv.Fields = append(pv.Fields, fieldRow{Name: f.Name, Left: f.Value, Right: right[f.Name]})
		seen[f.Name] = true
	}
	for _, f := range e.Right.Fields {
		if !seen[f.Name] {
			pv.Fields = append(pv.Fields, fieldRow{Name: f.Name, Right: f.Value})
		}
	}
	total := e.Prior
	for _, s := range e.Steps {
		total += s.Weight
		row := stepRow{Comparison: s.Comparison, Level: s.Level, BF: factor(math.Exp2(s.Weight)), Weight: signed(s.Weight)}
		if s.TF != 0 {
			row.TF = signed(s.TF)
		}
		total += s.TF
		row.Total = signed(total)
		pv.Steps = append(pv.Steps, row)
	}
	if math.Abs(total-e.Weight) > 1e-6*max(1, math.Abs(e.Weight)) {
		pv.Mismatch = fmt.Sprintf("The steps add up to %s, but the pair's weight is %s: the explanation does not match the score.", signed(total), signed(e.Weight))
	}
	return pv
}

var page = template.Must(template.New("report").Parse(pageTemplate))

const pageTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0 auto; max-width: 1100px; padding: 1em 2em 4em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin: 1.5em 0 0.4em; }
.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f5f5f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; background: #fafafa; }
td.value { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 26em; }
.class-match { color: #2e7d32; font-weight: 600; }
.class-review { color: #b26a00; font-weight: 600; }
.class-reject { color: #616161; font-weight: 600; }
.warning { background: #fff3e0; border-left: 4px solid #ef6c00; padding: 0.4em 0.8em; }
svg { display: block; max-width: 100%; height: auto; margin: 0.5em 0; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
svg .axis-title { font-size: 12px; fill: #555; }
svg .tick { fill: #555; }
svg .threshold-label { fill: #b71c1c; font-weight: 600; }
svg .level-label { font-size: 12px; }
svg .note { fill: #777; font-style: italic; }
svg .axis { stroke: #333; stroke-width: 1; }
svg .zero { stroke: #333; stroke-width: 1; }
svg .threshold { stroke: #b71c1c; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg .connector { stroke: #999; stroke-dasharray: 2 2; }
svg .bar-match { fill: #2e7d32; }
svg .bar-review { fill: #f9a825; }
svg .bar-reject { fill: #9e9e9e; }
svg .m { fill: #1565c0; }
svg .u { fill: #ef6c00; }
svg .wf-prior { fill: #616161; }
svg .wf-up { fill: #2e7d32; }
svg .wf-down { fill: #c62828; }
svg .wf-final { fill: #1565c0; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if .Generated}}<p class="meta">Generated {{.Generated}}</p>{{end}}

<h2 id="summary">Summary</h2>
<table>
<tr><th>Link type</th><td>{{.LinkType}}</td></tr>
<tr><th>Prior λ (two random records match)</th><td>{{.Lambda}} (prior weight {{.PriorWeight}}){{if .PriorSource}}; from {{.PriorSource}}{{end}}</td></tr>
<tr><th>Match threshold</th><td>probability ≥ {{.MatchP}} (weight ≥ {{.MatchW}})</td></tr>
<tr><th>Review threshold</th><td>{{if .ReviewBand}}probability ≥ {{.ReviewP}} (weight ≥ {{.ReviewW}}){{else}}none: no review band{{end}}</td></tr>
</table>

{{range .PriorWarnings}}<p class="warning">{{.}}</p>
{{end}}{{if .Displaced}}<p>one_to_one: {{.Displaced}} match pairs lost to a stronger pair of one of their records.</p>
{{end}}<h3>Records</h3>
<table>
<tr><th>Input</th><th class="num">Records</th></tr>
{{range .Inputs}}<tr><td>{{.Name}}</td><td class="num">{{.Records}}</td></tr>
{{end}}<tr class="total"><td>Total</td><td class="num">{{.TotalRecords}}</td></tr>
</table>

<h3>Pairs by blocking rule and class</h3>
<table>
<tr><th>Blocking rule</th><th class="num">Pairs</th><th class="num">Match</th><th class="num">Review</th><th class="num">Reject</th></tr>
{{range .Rules}}<tr><td><code>{{.Rule}}</code></td><td class="num">{{.Pairs}}</td><td class="num">{{.Matches}}</td><td class="num">{{.Reviews}}</td><td class="num">{{.Rejects}}</td></tr>
{{end}}<tr class="total"><td>Total</td><td class="num">{{.TotalPairs}}</td><td class="num">{{.TotalMatch}}</td><td class="num">{{.TotalReview}}</td><td class="num">{{.Rej}}</td></tr>
</table>

{{with .Clusters}}<h2 id="clusters">Cluster quality</h2>
<p>{{.Count}} clusters; {{.Sparse}} of three or more records have density (match edges over possible pairs) below {{.SparseDensity}}{{if .Split}}; {{.Split}} sparse clusters were split{{end}}.</p>
{{if .Weakest}}<table>
<tr><th>Cluster</th><th class="num">Records</th><th class="num">Edges</th><th class="num">Density</th><th class="num">Weakest edge</th></tr>
{{range .Weakest}}<tr><td>{{.ID}}</td><td class="num">{{.Size}}</td><td class="num">{{.Edges}}</td><td class="num">{{.Density}}</td><td class="num">{{.Weakest}}</td></tr>
{{end}}</table>
{{end}}{{end}}<h2 id="weights">Match weights</h2>
{{with .Histogram}}{{template "chart" .}}{{else}}<p>No scored pairs.</p>{{end}}

<h2 id="parameters">Comparisons: m and u</h2>
{{range .Comparisons}}<h3>{{.Name}}</h3>
{{template "chart" .Chart}}<table>
<tr><th>Level</th><th class="num">m</th><th class="num">u</th><th class="num">Bayes factor m/u</th><th class="num">Weight (bits)</th></tr>
{{range .Rows}}<tr><td>{{.Label}}</td>{{if .Null}}<td colspan="4">null or neutral level: no evidence</td>{{else}}<td class="num">{{.M}}</td><td class="num">{{.U}}</td><td class="num">{{.BF}}</td><td class="num">{{.Log2BF}}</td>{{end}}</tr>
{{end}}</table>
{{else}}<p>No comparisons.</p>
{{end}}
<h2 id="pairs">Explained pairs</h2>
{{range .Pairs}}<h3>{{.Left}} ↔ {{.Right}}</h3>
<p>Pair {{.PairID}}: match weight {{.Weight}}, probability {{.Probability}}, class <span class="class-{{.Class}}">{{.Class}}</span></p>
{{if .Mismatch}}<p class="warning">{{.Mismatch}}</p>
{{end}}<table>
<tr><th>Field</th><th>{{.Left}}</th><th>{{.Right}}</th></tr>
{{range .Fields}}<tr><th>{{.Name}}</th><td class="value">{{.Left}}</td><td class="value">{{.Right}}</td></tr>
{{end}}</table>
{{template "chart" .Chart}}<table>
<tr><th>Comparison</th><th>Level</th><th class="num">Bayes factor</th><th class="num">Weight</th><th class="num">TF adjustment</th><th class="num">Running total</th></tr>
{{range .Steps}}<tr><td>{{.Comparison}}</td><td>{{.Level}}</td><td class="num">{{.BF}}</td><td class="num">{{.Weight}}</td><td class="num">{{.TF}}</td><td class="num">{{.Total}}</td></tr>
{{end}}</table>
{{else}}<p>No pairs to explain.</p>
{{end}}</body>
</html>
{{define "chart"}}<svg width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img">
<title>{{.Title}}</title>
{{range .Lines}}<line x1="{{.X1}}" y1="{{.Y1}}" x2="{{.X2}}" y2="{{.Y2}}" class="{{.Class}}"/>
{{end}}{{range .Rects}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" class="{{.Class}}"><title>{{.Tip}}</title></rect>
{{end}}{{range .Texts}}<text x="{{.X}}" y="{{.Y}}"{{if .Anchor}} text-anchor="{{.Anchor}}"{{end}}{{if .Transform}} transform="{{.Transform}}"{{end}} class="{{.Class}}">{{.Text}}</text>
{{end}}</svg>
{{end}}`
