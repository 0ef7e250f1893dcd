package geo

import (
	"bufio"
	"compress/gzip"
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed data/places.tsv.gz data/provinces.tsv.gz
var dataFS embed.FS

// Kind tells a populated place from an airport or airfield.
type Kind uint8

// The kinds of gazetteer entries.
const (
	KindPlace Kind = iota + 1
	KindAirport
)

// String returns "place" or "airport".
func (k Kind) String() string {
	if k == KindAirport {
		return "airport"
	}
	return "place"
}

// Place is one gazetteer entry.
type Place struct {
	Name         string
	Country      string // ISO 3166-1 alpha-2
	Province     string // first-level division ("Gauteng")
	Municipality string // town an airport serves, when known
	ICAO, IATA   string
	Lat, Lon     float64
	Kind         Kind
}

// Gazetteer is the set of places of one country with its lookup indexes.
// It is immutable and safe for concurrent use.
type Gazetteer struct {
	country string
	places  []Place
	// byName maps a name key ("grand central airport", "durban") to the
	// places of that name; several for names used by more than one town.
	byName map[string][]int32
	// airportShort maps an airport's name without "Airport",
	// "International Airport" and the like ("grand central", "virginia")
	// to the airport: weaker than a full name, because "Virginia" is also
	// a town in the Free State.
	airportShort map[string][]int32
	byCode       map[string]int32
	// byInitial groups the distinct name keys by first byte for fuzzy
	// matching.
	byInitial map[byte][]string
	grid      map[cell][]int32
	maxWords  int
	// provinces maps the keys of province names ("kwazulu natal",
	// "kzn") to the names: in a text they state the province rather than
	// name a town (Mpumalanga is also a town in KwaZulu-Natal).
	provinces map[string]string
}

type cell struct{ lat, lon int16 }

// gridDeg is the cell size of the spatial index used by ProvinceAt.
const gridDeg = 0.5

func cellOf(lat, lon float64) cell {
	return cell{int16(floorDiv(lat, gridDeg)), int16(floorDiv(lon, gridDeg))}
}

func floorDiv(x, d float64) float64 {
	q := x / d
	if q < 0 && q != float64(int(q)) {
		return float64(int(q) - 1)
	}
	return float64(int(q))
}

var (
	loadOnce sync.Once
	loaded   map[string]*Gazetteer
	loadErr  error
)

// Load returns the embedded gazetteer of country (ISO 3166-1 alpha-2,
// case-insensitive). The data is decoded once, on the first call; an
// unknown country is an error listing the available ones.
func Load(country string) (*Gazetteer, error) {
	loadOnce.Do(func() { loaded, loadErr = decodeAll() })
	if loadErr != nil {
		return nil, loadErr
	}
	c := strings.ToUpper(strings.TrimSpace(country))
	if g, ok := loaded[c]; ok {
		return g, nil
	}
	return nil, fmt.Errorf("no gazetteer for country %q: available are %s (rebuild the data with scripts/geo-data.sh to add others)", country, strings.Join(Countries(), ", "))
}

// Countries lists the country codes with an embedded gazetteer, sorted.
func Countries() []string {
	loadOnce.Do(func() { loaded, loadErr = decodeAll() })
	out := make([]string, 0, len(loaded))
	for c := range loaded {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// eachRow calls fn with the tab-separated fields of every row of the
// embedded gzip'd TSV file name (comments and blank lines skipped), each
// checked to have want fields; line numbers count from 1.
func eachRow(name string, want int, fn func(line int, f []string) error) error {
	file, err := dataFS.Open(name)
	if err != nil {
		return err
	}
	defer file.Close()
	zr, err := gzip.NewReader(file)
	if err != nil {
		return fmt.Errorf("embedded %s: %w", name, err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" || text[0] == '#' {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != want {
			return fmt.Errorf("embedded %s line %d: %d fields, want %d (rebuild with scripts/geo-data.sh)", name, line, len(f), want)
		}
		if err := fn(line, f); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("embedded %s: %w", name, err)
	}
	return nil
}

func decodeAll() (map[string]*Gazetteer, error) {
	byCountry := map[string][]Place{}
	err := eachRow("data/places.tsv.gz", 9, func(line int, f []string) error {
		lat, err1 := strconv.ParseFloat(f[4], 64)
		lon, err2 := strconv.ParseFloat(f[5], 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("embedded places.tsv line %d: bad coordinates %q, %q", line, f[4], f[5])
		}
		p := Place{Country: f[0], Name: f[2], Province: f[3], Lat: lat, Lon: lon, ICAO: f[6], IATA: f[7], Municipality: f[8], Kind: KindPlace}
		if f[1] == "airport" {
			p.Kind = KindAirport
		}
		byCountry[p.Country] = append(byCountry[p.Country], p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Gazetteer, len(byCountry))
	for c, ps := range byCountry {
		out[c] = index(c, ps)
	}
	return out, nil
}

// airportSuffixes are removed from airport names to give their short
// names, longest first.
var airportSuffixes = []string{"international airport", "municipal airport", "air force base", "airport", "airfield", "aerodrome", "airstrip"}

func index(country string, places []Place) *Gazetteer {
	g := &Gazetteer{
		country: country, places: places,
		byName: map[string][]int32{}, airportShort: map[string][]int32{},
		byCode: map[string]int32{}, byInitial: map[byte][]string{}, grid: map[cell][]int32{},
		provinces: map[string]string{},
	}
	add := func(m map[string][]int32, k string, id int32) {
		if k == "" {
			return
		}
		for _, x := range m[k] {
			if x == id {
				return
			}
		}
		m[k] = append(m[k], id)
		if n := strings.Count(k, " ") + 1; n > g.maxWords {
			g.maxWords = n
		}
	}
	for i := range places {
		p := &places[i]
		id := int32(i)
		k := key(p.Name)
		add(g.byName, k, id)
		if p.Kind == KindAirport {
			for _, s := range airportSuffixes {
				if short, ok := strings.CutSuffix(k, " "+s); ok {
					add(g.airportShort, short, id)
					break
				}
			}
			if p.ICAO != "" {
				g.byCode[p.ICAO] = id
			}
			if p.IATA != "" {
				g.byCode[p.IATA] = id
			}
		} else {
			c := cellOf(p.Lat, p.Lon)
			g.grid[c] = append(g.grid[c], id)
		}
	}
	for i := range places {
		if p := places[i].Province; p != "" {
			g.provinces[key(p)] = p
		}
	}
	for _, a := range provinceAliases[country] {
		g.provinces[key(a.alias)] = a.target
	}
	for _, a := range aliases[country] {
		for _, id := range g.byName[key(a.target)] {
			add(g.byName, key(a.alias), id)
		}
		if id, ok := g.byCode[a.target]; ok {
			add(g.byName, key(a.alias), id)
		}
	}
	for k := range g.byName {
		g.byInitial[k[0]] = append(g.byInitial[k[0]], k)
	}
	for _, ks := range g.byInitial {
		sort.Strings(ks)
	}
	return g
}

// Country returns the gazetteer's ISO 3166-1 alpha-2 code.
func (g *Gazetteer) Country() string { return g.country }

// Len is the number of places and airports.
func (g *Gazetteer) Len() int { return len(g.places) }

// Lookup returns the places whose name (or alias) is name.
func (g *Gazetteer) Lookup(name string) []Place {
	var out []Place
	for _, id := range g.byName[key(name)] {
		out = append(out, g.places[id])
	}
	return out
}

// Code returns the airport with ICAO or IATA code code.
func (g *Gazetteer) Code(code string) (Place, bool) {
	id, ok := g.byCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Place{}, false
	}
	return g.places[id], true
}

// countryNames spell the countries in formatted addresses.
var countryNames = map[string]string{
	"ZA": "South Africa", "NA": "Namibia", "BW": "Botswana", "ZW": "Zimbabwe",
	"MZ": "Mozambique", "SZ": "Eswatini", "LS": "Lesotho",
}
