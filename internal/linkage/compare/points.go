package compare

import "github.com/hotpass/hotpass/internal/geo"

// points are every record's coordinates for distance_km levels.
type points struct {
	lat, lon []float64
	ok       []bool
}

// buildPoints reads the points of lat's column: "lat,lon" text when lon is
// nil, else latitude and longitude from the two columns. bad counts values
// present but unreadable (or out of range), on the first build only: the
// levels of a comparison share the points.
func (e *Engine) buildPoints(lat, lon *feature) (*points, int, error) {
	if p, ok := e.points[[2]*feature{lat, lon}]; ok {
		return p, 0, nil
	}
	p, bad, err := e.readPoints(lat, lon)
	if err != nil {
		return nil, 0, err
	}
	if e.points == nil {
		e.points = map[[2]*feature]*points{}
	}
	e.points[[2]*feature{lat, lon}] = p
	return p, bad, nil
}

func (e *Engine) readPoints(lat, lon *feature) (*points, int, error) {
	n := len(lat.codes)
	p := &points{lat: make([]float64, n), lon: make([]float64, n), ok: make([]bool, n)}
	bad := 0
	if lon == nil {
		// Parse each distinct value once.
		type pt struct {
			lat, lon float64
			ok       bool
		}
		parsed := make([]pt, len(lat.dict))
		for c, v := range lat.dict {
			a, b, ok := geo.ParsePoint(v)
			parsed[c] = pt{a, b, ok}
		}
		for i, c := range lat.codes {
			if c < 0 {
				continue
			}
			q := parsed[c]
			if !q.ok {
				bad++
				continue
			}
			p.lat[i], p.lon[i], p.ok[i] = q.lat, q.lon, true
		}
		return p, bad, nil
	}
	b1, err := lat.buildNums(e.recs)
	if err != nil {
		return nil, 0, err
	}
	b2, err := lon.buildNums(e.recs)
	if err != nil {
		return nil, 0, err
	}
	for i := range p.ok {
		if !lat.numOK[i] || !lon.numOK[i] {
			continue
		}
		if geo.CheckLatLon(lat.nums[i], lon.nums[i], "") != nil {
			bad++
			continue
		}
		p.lat[i], p.lon[i], p.ok[i] = lat.nums[i], lon.nums[i], true
	}
	return p, bad + b1 + b2, nil
}
