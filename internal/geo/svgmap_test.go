package geo

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

func TestProvinceOutlines(t *testing.T) {
	t.Parallel()
	outs, err := ProvinceOutlines()
	if err != nil {
		t.Fatal(err)
	}
	// Nine provinces on the mainland; the Prince Edward Islands (Western
	// Cape) lie outside the map's frame.
	seen := map[string]bool{}
	islands := 0
	for _, o := range outs {
		if len(o.Ring) < 4 {
			t.Errorf("%s: ring of %d points", o.Province, len(o.Ring))
		}
		if !inFrame(o.Ring) {
			islands++
			continue
		}
		seen[o.Province] = true
	}
	if len(seen) != 9 || islands > 2 {
		t.Errorf("%d provinces outlined in the frame, want 9: %v; %d rings outside", len(seen), seen, islands)
	}
}

func TestMapSVG(t *testing.T) {
	t.Parallel()
	pts := []Point{{-26.2425, 28.1512}, {-33.9649, 18.6017}, {51.5, -0.12}}
	svg, err := MapSVG(pts, 600)
	if err != nil {
		t.Fatal(err)
	}
	// Well-formed XML, so browsers draw it inline.
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("not well-formed: %v", err)
	}
	if n := strings.Count(svg, "<circle"); n != 2 {
		t.Errorf("%d dots, want 2 (London is off the map)", n)
	}
	for _, want := range []string{`width="600"`, "KwaZulu-Natal", "Northern Cape", "2 located rows, 1 outside the map"} {
		if !strings.Contains(svg, want) {
			t.Errorf("map lacks %q", want)
		}
	}
	// Johannesburg is east of and above Cape Town on the map.
	i := strings.Index(svg, "<circle")
	var jx, jy, cx, cy float64
	if _, err := fmtSscanf(svg[i:], &jx, &jy, &cx, &cy); err != nil {
		t.Fatal(err)
	}
	if jx <= cx || jy >= cy {
		t.Errorf("Johannesburg at (%v, %v), Cape Town at (%v, %v)", jx, jy, cx, cy)
	}
}

func fmtSscanf(s string, jx, jy, cx, cy *float64) (int, error) {
	return fmt.Sscanf(s, "<circle cx=\"%g\" cy=\"%g\" r=\"3\"/>\n<circle cx=\"%g\" cy=\"%g\" r=\"3\"/>", jx, jy, cx, cy)
}

// The report embeds the map, so its size must not grow with the rows:
// points on one spot draw one dot, and a dense grid of points no more
// dots than the map has room for, while the caption still counts them all.
func TestMapSVGSizeIsBounded(t *testing.T) {
	t.Parallel()
	const width = 640
	var pts []Point
	for i := 0; i < 10_000; i++ {
		pts = append(pts, Point{-26.2041, 28.0473}) // Johannesburg
	}
	for lat := -34.0; lat < -22.5; lat += 0.02 {
		for lon := 17.0; lon < 32.5; lon += 0.02 {
			pts = append(pts, Point{lat, lon})
		}
	}
	svg, err := MapSVG(pts, width)
	if err != nil {
		t.Fatal(err)
	}
	var height int
	if _, err := fmt.Sscanf(svg[strings.Index(svg, `height="`):], `height="%d"`, &height); err != nil {
		t.Fatal(err)
	}
	if n, most := strings.Count(svg, "<circle"), (width/dotCell+1)*(height/dotCell+1); n > most {
		t.Errorf("%d dots for %d points, more than the %d the map has room for", n, len(pts), most)
	}
	if want := fmt.Sprintf("%d located rows", len(pts)); !strings.Contains(svg, want) {
		t.Errorf("caption lacks %q", want)
	}
	one, err := MapSVG(pts[:10_000], width)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(one, "<circle"); n != 1 {
		t.Errorf("10,000 points on one spot drew %d dots, want 1", n)
	}
}
