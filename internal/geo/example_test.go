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
