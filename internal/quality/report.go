package quality

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"path/filepath"

	"github.com/hotpass/hotpass/internal/geo"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// Masker returns value as the report may show it in the column name (""
// for a value it may not show).
type Masker interface {
	Field(name, value string) string
}

// Masked returns a copy of r whose quoted failing values went through m:
// a compliance policy's operators of the destination the copy is for. A
// value m removes is left out. A nil m returns r itself.
func (r *Report) Masked(m Masker) *Report {
	if m == nil {
		return r
	}
	out := *r
	out.Results = make([]Result, len(r.Results))
	for i, res := range r.Results {
		var kept []Example
		for _, e := range res.Examples {
			if v := m.Field(res.Column, e.Value); v != "" {
				e.Value = v
				kept = append(kept, e)
			}
		}
		res.Examples = kept
		out.Results[i] = res
	}
	return &out
}

// JSON renders the report as indented JSON.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("quality report: %w", err)
	}
	return append(b, '\n'), nil
}

// HTML renders the report as one self-contained page: no scripts, fonts,
// stylesheets or images are fetched, so it can be mailed or archived as
// is. Bar charts are inline SVG.
func (r *Report) HTML() ([]byte, error) {
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, r.view()); err != nil {
		return nil, fmt.Errorf("quality report: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteFiles writes the report as JSON and HTML, each atomically. Either
// path may be empty to skip that format. Directories are created.
func (r *Report) WriteFiles(jsonPath, htmlPath string) error {
	if jsonPath != "" {
		b, err := r.JSON()
		if err != nil {
			return err
		}
		if err := writeFile(jsonPath, b); err != nil {
			return err
		}
	}
	if htmlPath != "" {
		b, err := r.HTML()
		if err != nil {
			return err
		}
		if err := writeFile(htmlPath, b); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("quality report: %w", err)
	}
	if err := atomicfile.WriteFile(path, b); err != nil {
		return fmt.Errorf("quality report: %w", err)
	}
	return nil
}

// Chart geometry, in SVG user units.
const (
	chartLabelWidth = 260
	chartBarWidth   = 420
	chartRowHeight  = 22
)

type bar struct {
	Label  string
	Share  float64
	Width  float64
	Y      int
	TextY  int
	Colour string
	Text   string
}

type chart struct {
	Height, Width, LabelWidth, BarWidth int
	Bars                                []bar
}

type reportView struct {
	*Report
	Failed       int
	Expectations chart
	Columns      chart
	// Map is the SVG map of Locations, empty without them.
	Map template.HTML
}

func (r *Report) view() reportView {
	v := reportView{Report: r}
	var exp, cols []bar
	for _, res := range r.Results {
		if !res.Passed {
			v.Failed++
		}
		exp = append(exp, bar{Label: res.Name, Share: res.PassRate, Colour: passColour(res.Passed)})
	}
	for _, c := range r.Completeness {
		cols = append(cols, bar{Label: c.Column, Share: c.Share, Colour: shareColour(c.Share)})
	}
	v.Expectations = makeChart(exp)
	v.Columns = makeChart(cols)
	if len(r.Locations) > 0 {
		// Built from numbers and the embedded province names only.
		if svg, err := geo.MapSVG(r.Locations, 640); err == nil {
			v.Map = template.HTML(svg)
		}
	}
	return v
}

func makeChart(bars []bar) chart {
	for i := range bars {
		b := &bars[i]
		b.Y = i * chartRowHeight
		b.TextY = b.Y + chartRowHeight/2 + 4
		b.Width = b.Share * chartBarWidth
		b.Text = fmt.Sprintf("%.1f%%", 100*b.Share)
	}
	return chart{
		Height: len(bars)*chartRowHeight + 4, Width: chartLabelWidth + chartBarWidth + 70,
		LabelWidth: chartLabelWidth, BarWidth: chartBarWidth, Bars: bars,
	}
}

func passColour(ok bool) string {
	if ok {
		return "#2e7d32"
	}
	return "#c62828"
}

func shareColour(s float64) string {
	switch {
	case s < 0.5:
		return "#c62828"
	case s < 0.8:
		return "#ef8f00"
	}
	return "#2e7d32"
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": func(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) },
	"add": func(a, b int) int { return a + b },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{if .Title}}{{.Title}} – {{end}}data quality report</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
.summary span{display:inline-block;margin-right:2rem}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#d9e1f2}td.num{text-align:right}
code{font-size:.85rem}
svg text{font-size:12px;font-family:inherit}
</style>
</head>
<body>
<h1>{{if .Title}}{{.Title}}: {{end}}data quality report</h1>
<p class="summary">
<span>Rows: <b>{{.Rows}}</b></span>
<span>Expectations: <b>{{len .Results}}</b>, failed: <b>{{.Failed}}</b></span>
<span>Result: {{if .Passed}}<span class="ok">passed</span>{{else}}<span class="bad">failed</span>{{end}}</span>
</p>

<h2>Expectations</h2>
{{if .Results}}
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Pass rate per expectation" width="{{.Expectations.Width}}" height="{{.Expectations.Height}}">
{{- range .Expectations.Bars}}
<text x="{{$.Expectations.LabelWidth | add -6}}" y="{{.TextY}}" text-anchor="end">{{.Label}}</text>
<rect x="{{$.Expectations.LabelWidth}}" y="{{.Y | add 3}}" width="{{$.Expectations.BarWidth}}" height="16" fill="#eee"/>
<rect x="{{$.Expectations.LabelWidth}}" y="{{.Y | add 3}}" width="{{printf "%.1f" .Width}}" height="16" fill="{{.Colour}}"/>
<text x="{{$.Expectations.LabelWidth | add $.Expectations.BarWidth | add 6}}" y="{{.TextY}}">{{.Text}}</text>
{{- end}}
</svg>
<table>
<tr><th>Expectation</th><th>Column</th><th>Failed rows</th><th>Pass rate</th><th>Required</th><th>Result</th><th>Examples of failing values</th></tr>
{{- range .Results}}
<tr><td>{{.Name}}{{if .Where}}<br><code>{{.Where}}</code>{{end}}</td><td><code>{{.Column}}</code></td><td class="num">{{.Failed}}</td><td class="num">{{pct .PassRate}}</td><td class="num">{{pct .Threshold}}</td>
<td>{{if .Passed}}<span class="ok">passed</span>{{else}}<span class="bad">failed</span>{{end}}{{if .Error}}<br>{{.Error}}{{end}}</td>
<td>{{range .Examples}}row {{.Row}}: <code>{{.Value}}</code><br>{{end}}</td></tr>
{{- end}}
</table>
{{else}}<p>No expectations were checked.</p>{{end}}

<h2>Completeness per column</h2>
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Share of filled values per column" width="{{.Columns.Width}}" height="{{.Columns.Height}}">
{{- range .Columns.Bars}}
<text x="{{$.Columns.LabelWidth | add -6}}" y="{{.TextY}}" text-anchor="end">{{.Label}}</text>
<rect x="{{$.Columns.LabelWidth}}" y="{{.Y | add 3}}" width="{{$.Columns.BarWidth}}" height="16" fill="#eee"/>
<rect x="{{$.Columns.LabelWidth}}" y="{{.Y | add 3}}" width="{{printf "%.1f" .Width}}" height="16" fill="{{.Colour}}"/>
<text x="{{$.Columns.LabelWidth | add $.Columns.BarWidth | add 6}}" y="{{.TextY}}">{{.Text}}</text>
{{- end}}
</svg>
<table>
<tr><th>Column</th><th>Filled</th><th>Share</th></tr>
{{- range .Completeness}}
<tr><td><code>{{.Column}}</code></td><td class="num">{{.NonNull}}</td><td class="num">{{pct .Share}}</td></tr>
{{- end}}
</table>
{{if .Map}}
<h2>Locations</h2>
{{.Map}}
{{end}}
</body>
</html>
`))
