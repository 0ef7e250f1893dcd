package geo

import (
	"testing"
)

// aviationLocations are location strings of the kinds found in the
// aviation workbooks, with where they are. The expected places come from
// public facts (aerodrome codes, the towns airfields serve, provinces), not
// from the gazetteer.
var aviationLocations = []struct {
	texts    []string // address, area, organisation name
	hint     string   // stated province
	want     string   // place name, town served or ICAO code
	province string
}{
	{[]string{"FAOR"}, "", "FAOR", "Gauteng"},
	{[]string{"FACT"}, "", "FACT", "Western Cape"},
	{[]string{"FALE"}, "", "FALE", "KwaZulu-Natal"},
	{[]string{"FAGC"}, "", "FAGC", "Gauteng"},
	{[]string{"FAWB"}, "", "FAWB", "Gauteng"},
	{[]string{"FALA"}, "", "FALA", "Gauteng"},
	{[]string{"FAGM"}, "", "FAGM", "Gauteng"},
	{[]string{"FAKN"}, "", "FAKN", "Mpumalanga"},
	{[]string{"FABL"}, "", "FABL", "Free State"},
	{[]string{"FAPE"}, "", "FAPE", "Eastern Cape"},
	{[]string{"FAEL"}, "", "FAEL", "Eastern Cape"},
	{[]string{"FAKM"}, "", "FAKM", "Northern Cape"},
	{[]string{"FAUP"}, "", "FAUP", "Northern Cape"},
	{[]string{"FAGG"}, "", "FAGG", "Western Cape"},
	{[]string{"FAPP"}, "", "FAPP", "Limpopo"},
	{[]string{"FAVG"}, "", "FAVG", "KwaZulu-Natal"},
	{[]string{"FARB"}, "", "FARB", "KwaZulu-Natal"},
	{[]string{"FAPM"}, "", "FAPM", "KwaZulu-Natal"},
	{[]string{"FAMG"}, "", "FAMG", "KwaZulu-Natal"},
	{[]string{"FAVV"}, "", "FAVV", "Gauteng"},
	{[]string{"FAPS"}, "", "FAPS", "North West"},
	{[]string{"FARG"}, "", "FARG", "North West"},
	{[]string{"FAMM"}, "", "FAMM", "North West"},
	{[]string{"FAOH"}, "", "FAOH", "Western Cape"},
	{[]string{"FAPG"}, "", "FAPG", "Western Cape"},
	{[]string{"FAWK"}, "", "FAWK", "Gauteng"},
	{[]string{"FAYP"}, "", "FAYP", "Western Cape"},
	{[]string{"FASZ"}, "", "FASZ", "Mpumalanga"},
	{[]string{"FATZ"}, "", "FATZ", "Limpopo"},
	{[]string{"FAUT"}, "", "FAUT", "Eastern Cape"},
	{[]string{"JNB"}, "", "FAOR", "Gauteng"},
	{[]string{"CPT"}, "", "FACT", "Western Cape"},
	{[]string{"DUR"}, "", "FALE", "KwaZulu-Natal"},
	{[]string{"PLZ"}, "", "FAPE", "Eastern Cape"},
	{[]string{"BFN"}, "", "FABL", "Free State"},
	{[]string{"GRJ"}, "", "FAGG", "Western Cape"},
	{[]string{"ELS"}, "", "FAEL", "Eastern Cape"},
	{[]string{"Virginia Airport, Durban"}, "", "FAVG", "KwaZulu-Natal"},
	{[]string{"Jack Taylor Airfield (Brakpan–Benoni)"}, "", "Brakpan", "Gauteng"},
	{[]string{"Wonderboom Airport, Pretoria North"}, "", "FAWB", "Gauteng"},
	{[]string{"Rand Airport, Germiston"}, "", "FAGM", "Gauteng"},
	{[]string{"Grand Central Airport, Midrand"}, "", "FAGC", "Gauteng"},
	{[]string{"Lanseria International Airport"}, "", "FALA", "Gauteng"},
	{[]string{"OR Tambo International Airport, Kempton Park"}, "", "FAOR", "Gauteng"},
	{[]string{"Cape Town International Airport"}, "", "FACT", "Western Cape"},
	{[]string{"King Shaka International Airport, La Mercy"}, "", "FALE", "KwaZulu-Natal"},
	{[]string{"Kruger Mpumalanga International Airport, Nelspruit"}, "", "FAKN", "Mpumalanga"},
	{[]string{"Bram Fischer International Airport, Bloemfontein"}, "", "FABL", "Free State"},
	{[]string{"Port Elizabeth Airport"}, "", "FAPE", "Eastern Cape"},
	{[]string{"Chief Dawid Stuurman International Airport, Gqeberha"}, "", "FAPE", "Eastern Cape"},
	{[]string{"George Airport"}, "", "FAGG", "Western Cape"},
	{[]string{"Kimberley Airport"}, "", "FAKM", "Northern Cape"},
	{[]string{"Upington Airport"}, "", "FAUP", "Northern Cape"},
	{[]string{"Polokwane International Airport"}, "", "FAPP", "Limpopo"},
	{[]string{"Pietermaritzburg Airport (Oribi)"}, "", "FAPM", "KwaZulu-Natal"},
	{[]string{"Margate Airport, South Coast"}, "", "FAMG", "KwaZulu-Natal"},
	{[]string{"Richards Bay Airport"}, "", "FARB", "KwaZulu-Natal"},
	{[]string{"Vereeniging Airfield"}, "", "FAVV", "Gauteng"},
	{[]string{"Potchefstroom Airfield"}, "", "FAPS", "North West"},
	{[]string{"Rustenburg Aerodrome"}, "", "FARG", "North West"},
	{[]string{"Mahikeng Airport"}, "", "FAMM", "North West"},
	{[]string{"Oudtshoorn Airfield"}, "", "FAOH", "Western Cape"},
	{[]string{"Plettenberg Bay Airport"}, "", "FAPG", "Western Cape"},
	{[]string{"Waterkloof Air Force Base, Centurion"}, "", "FAWK", "Gauteng"},
	{[]string{"AFB Ysterplaat, Cape Town"}, "", "FAYP", "Western Cape"},
	{[]string{"Skukuza Airport, Kruger National Park"}, "", "FASZ", "Mpumalanga"},
	{[]string{"Tzaneen Airport (Letaba)"}, "", "FATZ", "Limpopo"},
	{[]string{"Mthatha Airport"}, "", "FAUT", "Eastern Cape"},
	{[]string{"Secunda Airport"}, "", "FASC", "Mpumalanga"},
	{[]string{"Ermelo Airfield"}, "", "FAEO", "Mpumalanga"},
	{[]string{"Newcastle Airport"}, "", "FANC", "KwaZulu-Natal"},
	{[]string{"Ladysmith Airfield"}, "", "FALY", "KwaZulu-Natal"},
	{[]string{"Harrismith Airfield"}, "", "FAHR", "Free State"},
	{[]string{"Barberton Airfield"}, "", "FABR", "Mpumalanga"},
	{[]string{"Robertson Airfield"}, "", "FARS", "Western Cape"},
	{[]string{"Springbok Airport"}, "", "FASB", "Northern Cape"},
	{[]string{"Vryburg Airport"}, "", "FAVB", "North West"},
	{[]string{"Bisho Airport"}, "", "FABE", "Eastern Cape"},
	{[]string{"Queenstown Airport"}, "", "FAQT", "Eastern Cape"},
	{[]string{"Ulundi Airport"}, "", "FAUL", "KwaZulu-Natal"},
	{[]string{"Saldanha Airport"}, "", "Saldanha", "Western Cape"},
	{[]string{"12 Main Road, Stellenbosch"}, "", "Stellenbosch", "Western Cape"},
	{[]string{"Hangar 3, Kitty Hawk Airfield, Pretoria East"}, "", "Pretoria", "Gauteng"},
	{[]string{"Krugersdorp Airfield"}, "", "Krugersdorp", "Gauteng"},
	{[]string{"Springs Airfield"}, "", "Springs", "Gauteng"},
	{[]string{"Heidelberg Airfield"}, "Gauteng", "Heidelberg", "Gauteng"},
	{[]string{"Middelburg Airfield"}, "Mpumalanga", "Middelburg", "Mpumalanga"},
	{[]string{"Brits Airfield"}, "", "Brits", "North West"},
	{[]string{"Parys Airfield"}, "", "Parys", "Free State"},
	{[]string{"Bethlehem Airport"}, "", "Bethlehem", "Free State"},
	{[]string{"Welkom"}, "", "Welkom", "Free State"},
	{[]string{"Kroonstad"}, "", "Kroonstad", "Free State"},
	{[]string{"Klerksdorp Airport"}, "", "Klerksdorp", "North West"},
	{[]string{"Phalaborwa"}, "", "Phalaborwa", "Limpopo"},
	{[]string{"Hoedspruit"}, "", "Hoedspruit", "Limpopo"},
	{[]string{"Nelspruit"}, "", "Mbombela", "Mpumalanga"},
	{[]string{"White River Airfield"}, "", "White River", "Mpumalanga"},
	{[]string{"Mossel Bay"}, "", "Mossel Bay", "Western Cape"},
	{[]string{"Knysna Airfield"}, "", "Knysna", "Western Cape"},
	{[]string{"Hermanus"}, "", "Hermanus", "Western Cape"},
	{[]string{"Worcester Airfield"}, "", "Worcester", "Western Cape"},
	{[]string{"Paarl, East Airfield"}, "", "Paarl", "Western Cape"},
	{[]string{"Durbanville"}, "", "Durbanville", "Western Cape"},
	{[]string{"Umhlanga Rocks, Durban North"}, "", "Durban", "KwaZulu-Natal"},
	{[]string{"Port Alfred Airfield"}, "", "Port Alfred", "Eastern Cape"},
	{[]string{"Makhanda (Grahamstown)"}, "", "Grahamstown", "Eastern Cape"},
	{[]string{"Jeffreys Bay"}, "", "Jeffreys Bay", "Eastern Cape"},
	{[]string{"Kokstad"}, "", "Kokstad", "KwaZulu-Natal"},
	{[]string{"Vryheid"}, "", "Vryheid", "KwaZulu-Natal"},
	{[]string{"Howick, KwaZulu-Natal"}, "", "Howick", "KwaZulu-Natal"},
	{[]string{"Lephalale (Ellisras)"}, "", "Lephalale", "Limpopo"},
	{[]string{"Bela-Bela"}, "", "Bela-Bela", "Limpopo"},
	{[]string{"Thabazimbi"}, "", "Thabazimbi", "Limpopo"},
	{[]string{"Musina"}, "", "Musina", "Limpopo"},
	{[]string{"Louis Trichardt"}, "", "Louis Trichardt", "Limpopo"},
	{[]string{"Standerton"}, "", "Standerton", "Mpumalanga"},
	{[]string{"Witbank"}, "", "Emalahleni", "Mpumalanga"},
	{[]string{"Lichtenburg"}, "", "Lichtenburg", "North West"},
	{[]string{"Zeerust"}, "", "Zeerust", "North West"},
	{[]string{"Hartbeespoort Dam"}, "", "Hartbeespoort", "North West"},
	{[]string{"Kathu"}, "", "Kathu", "Northern Cape"},
	{[]string{"Kuruman"}, "", "Kuruman", "Northern Cape"},
	{[]string{"De Aar"}, "", "De Aar", "Northern Cape"},
	{[]string{"Hartswater"}, "", "Hartswater", "Northern Cape"},
	{[]string{"Sasolburg"}, "", "Sasolburg", "Free State"},
	{[]string{"Ficksburg"}, "", "Ficksburg", "Free State"},
	{[]string{"Carletonville"}, "", "Carletonville", "Gauteng"},
	{[]string{"Randfontein"}, "", "Randfontein", "Gauteng"},
	{[]string{"Benoni"}, "", "Benoni", "Gauteng"},
	{[]string{"Germiston"}, "", "Germiston", "Gauteng"},
	{[]string{"Centurion"}, "", "Centurion", "Gauteng"},
	{[]string{"Midrand"}, "", "Midrand", "Gauteng"},
	{[]string{"Joburg"}, "", "Johannesburg", "Gauteng"},
	{[]string{"Bloemfontein"}, "", "Bloemfontein", "Free State"},
	{[]string{"East London"}, "", "East London", "Eastern Cape"},
	{[]string{"Pietermaritzburg"}, "", "Pietermaritzburg", "KwaZulu-Natal"},
	{[]string{"Polokwane"}, "", "Polokwane", "Limpopo"},
	{[]string{"Richards Bay"}, "", "Richards Bay", "KwaZulu-Natal"},
	{[]string{"Pietermaritzbrug"}, "", "Pietermaritzburg", "KwaZulu-Natal"},
	{[]string{"Stellenbosh"}, "", "Stellenbosch", "Western Cape"},
	{[]string{"Bloemfontien"}, "", "Bloemfontein", "Free State"},
	{[]string{"Potchefstrom"}, "", "Potchefstroom", "North West"},
	{[]string{"Johanesburg"}, "", "Johannesburg", "Gauteng"},
	{[]string{"", "Lanseria", "Lanseria Flight Centre"}, "", "FALA", "Gauteng"},
	{[]string{"Unit 4, Hangar Road", "", "Bethlehem Flying Club"}, "", "Bethlehem", "Free State"},
	{[]string{"", "Margate", "South Coast Aviation"}, "", "Margate", "KwaZulu-Natal"},
	{[]string{"Hangar 22, Middelburg Airfield", "Mpumalanga"}, "", "Middelburg", "Mpumalanga"},
	{[]string{"Kestell", "Free State"}, "", "Kestell", "Free State"},
	{[]string{"Hangar 37, Kruger Mpumalanga International Airport", "Mbombela"}, "", "FAKN", "Mpumalanga"},
	{[]string{"Hangar 7, Worcester Airfield", "Western Cape"}, "Western Cape", "Worcester", "Western Cape"},
}

func TestAviationLocations(t *testing.T) {
	t.Parallel()
	g, err := Load("ZA")
	if err != nil {
		t.Fatal(err)
	}
	if len(aviationLocations) < 100 {
		t.Fatalf("%d cases, want at least 100", len(aviationLocations))
	}
	right := 0
	for _, c := range aviationLocations {
		r := g.Geocode(c.hint, c.texts...)
		ok := r.Placed() && r.Province == c.province &&
			(key(r.Place.Name) == key(c.want) || r.Place.ICAO == c.want || key(r.Area) == key(c.want))
		if ok {
			right++
		} else {
			t.Logf("%q: got %q (%s, %s, %.2f), want %s in %s", c.texts, r.Formatted, r.Match, r.Province, r.Confidence, c.want, c.province)
		}
		if r.Placed() && r.Province != c.province && r.Confidence > 0.8 {
			t.Errorf("%q placed in %s with confidence %.2f; it is in %s", c.texts, r.Province, r.Confidence, c.province)
		}
	}
	share := float64(right) / float64(len(aviationLocations))
	t.Logf("%d of %d placed correctly (%.1f %%)", right, len(aviationLocations), 100*share)
	if share < 0.95 {
		t.Errorf("%.1f %% placed correctly, want at least 95 %%", 100*share)
	}
}
