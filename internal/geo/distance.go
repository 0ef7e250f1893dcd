package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// earthRadiusKm is the mean radius used by the haversine formula.
const earthRadiusKm = 6371.0088

// DistanceKm is the great-circle distance between two points in
// kilometres (haversine; error under 0.5 % against the ellipsoid).
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// CheckLatLon reports coordinates that cannot be a point on Earth. When the
// pair would be valid the other way round and lies in country's bounding
// box once swapped, the error says the columns look swapped.
func CheckLatLon(lat, lon float64, country string) error {
	if math.IsNaN(lat) || math.IsNaN(lon) || math.IsInf(lat, 0) || math.IsInf(lon, 0) {
		return fmt.Errorf("coordinates (%v, %v) are not numbers", lat, lon)
	}
	if b, ok := bounds[country]; ok && !b.contains(lat, lon) && b.contains(lon, lat) {
		return fmt.Errorf("coordinates (%v, %v) lie outside %s but inside it with latitude and longitude swapped: check the column order", lat, lon, country)
	}
	if lat < -90 || lat > 90 {
		return fmt.Errorf("latitude %v is out of range (-90 to 90)", lat)
	}
	if lon < -180 || lon > 180 {
		return fmt.Errorf("longitude %v is out of range (-180 to 180)", lon)
	}
	return nil
}

type box struct{ minLat, maxLat, minLon, maxLon float64 }

func (b box) contains(lat, lon float64) bool {
	return lat >= b.minLat && lat <= b.maxLat && lon >= b.minLon && lon <= b.maxLon
}

// bounds are generous bounding boxes, enough to tell a swapped pair from a
// point abroad.
var bounds = map[string]box{
	"ZA": {-35.2, -22.0, 16.3, 33.0},
	"NA": {-29.0, -16.9, 11.7, 25.3},
	"BW": {-27.0, -17.7, 19.9, 29.4},
	"ZW": {-22.5, -15.6, 25.2, 33.1},
	"MZ": {-27.0, -10.3, 30.2, 41.0},
	"SZ": {-27.4, -25.7, 30.7, 32.2},
	"LS": {-30.7, -28.5, 27.0, 29.5},
}

// ParsePoint reads a point written "lat,lon" (spaces allowed around the
// comma, or a space alone between the numbers), each number plain or with
// its hemisphere as in "26.1S, 28.2E" (see ParseCoordinate). It fails on
// anything else and on coordinates out of range.
func ParsePoint(s string) (lat, lon float64, ok bool) {
	a, b, found := strings.Cut(strings.TrimSpace(s), ",")
	if !found {
		a, b, found = strings.Cut(strings.TrimSpace(s), " ")
	}
	if !found {
		return 0, 0, false
	}
	lat, ok1 := ParseCoordinate(a, true)
	lon, ok2 := ParseCoordinate(b, false)
	if !ok1 || !ok2 || math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, false
	}
	return lat, lon, true
}

// ParseCoordinate reads one coordinate, a latitude when lat is set and a
// longitude otherwise: a decimal number, or one written with its
// hemisphere as survey and aviation data often are ("26.1S", "S 26.1",
// "26.1° S"). S and W negate; a letter of the other axis ("28.2E" as a
// latitude) or a sign with a letter ("-26.1S") is unreadable rather than
// guessed. The range is not checked.
func ParseCoordinate(s string, lat bool) (float64, bool) {
	s = strings.TrimSpace(s)
	if x, err := strconv.ParseFloat(s, 64); err == nil {
		return x, true
	}
	if s == "" {
		return 0, false
	}
	var hemi byte
	switch isHemisphere := func(c byte) bool { return strings.IndexByte("NSEWnsew", c) >= 0 }; {
	case isHemisphere(s[len(s)-1]):
		hemi, s = s[len(s)-1]&^0x20, s[:len(s)-1] // &^0x20: ASCII upper case
	case isHemisphere(s[0]):
		hemi, s = s[0]&^0x20, s[1:]
	default:
		return 0, false
	}
	if lat != (hemi == 'N' || hemi == 'S') {
		return 0, false
	}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "°"))
	if s == "" || s[0] == '-' || s[0] == '+' {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	if hemi == 'S' || hemi == 'W' {
		x = -x
	}
	return x, true
}

// FormatPoint writes a point as ParsePoint reads it, to five decimals
// (about a metre).
func FormatPoint(lat, lon float64) string {
	return strconv.FormatFloat(lat, 'f', 5, 64) + "," + strconv.FormatFloat(lon, 'f', 5, 64)
}
