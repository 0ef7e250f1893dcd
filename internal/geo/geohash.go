package geo

// base32 is the geohash alphabet (no a, i, l, o).
const base32 = "0123456789bcdefghjkmnpqrstuvwxyz"

// Geohash encodes a point as a geohash of precision characters (1–12).
// Precision 5 is a cell of about 4.9 × 4.9 km, 4 about 39 × 20 km. Points
// near a cell edge fall in different cells however close they are, which
// is why linkage blocks on a geohash as one rule among others.
func Geohash(lat, lon float64, precision int) string {
	if precision < 1 {
		precision = 1
	}
	if precision > 12 {
		precision = 12
	}
	latLo, latHi := -90.0, 90.0
	lonLo, lonHi := -180.0, 180.0
	out := make([]byte, 0, precision)
	bit, ch, even := 0, 0, true
	for len(out) < precision {
		if even {
			mid := (lonLo + lonHi) / 2
			if lon >= mid {
				ch = ch<<1 | 1
				lonLo = mid
			} else {
				ch <<= 1
				lonHi = mid
			}
		} else {
			mid := (latLo + latHi) / 2
			if lat >= mid {
				ch = ch<<1 | 1
				latLo = mid
			} else {
				ch <<= 1
				latHi = mid
			}
		}
		even = !even
		if bit++; bit == 5 {
			out = append(out, base32[ch])
			bit, ch = 0, 0
		}
	}
	return string(out)
}
