package linkreport

import (
	"fmt"
	"math"
	"strconv"
)

// chart is an SVG drawing laid out in Go; the template only prints it.
// Text fields may hold data values: the template escapes them, and they
// appear only as element text, never inside attributes.
type chart struct {
	W, H  int
	Title string
	Lines []line
	Rects []rect
	Texts []text
}

type rect struct {
	X, Y, W, H string
	Class      string
	Tip        string
}

type line struct {
	X1, Y1, X2, Y2 string
	Class          string
}

type text struct {
	X, Y      string
	Anchor    string
	Class     string
	Transform string
	Text      string
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func (c *chart) rect(x, y, w, h float64, class, tip string) {
	if h < 0 {
		y, h = y+h, -h
	}
	c.Rects = append(c.Rects, rect{X: num(x), Y: num(y), W: num(w), H: num(max(h, 0.5)), Class: class, Tip: tip})
}

func (c *chart) line(x1, y1, x2, y2 float64, class string) {
	c.Lines = append(c.Lines, line{X1: num(x1), Y1: num(y1), X2: num(x2), Y2: num(y2), Class: class})
}

func (c *chart) text(x, y float64, anchor, class, s string) {
	c.Texts = append(c.Texts, text{X: num(x), Y: num(y), Anchor: anchor, Class: class, Text: s})
}

func (c *chart) rotated(x, y float64, deg float64, anchor, class, s string) {
	c.Texts = append(c.Texts, text{X: num(x), Y: num(y), Anchor: anchor, Class: class, Text: s,
		Transform: fmt.Sprintf("rotate(%s %s %s)", num(deg), num(x), num(y))})
}

// niceStep returns a tick step of 1, 2 or 5 times a power of ten close to
// span/target.
func niceStep(span float64, target int) float64 {
	raw := span / float64(target)
	if !(raw > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func signed(v float64) string { return fmt.Sprintf("%+.2f", v) }

// weightHistogram draws the match weight histogram with the thresholds
// marked. Counts use a log scale: rejected pairs usually outnumber matches
// by orders of magnitude, and a linear scale would hide the matches.
func weightHistogram(h *Histogram, matchW, reviewW float64) *chart {
	bins := h.Bins()
	if len(bins) == 0 {
		return nil
	}
	const W, H, left, right, top, bottom = 760, 280, 56, 20, 34, 46
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	lo, hi := bins[0].Lo, bins[len(bins)-1].Hi
	for _, t := range []float64{matchW, reviewW} {
		if !math.IsInf(t, 0) && !math.IsNaN(t) {
			lo, hi = min(lo, math.Floor(t)-1), max(hi, math.Ceil(t)+1)
		}
	}
	var maxC int64 = 1
	for _, b := range bins {
		maxC = max(maxC, b.Count)
	}
	x := func(v float64) float64 { return left + (v-lo)/(hi-lo)*pw }
	scale := math.Log10(1 + float64(maxC))
	y := func(c float64) float64 { return top + ph - math.Log10(1+c)/scale*ph }
	c := &chart{W: W, H: H, Title: fmt.Sprintf("Histogram of the match weights of %d scored pairs", h.Total())}

	// Axes and ticks.
	c.line(left, top+ph, left+pw, top+ph, "axis")
	c.line(left, top, left, top+ph, "axis")
	step := niceStep(hi-lo, 12)
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		c.line(x(v), top+ph, x(v), top+ph+4, "axis")
		c.text(x(v), top+ph+16, "middle", "tick", strconv.FormatFloat(v, 'f', -1, 64))
	}
	ticks := []int64{}
	for p := int64(1); p <= maxC; p *= 10 {
		ticks = append(ticks, p)
	}
	if ticks[len(ticks)-1] != maxC {
		ticks = append(ticks, maxC)
	}
	for _, p := range ticks {
		c.line(left-4, y(float64(p)), left, y(float64(p)), "axis")
		c.text(left-6, y(float64(p))+4, "end", "tick", strconv.FormatInt(p, 10))
	}
	c.text(left+pw/2, H-8, "middle", "axis-title", "match weight (log2 odds)")
	c.rotated(14, top+ph/2, -90, "middle", "axis-title", "pairs (log scale)")

	for _, b := range bins {
		if b.Count == 0 {
			continue
		}
		mid := (b.Lo + b.Hi) / 2
		class := "bar-reject"
		switch {
		case mid >= matchW:
			class = "bar-match"
		case mid >= reviewW:
			class = "bar-review"
		}
		x0, x1 := x(b.Lo), x(b.Hi)
		c.rect(x0+0.5, y(float64(b.Count)), max(x1-x0-1, 0.5), top+ph-y(float64(b.Count)), class,
			fmt.Sprintf("weight %s to %s: %s", strconv.FormatFloat(b.Lo, 'f', -1, 64), strconv.FormatFloat(b.Hi, 'f', -1, 64), pairs(b.Count)))
	}
	mark := func(w float64, label string, dy float64) {
		if math.IsInf(w, 0) || math.IsNaN(w) {
			return
		}
		c.line(x(w), top-4, x(w), top+ph, "threshold")
		c.text(x(w)+4, top-10+dy, "start", "threshold-label", label)
	}
	if reviewW < matchW {
		mark(reviewW, fmt.Sprintf("review ≥ %s", signed(reviewW)), 0)
		mark(matchW, fmt.Sprintf("match ≥ %s", signed(matchW)), 12)
	} else {
		mark(matchW, fmt.Sprintf("match ≥ %s", signed(matchW)), 0)
	}
	return c
}

// muChart draws, for each level of a comparison, its m and u probability
// as bars and its Bayes factor as text.
func muChart(cmp Comparison) *chart {
	const W, rowH, labelW, barX, barW, top = 760, 46, 230, 240, 280, 30
	c := &chart{W: W, H: top + rowH*len(cmp.Levels) + 8, Title: "m and u probabilities and Bayes factors"}
	c.rect(barX, 8, 12, 12, "m", "m: probability of the level among matches")
	c.text(barX+16, 18, "start", "legend", "m = P(level | match)")
	c.rect(barX+170, 8, 12, 12, "u", "u: probability of the level among non-matches")
	c.text(barX+186, 18, "start", "legend", "u = P(level | non-match)")
	for i, l := range cmp.Levels {
		y := float64(top + i*rowH)
		c.text(labelW, y+20, "end", "level-label", l.Label)
		if l.Null {
			c.text(barX, y+20, "start", "note", "null or neutral level: no evidence either way (Bayes factor 1)")
			continue
		}
		c.line(barX, y+2, barX, y+38, "axis")
		c.rect(barX, y+4, barW*clamp01(l.M), 14, "m", fmt.Sprintf("m = %s", prob(l.M)))
		c.rect(barX, y+21, barW*clamp01(l.U), 14, "u", fmt.Sprintf("u = %s", prob(l.U)))
		bf := l.BayesFactor()
		c.text(barX+barW+12, y+15, "start", "value", fmt.Sprintf("m %s · u %s", prob(l.M), prob(l.U)))
		c.text(barX+barW+12, y+32, "start", "value", fmt.Sprintf("Bayes factor %s (%s bits)", factor(bf), signed(math.Log2(bf))))
	}
	return c
}

func clamp01(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return max(0, min(1, v))
}

func prob(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

func factor(v float64) string {
	if v >= 1 {
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return "1/" + strconv.FormatFloat(1/v, 'f', 2, 64)
}

// waterfallStep is one bar of a waterfall.
type waterfallStep struct {
	Label, Detail string
	Delta         float64
	Kind          string // prior, up, down, final
}

// waterfallSteps lists a pair's bars: the prior, each comparison (and its
// term-frequency adjustment, when there is one), then the final weight.
func waterfallSteps(e Explanation) []waterfallStep {
	steps := []waterfallStep{{Label: "prior", Detail: fmt.Sprintf("prior weight log2(λ/(1−λ)) = %s", signed(e.Prior)), Delta: e.Prior, Kind: "prior"}}
	kind := func(d float64) string {
		if d < 0 {
			return "down"
		}
		return "up"
	}
	for _, s := range e.Steps {
		steps = append(steps, waterfallStep{
			Label:  s.Comparison,
			Detail: fmt.Sprintf("%s = %s: Bayes factor %s, %s bits", s.Comparison, s.Level, factor(math.Exp2(s.Weight)), signed(s.Weight)),
			Delta:  s.Weight, Kind: kind(s.Weight),
		})
		if s.TF != 0 {
			steps = append(steps, waterfallStep{
				Label:  s.Comparison + " (tf)",
				Detail: fmt.Sprintf("%s term-frequency adjustment: %s bits", s.Comparison, signed(s.TF)),
				Delta:  s.TF, Kind: kind(s.TF),
			})
		}
	}
	return append(steps, waterfallStep{
		Label: "final", Detail: fmt.Sprintf("match weight %s, probability %s", signed(e.Weight), prob(e.Probability)),
		Delta: e.Weight, Kind: "final",
	})
}

// waterfall draws a pair's waterfall: each bar starts where the running
// total stood and ends where the step leaves it; the prior and final bars
// start at zero.
func waterfall(e Explanation, matchW float64) *chart {
	steps := waterfallSteps(e)
	const left, right, top, bottom, barStep = 56, 24, 24, 110, 64
	W := max(760, left+right+barStep*len(steps))
	const H = 340
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	// Running totals give each bar's start and end.
	starts, ends := make([]float64, len(steps)), make([]float64, len(steps))
	cum := 0.0
	for i, s := range steps {
		switch s.Kind {
		case "prior":
			starts[i], ends[i] = 0, s.Delta
			cum = s.Delta
		case "final":
			starts[i], ends[i] = 0, s.Delta
		default:
			starts[i], ends[i] = cum, cum+s.Delta
			cum += s.Delta
		}
	}
	lo, hi := 0.0, 0.0
	for i := range steps {
		lo, hi = min(lo, starts[i], ends[i]), max(hi, starts[i], ends[i])
	}
	if !math.IsInf(matchW, 0) && !math.IsNaN(matchW) {
		lo, hi = min(lo, matchW), max(hi, matchW)
	}
	lo, hi = math.Floor(lo-1), math.Ceil(hi+1)
	y := func(v float64) float64 { return top + (hi-v)/(hi-lo)*ph }
	c := &chart{W: W, H: H, Title: "Waterfall of the match weight, step by step"}
	c.line(left, top, left, top+ph, "axis")
	step := niceStep(hi-lo, 8)
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		c.line(left-4, y(v), left, y(v), "axis")
		c.text(left-6, y(v)+4, "end", "tick", strconv.FormatFloat(v, 'f', -1, 64))
	}
	c.rotated(14, top+ph/2, -90, "middle", "axis-title", "match weight (log2 odds)")
	c.line(left, y(0), left+pw, y(0), "zero")
	if !math.IsInf(matchW, 0) && !math.IsNaN(matchW) {
		c.line(left, y(matchW), left+pw, y(matchW), "threshold")
		c.text(left+pw, y(matchW)-4, "end", "threshold-label", "match threshold "+signed(matchW))
	}
	bw := float64(barStep) * 0.6
	for i, s := range steps {
		x := left + 8 + float64(i)*barStep
		c.rect(x, y(max(starts[i], ends[i])), bw, y(min(starts[i], ends[i]))-y(max(starts[i], ends[i])), "wf-"+s.Kind, s.Detail)
		if i > 0 && i < len(steps)-1 {
			// A connector from the previous bar's end shows where this one starts.
			c.line(x-float64(barStep)+bw, y(starts[i]), x, y(starts[i]), "connector")
		}
		label := signed(s.Delta)
		if s.Kind == "final" {
			label = signed(s.Delta) + " = p " + prob(e.Probability)
		}
		vy := y(max(starts[i], ends[i])) - 5
		if s.Delta < 0 && s.Kind != "prior" && s.Kind != "final" {
			vy = y(min(starts[i], ends[i])) + 13
		}
		c.text(x+bw/2, vy, "middle", "value", label)
		c.rotated(x+bw/2, top+ph+14, -35, "end", "step-label", s.Label)
	}
	return c
}

func pairs(n int64) string {
	if n == 1 {
		return "1 pair"
	}
	return strconv.FormatInt(n, 10) + " pairs"
}
