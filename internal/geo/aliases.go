package geo

// alias is a spelling the sources do not carry: a nickname, an
// abbreviation or a former name. target is a gazetteer name or an airport
// code.
type alias struct{ alias, target string }

// aliases per country. Only names that are unambiguous in aviation
// addresses are listed; short forms such as "PE" would also match words in
// running text and are left out.
var aliases = map[string][]alias{
	"ZA": {
		{"Joburg", "Johannesburg"}, {"Jozi", "Johannesburg"}, {"Egoli", "Johannesburg"},
		{"Port Elizabeth", "Gqeberha"}, {"Gqeberha", "Port Elizabeth"},
		{"Nelspruit", "Mbombela"}, {"Mbombela", "Nelspruit"},
		{"Pietersburg", "Polokwane"}, {"Mafikeng", "Mahikeng"}, {"Mafeking", "Mahikeng"}, {"Mahikeng", "Mafikeng"},
		{"Umtata", "Mthatha"}, {"Mthatha", "Umtata"},
		{"Pietermaritzburg", "Pietermaritzburg"}, {"Maritzburg", "Pietermaritzburg"},
		{"Witbank", "Emalahleni"}, {"Ellisras", "Lephalale"}, {"Warmbaths", "Bela-Bela"}, {"Nylstroom", "Modimolle"},
		{"Makhanda", "Grahamstown"}, {"Komani", "Queenstown"}, {"Bisho", "Bhisho"}, {"Potgietersrus", "Mokopane"},
		{"Tshwane", "Pretoria"}, {"Bloem", "Bloemfontein"}, {"Mangaung", "Bloemfontein"},
		{"Jan Smuts Airport", "FAOR"}, {"Johannesburg International Airport", "FAOR"}, {"OR Tambo", "FAOR"}, {"ORTIA", "FAOR"},
		{"Lanseria Airport", "FALA"}, {"Cape Town International", "FACT"},
		{"King Shaka", "FALE"}, {"Durban International Airport", "FALE"}, {"Louis Botha Airport", "FALE"},
		{"Port Elizabeth Airport", "FAPE"}, {"Port Elizabeth International Airport", "FAPE"},
		{"East London Airport", "FAEL"}, {"Bloemfontein Airport", "FABL"}, {"Kruger Mpumalanga", "FAKN"},
		{"Polokwane Airport", "FAPP"}, {"Gateway Airport", "FAPP"},
		{"Waterkloof", "FAWK"}, {"Wonderboom", "FAWB"}, {"Ysterplaat", "FAYP"}, {"Rand Airport", "FAGM"},
		{"Grand Central", "FAGC"}, {"Virginia Airport", "FAVG"}, {"Kimberley Airport", "FAKM"},
		{"Upington Airport", "FAUP"}, {"Margate Airport", "FAMG"},
		{"Richards Bay Airport", "FARB"}, {"Pietermaritzburg Airport", "FAPM"}, {"Oribi Airport", "FAPM"},
		{"Plettenberg Bay Airport", "FAPG"}, {"George Airport", "FAGG"}, {"Mthatha Airport", "FAUT"},
		{"Ulundi Airport", "FAUL"}, {"Skukuza Airport", "FASZ"}, {"Mahikeng Airport", "FAMM"}, {"Mmabatho Airport", "FAMM"},
		{"Vereeniging Airport", "FAVV"}, {"Potchefstroom Airport", "FAPS"}, {"Rustenburg Airport", "FARG"},
		{"Tzaneen Airport", "FATZ"}, {"Secunda Airport", "FASC"},
		{"Langebaanweg", "FALW"}, {"Oudtshoorn Airport", "FAOH"}, {"Newcastle Airport", "FANC"},
	},
}

// provinceAliases are spellings of provinces besides their names. Two
// letter codes are left out: "EC" or "NW" in an address are as often
// something else.
var provinceAliases = map[string][]alias{
	"ZA": {
		{"KZN", "KwaZulu-Natal"}, {"Kwazulu Natal", "KwaZulu-Natal"}, {"Natal", "KwaZulu-Natal"},
		{"Freestate", "Free State"}, {"Orange Free State", "Free State"}, {"North-West", "North West"},
		{"Northwest", "North West"}, {"Northern Province", "Limpopo"}, {"Western Cape Province", "Western Cape"},
	},
}
