package geo_test

import (
	"fmt"

	"github.com/hotpass/hotpass/internal/geo"
)

func ExampleGazetteer_Geocode() {
	g, err := geo.Load("ZA")
	if err != nil {
		panic(err)
	}
	for _, text := range []string{"Virginia Airport, Durban", "FAGC", "Jack Taylor Airfield (Brakpan–Benoni)"} {
		r := g.Geocode("", text)
		fmt.Printf("%s → %s (%s, %.2f)\n", text, r.Province, r.Match, r.Confidence)
	}
	// Output:
	// Virginia Airport, Durban → KwaZulu-Natal (airport:virginia airport, 0.99)
	// FAGC → Gauteng (icao:FAGC, 0.98)
	// Jack Taylor Airfield (Brakpan–Benoni) → Gauteng (place:brakpan, 0.95)
}

func ExampleGeohash() {
	fmt.Println(geo.Geohash(42.605, -5.603, 5))
	// Output: ezs42
}

func ExampleParsePoint() {
	for _, s := range []string{"-26.1392, 28.246", "26.1392S 28.246E", "26.1392° S, 28.246° E", "28.246E 26.1392S"} {
		lat, lon, ok := geo.ParsePoint(s)
		fmt.Println(s, "→", lat, lon, ok)
	}
	// Output:
	// -26.1392, 28.246 → -26.1392 28.246 true
	// 26.1392S 28.246E → -26.1392 28.246 true
	// 26.1392° S, 28.246° E → -26.1392 28.246 true
	// 28.246E 26.1392S → 0 0 false
}

func ExampleParseCoordinate() {
	lat, ok := geo.ParseCoordinate("S 26.1392", true)
	fmt.Println(lat, ok)
	_, ok = geo.ParseCoordinate("28.246E", true) // a longitude's letter
	fmt.Println(ok)
	// Output:
	// -26.1392 true
	// false
}
