// Package geo places free-text locations offline: a gazetteer of populated
// places and airports embedded in the binary, a matcher that reads
// addresses such as "Virginia Airport, Durban", "Jack Taylor Airfield
// (Brakpan–Benoni)" or "FAGC", province inference from coordinates, great
// circle distances and geohashes.
//
// The gazetteer is decoded on first use (sync.Once), so commands that never
// geocode pay nothing for it. Its sources, versions and licences are in
// data/SOURCES.md; scripts/geo-data.sh rebuilds it.
//
// # Accuracy of province inference
//
// ProvinceAt votes among the nearest gazetteer places. Away from borders
// it agrees with the places' own provinces (see TestProvinceAtLeaveOneOut);
// within roughly 10–20 km of a provincial border the nearest towns may lie
// on the other side, so a point there can be given the neighbouring
// province. Geocoded rows take the province of the matched place instead,
// which is exact.
package geo
