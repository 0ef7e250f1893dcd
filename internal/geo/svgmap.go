package geo

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"sync"
)

// Outline is one ring of a province's simplified boundary, lon/lat pairs.
type Outline struct {
	Province string
	Ring     [][2]float64 // {lon, lat}
}

var (
	outlinesOnce sync.Once
	outlines     []Outline
	outlinesErr  error
)

// ProvinceOutlines returns South Africa's province boundaries, simplified
// to about 3 km (Natural Earth admin-1, see data/SOURCES.md), decoded on
// first use.
func ProvinceOutlines() ([]Outline, error) {
	outlinesOnce.Do(func() { outlines, outlinesErr = decodeOutlines() })
	return outlines, outlinesErr
}

func decodeOutlines() ([]Outline, error) {
	var out []Outline
	err := eachRow("data/provinces.tsv.gz", 3, func(line int, f []string) error {
		o := Outline{Province: f[1]}
		for _, pair := range strings.Fields(f[2]) {
			a, b, ok := strings.Cut(pair, ",")
			lon, err1 := strconv.ParseFloat(a, 64)
			lat, err2 := strconv.ParseFloat(b, 64)
			if !ok || err1 != nil || err2 != nil {
				return fmt.Errorf("embedded provinces.tsv line %d: bad point %q", line, pair)
			}
			o.Ring = append(o.Ring, [2]float64{lon, lat})
		}
		out = append(out, o)
		return nil
	})
	return out, err
}

// mapBounds frame South Africa (with Lesotho and Eswatini inside).
var mapBounds = box{minLat: -35.0, maxLat: -22.0, minLon: 16.3, maxLon: 33.0}

// dotCell is the side in pixels of the squares in which MapSVG draws one
// dot at most.
const dotCell = 2

// MapSVG draws the provinces of South Africa with points as dots, as an
// inline <svg> element width pixels wide. Points outside the frame are
// left out and counted in the caption; points within a dot's width of one
// already drawn add no dot, so the size of the SVG is bounded by width
// whatever the number of points.
func MapSVG(points []Point, width int) (string, error) {
	outs, err := ProvinceOutlines()
	if err != nil {
		return "", err
	}
	// Equirectangular with longitude scaled by the cosine of the mid
	// latitude: at this size it is indistinguishable from a conformal
	// projection.
	k := math.Cos((mapBounds.minLat + mapBounds.maxLat) / 2 * math.Pi / 180)
	spanX := (mapBounds.maxLon - mapBounds.minLon) * k
	spanY := mapBounds.maxLat - mapBounds.minLat
	scale := float64(width) / spanX
	height := int(math.Ceil(spanY * scale))
	xy := func(lon, lat float64) (float64, float64) {
		return (lon - mapBounds.minLon) * k * scale, (mapBounds.maxLat - lat) * scale
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Map of South Africa's provinces with %d located rows" width="%d" height="%d" viewBox="0 0 %d %d">`, len(points), width, height+20, width, height+20)
	b.WriteString("\n<g fill=\"#eef3e8\" stroke=\"#7a8a70\" stroke-width=\"0.8\">\n")
	labels := map[string][3]float64{} // sum x, sum y, n over the largest ring
	for _, o := range outs {
		if !inFrame(o.Ring) {
			continue // the Prince Edward Islands, 1,800 km south-east
		}
		b.WriteString(`<path d="`)
		for i, p := range o.Ring {
			x, y := xy(p[0], p[1])
			if i == 0 {
				fmt.Fprintf(&b, "M%.1f %.1f", x, y)
			} else {
				fmt.Fprintf(&b, "L%.1f %.1f", x, y)
			}
		}
		fmt.Fprintf(&b, "Z\"><title>%s</title></path>\n", html.EscapeString(o.Province))
		if l := labels[o.Province]; float64(len(o.Ring)) > l[2] {
			var sx, sy float64
			for _, p := range o.Ring {
				x, y := xy(p[0], p[1])
				sx, sy = sx+x, sy+y
			}
			n := float64(len(o.Ring))
			labels[o.Province] = [3]float64{sx / n, sy / n, n}
		}
	}
	b.WriteString("</g>\n<g fill=\"#556\" font-size=\"10\" text-anchor=\"middle\">\n")
	for _, o := range outs {
		if l, ok := labels[o.Province]; ok && inFrame(o.Ring) {
			fmt.Fprintf(&b, "<text x=\"%.0f\" y=\"%.0f\">%s</text>\n", l[0], l[1], html.EscapeString(o.Province))
			delete(labels, o.Province)
		}
	}
	b.WriteString("</g>\n<g fill=\"#c62828\" fill-opacity=\"0.6\" stroke=\"#fff\" stroke-width=\"0.5\">\n")
	outside := 0
	// One dot per dotCell-pixel square: a dot is 6 pixels wide, so more
	// dots there would not show, and the map of a million rows would
	// weigh tens of megabytes instead of being bounded by its size.
	drawn := map[[2]int]bool{}
	for _, p := range points {
		if !mapBounds.contains(p.Lat, p.Lon) {
			outside++
			continue
		}
		x, y := xy(p.Lon, p.Lat)
		at := [2]int{int(x / dotCell), int(y / dotCell)}
		if drawn[at] {
			continue
		}
		drawn[at] = true
		fmt.Fprintf(&b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>\n", x, y)
	}
	b.WriteString("</g>\n")
	caption := fmt.Sprintf("%d located rows", len(points)-outside)
	if outside > 0 {
		caption += fmt.Sprintf(", %d outside the map", outside)
	}
	fmt.Fprintf(&b, "<text x=\"4\" y=\"%d\" font-size=\"11\">%s. Province outlines: Natural Earth (public domain), simplified.</text>\n</svg>", height+14, caption)
	return b.String(), nil
}

func inFrame(ring [][2]float64) bool {
	for _, p := range ring {
		if !mapBounds.contains(p[1], p[0]) {
			return false
		}
	}
	return true
}
