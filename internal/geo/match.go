package geo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hotpass/hotpass/internal/strsim"
)

// Result is where a location string was placed.
type Result struct {
	// Place is the matched gazetteer entry; the zero Place when nothing
	// matched (Confidence is then 0).
	Place      Place
	Lat, Lon   float64
	Formatted  string  // "Grand Central Airport (FAGC), Midrand, Gauteng, South Africa"
	Province   string  // the matched place's province
	Area       string  // the town: the place itself, or the town an airport serves
	Confidence float64 // 0–1
	// Match says what matched and how: "icao:FAGC", "iata:CPT",
	// "airport:grand central", "place:durban", "fuzzy:durbn~durban".
	Match string
}

// Placed reports whether anything matched.
func (r Result) Placed() bool { return r.Confidence > 0 }

// airportWords mark a text as naming an airfield, so that "Virginia
// Airport" is the airport in Durban and not the town in the Free State.
var airportWords = map[string]bool{
	"airport": true, "airfield": true, "aerodrome": true, "airstrip": true, "afb": true,
	"lughawe": true, "vliegveld": true, "airpark": true, "base": true,
}

// stopWords are never matched on their own: words of organisation names
// and street addresses that are also the names of small places.
var stopWords = map[string]bool{
	"the": true, "and": true, "of": true, "flight": true, "flying": true, "school": true, "aviation": true,
	"air": true, "aero": true, "club": true, "centre": true, "center": true, "academy": true, "training": true,
	"street": true, "road": true, "avenue": true, "drive": true, "hangar": true, "unit": true, "office": true,
	"park": true, "estate": true, "industrial": true, "pty": true, "ltd": true, "cc": true, "international": true,
	"hill": true, "hills": true, "view": true, "north": true, "south": true, "east": true, "west": true,
	"central": true, "village": true, "farm": true, "river": true, "bay": true, "point": true, "star": true,
	"eagle": true, "falcon": true, "mission": true, "station": true, "township": true, "new": true, "old": true,
}

type candidate struct {
	id    int32
	conf  float64
	how   string
	field int
	words int
}

// Geocode places a location written in up to several texts, most telling
// first (for example the address, then the area, then the organisation's
// name). A match in a later text counts a little less. hint is the stated
// province, used only to choose between towns of the same name; the result
// is not bent towards it, so disagreement stays visible.
func (g *Gazetteer) Geocode(hint string, texts ...string) Result {
	cands, hint := g.candidates(hint, texts)
	if len(cands) == 0 {
		return Result{}
	}
	return g.result(g.choose(cands, hint))
}

// candidates collects the distinct candidates for texts and returns them
// with the hint Geocode uses: the stated province, or failing that the
// first province written in the texts.
func (g *Gazetteer) candidates(hint string, texts []string) ([]candidate, string) {
	var cands []candidate
	airportWanted := false
	toks := make([][]string, len(texts))
	stated := ""
	for i, t := range texts {
		toks[i] = tokens(t)
		for _, w := range toks[i] {
			if airportWords[w] {
				airportWanted = true
			}
		}
		var p string
		if toks[i], p = g.cutProvinces(toks[i]); stated == "" {
			stated = p
		}
	}
	// A province written in the texts counts as stated when the column
	// says nothing.
	if strings.TrimSpace(hint) == "" {
		hint = stated
	}
	hint = g.provinceName(hint)
	for fi, t := range texts {
		penalty := 0.05 * float64(fi)
		for _, w := range codeWords(t) {
			if id, ok := g.byCode[w]; ok {
				p := g.places[id]
				kind, conf := "iata", 0.9
				if w == p.ICAO {
					kind, conf = "icao", 0.98
				}
				cands = append(cands, candidate{id, conf - penalty, kind + ":" + w, fi, 1})
			}
		}
		cands = g.nameCandidates(cands, toks[fi], fi, penalty, airportWanted)
	}
	if len(cands) == 0 {
		for fi := range texts {
			cands = g.fuzzyCandidates(cands, toks[fi], fi, 0.05*float64(fi), hint)
		}
	}
	return uniqueCandidates(cands), hint
}

// uniqueCandidates drops repeats of a candidate, keeping the first. A
// repeat scores exactly as its first occurrence, so choose picks the same
// candidate without it; and choose compares every candidate with every
// other, so a cell repeating a town name thousands of times would
// otherwise take minutes.
func uniqueCandidates(cands []candidate) []candidate {
	seen := make(map[candidate]bool, len(cands))
	out := cands[:0]
	for _, c := range cands {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// nameCandidates looks up every run of up to maxWords words, longest
// first; words inside a longer match are not looked up again, so "Port
// Elizabeth" does not also match "Elizabeth".
func (g *Gazetteer) nameCandidates(cands []candidate, toks []string, fi int, penalty float64, airportWanted bool) []candidate {
	used := make([]bool, len(toks))
	for n := min(g.maxWords, len(toks)); n >= 1; n-- {
	window:
		for i := 0; i+n <= len(toks); i++ {
			for j := i; j < i+n; j++ {
				if used[j] {
					continue window
				}
			}
			if n == 1 && (stopWords[toks[i]] || len(toks[i]) < 3) {
				continue
			}
			k := strings.Join(toks[i:i+n], " ")
			ids := g.byName[k]
			short := g.airportShort[k]
			// An airport's short name wins when the text speaks of an
			// airfield, or when no town has that name.
			if len(short) > 0 && (airportWanted || len(ids) == 0) {
				// "Cape Town" is a town and the short name of its airport:
				// the airport is likelier, but less sure than a name that
				// only an airport has.
				conf := 0.95
				for _, id := range ids {
					if g.places[id].Kind == KindPlace {
						conf = 0.9
					}
				}
				for _, id := range short {
					cands = append(cands, candidate{id, conf - penalty, "airport:" + k, fi, n})
				}
				for j := i; j < i+n; j++ {
					used[j] = true
				}
				continue
			}
			if len(ids) == 0 {
				continue
			}
			for _, id := range ids {
				p := g.places[id]
				conf := 0.9
				switch {
				case p.Kind == KindAirport:
					conf = 0.95
				case g.ambiguous(ids):
					// Several towns of this name: choose() raises the one
					// other evidence agrees with.
					conf = 0.6
				case n == 1 && len(k) < 5:
					conf = 0.75
				}
				how := "place:"
				if p.Kind == KindAirport {
					how = "airport:"
				}
				cands = append(cands, candidate{id, conf - penalty, how + k, fi, n})
			}
			for j := i; j < i+n; j++ {
				used[j] = true
			}
		}
	}
	return cands
}

// maxFuzzyWords is how many words of a text fuzzyCandidates considers.
const maxFuzzyWords = 32

// fuzzyMin is the least Jaro–Winkler similarity a misspelt name needs.
const fuzzyMin = 0.93

// fuzzyCandidates compares single words and pairs of words of five letters
// or more with the names starting with the same letter. Confidence stays
// at or below 0.75: a misspelling is a guess.
//
// A guess in another province than the stated one is dropped: it is more
// likely a word that resembles a town than a misspelt town.
func (g *Gazetteer) fuzzyCandidates(cands []candidate, toks []string, fi int, penalty float64, hint string) []candidate {
	// A word repeated in a long text is compared with the names once.
	closest := map[string]similar{}
	// Only the first words are guessed at: a location is written in a few
	// words, and every further word is another chance for junk to resemble
	// a town (a megabyte of random words was placed in Bhisho, after a
	// second and a half of comparisons).
	toks = toks[:min(len(toks), maxFuzzyWords)]
	for n := 1; n <= 2; n++ {
		for i := 0; i+n <= len(toks); i++ {
			if n == 1 && stopWords[toks[i]] {
				continue
			}
			k := strings.Join(toks[i:i+n], " ")
			if len(k) < 5 || slices.Contains(toks[i:i+n], "") {
				continue
			}
			m, ok := closest[k]
			if !ok {
				m = g.closestName(k)
				closest[k] = m
			}
			bestSim, bestKey := m.sim, m.name
			if bestSim < fuzzyMin || bestKey == k {
				continue
			}
			ids := g.byName[bestKey]
			conf := 0.55 + (bestSim-fuzzyMin)*2.5
			if g.ambiguous(ids) {
				conf -= 0.15
			}
			for _, id := range ids {
				if hint != "" && key(g.places[id].Province) != key(hint) {
					continue
				}
				cands = append(cands, candidate{id, conf - penalty, fmt.Sprintf("fuzzy:%s~%s", k, bestKey), fi, n})
			}
		}
	}
	return cands
}

// similar is a gazetteer name and its similarity to a word.
type similar struct {
	name string
	sim  float64
}

// closestName returns the name key most similar to k among those of the
// same initial and a length within two of k's.
func (g *Gazetteer) closestName(k string) similar {
	var best similar
	for _, name := range g.byInitial[k[0]] {
		if d := len(name) - len(k); d > 2 || d < -2 {
			continue
		}
		if s := strsim.JaroWinkler(k, name); s > best.sim {
			best = similar{name, s}
		}
	}
	return best
}

// choose picks the best candidate. Candidates that agree with another
// match of a different name (within 60 km) or with the stated province
// gain; among towns of one name that is what decides.
func (g *Gazetteer) choose(cands []candidate, hint string) candidate {
	hint = key(hint)
	best, bestScore := cands[0], -1.0
	for _, c := range cands {
		p := g.places[c.id]
		score := c.conf
		support := false
		for _, o := range cands {
			if o.id == c.id || o.how == c.how {
				continue
			}
			q := g.places[o.id]
			if DistanceKm(p.Lat, p.Lon, q.Lat, q.Lon) < 60 {
				support = true
				break
			}
		}
		if support {
			score += 0.05
			if c.conf < 0.7 {
				// A town of an ambiguous name next to another match is
				// very likely the one meant.
				score += 0.2
			}
		}
		if hint != "" && key(p.Province) == hint && c.conf < 0.7 {
			score += 0.15
		}
		// Ties: the earlier text, then the longer match.
		score -= 0.001*float64(c.field) - 0.0001*float64(c.words)
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	best.conf = min(0.99, max(bestScore, 0.01))
	return best
}

func (g *Gazetteer) result(c candidate) Result {
	p := g.places[c.id]
	r := Result{Place: p, Lat: p.Lat, Lon: p.Lon, Province: p.Province, Confidence: round2(c.conf), Match: c.how}
	r.Area = p.Name
	if p.Kind == KindAirport {
		// The town the airport serves, as the gazetteer spells it; the
		// nearest town when the airport data names none, misspells it or
		// names a namesake far away.
		r.Area = ""
		for _, id := range g.byName[key(p.Municipality)] {
			if q := g.places[id]; q.Kind == KindPlace && DistanceKm(p.Lat, p.Lon, q.Lat, q.Lon) < 50 {
				r.Area = q.Name
				break
			}
		}
		if r.Area == "" {
			r.Area, _ = g.NearestPlace(p.Lat, p.Lon)
		}
	}
	var parts []string
	name := p.Name
	if p.ICAO != "" {
		name += " (" + p.ICAO + ")"
	}
	parts = append(parts, name)
	if r.Area != "" && r.Area != p.Name {
		parts = append(parts, r.Area)
	}
	if p.Province != "" {
		parts = append(parts, p.Province)
	}
	if cn := countryNames[p.Country]; cn != "" {
		parts = append(parts, cn)
	}
	r.Formatted = strings.Join(parts, ", ")
	return r
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// ambiguous reports whether places of one name lie far apart: two towns
// rather than one town listed twice.
func (g *Gazetteer) ambiguous(ids []int32) bool {
	for _, a := range ids[1:] {
		p, q := g.places[ids[0]], g.places[a]
		if DistanceKm(p.Lat, p.Lon, q.Lat, q.Lon) > 30 {
			return true
		}
	}
	return false
}

// provinceName returns the gazetteer's name of the province s names, also
// when s is an alias ("KZN", "Natal") or ends in "Province" ("Gauteng
// Province"); any other s is returned as it is. Comparing names without
// this called a KZN row in Durban a province mismatch.
func (g *Gazetteer) provinceName(s string) string {
	k := key(s)
	if p, ok := g.provinces[k]; ok {
		return p
	}
	if p, ok := g.provinces[strings.TrimSuffix(k, " province")]; ok {
		return p
	}
	return s
}

// cutProvinces removes province names from toks and returns the first
// one found.
func (g *Gazetteer) cutProvinces(toks []string) ([]string, string) {
	// Words inside a longer name stay: "Kruger Mpumalanga International
	// Airport" names an airport, not the province.
	inName := make([]bool, len(toks))
	for n := 2; n <= min(g.maxWords, len(toks)); n++ {
		for i := 0; i+n <= len(toks); i++ {
			k := strings.Join(toks[i:i+n], " ")
			if len(g.byName[k]) > 0 || len(g.airportShort[k]) > 0 {
				for j := i; j < i+n; j++ {
					inName[j] = true
				}
			}
		}
	}
	found := ""
	out := toks[:0:0]
	for i := 0; i < len(toks); {
		if inName[i] {
			out = append(out, toks[i])
			i++
			continue
		}
		matched := 0
		for n := min(3, len(toks)-i); n >= 1; n-- {
			if p, ok := g.provinces[strings.Join(toks[i:i+n], " ")]; ok {
				if found == "" {
					found = p
				}
				matched = n
				break
			}
		}
		if matched > 0 {
			// A gap keeps the words on either side from joining into a
			// name they do not form.
			out = append(out, "")
			i += matched
			continue
		}
		out = append(out, toks[i])
		i++
	}
	return out, found
}
