package synth

// place is a town with its nearest airfield and province.
type place struct {
	town, airport, icao, province string
}

// provinces are the canonical South African province names.
var provinces = []string{
	"Gauteng", "Western Cape", "KwaZulu-Natal", "Eastern Cape", "Free State",
	"Limpopo", "Mpumalanga", "North West", "Northern Cape",
}

// provinceAliases are spellings seen in real registers for each canonical
// province, in the order of provinces.
var provinceAliases = [][]string{
	{"Gauteng ", "gauteng", "GP", "GAUTENG", "Gauteng Province"},
	{"western cape", "W Cape", "WC", "Western Cape Province", "W. Cape"},
	{"KZN", "Kwazulu Natal", "KwaZulu Natal", "kzn", "K.Z.N."},
	{"E Cape", "EC", "eastern cape", "E. Cape"},
	{"FS", "Free state", "Freestate", "OFS"},
	{"LP", "limpopo", "Limpopo Province"},
	{"MP", "mpumalanga", "Mpumalanga "},
	{"NW", "North-West", "northwest"},
	{"NC", "N Cape", "northern cape"},
}

var places = []place{
	{"Johannesburg", "Rand Airport", "FAGM", "Gauteng"},
	{"Lanseria", "Lanseria International", "FALA", "Gauteng"},
	{"Pretoria", "Wonderboom Airport", "FAWB", "Gauteng"},
	{"Centurion", "Waterkloof AFB", "FAWK", "Gauteng"},
	{"Springs", "Springs Airfield", "FASI", "Gauteng"},
	{"Brakpan", "Brakpan Airfield", "FABB", "Gauteng"},
	{"Vereeniging", "Vereeniging Airport", "FAVV", "Gauteng"},
	{"Heidelberg", "Heidelberg Airfield", "FAHG", "Gauteng"},
	{"Cape Town", "Cape Town International", "FACT", "Western Cape"},
	{"Stellenbosch", "Stellenbosch Airfield", "FASH", "Western Cape"},
	{"George", "George Airport", "FAGG", "Western Cape"},
	{"Oudtshoorn", "Oudtshoorn Airfield", "FAOH", "Western Cape"},
	{"Worcester", "Worcester Airfield", "FAWC", "Western Cape"},
	{"Plettenberg Bay", "Plettenberg Bay Airport", "FAPG", "Western Cape"},
	{"Durban", "King Shaka International", "FALE", "KwaZulu-Natal"},
	{"Pietermaritzburg", "Pietermaritzburg Airport", "FAPM", "KwaZulu-Natal"},
	{"Margate", "Margate Airport", "FAMG", "KwaZulu-Natal"},
	{"Richards Bay", "Richards Bay Airport", "FARB", "KwaZulu-Natal"},
	{"Virginia", "Virginia Airport", "FAVG", "KwaZulu-Natal"},
	{"Gqeberha", "Chief Dawid Stuurman International", "FAPE", "Eastern Cape"},
	{"East London", "King Phalo Airport", "FAEL", "Eastern Cape"},
	{"Mthatha", "Mthatha Airport", "FAUT", "Eastern Cape"},
	{"Bloemfontein", "Bram Fischer International", "FABL", "Free State"},
	{"Welkom", "Welkom Airport", "FAWM", "Free State"},
	{"Bethlehem", "Bethlehem Airfield", "FABM", "Free State"},
	{"Polokwane", "Polokwane International", "FAPP", "Limpopo"},
	{"Tzaneen", "Tzaneen Airfield", "FATZ", "Limpopo"},
	{"Hoedspruit", "Eastgate Airport", "FAHS", "Limpopo"},
	{"Mbombela", "Kruger Mpumalanga International", "FAKN", "Mpumalanga"},
	{"Middelburg", "Middelburg Airfield", "FAMB", "Mpumalanga"},
	{"Secunda", "Secunda Airfield", "FASC", "Mpumalanga"},
	{"Rustenburg", "Rustenburg Airfield", "FARG", "North West"},
	{"Potchefstroom", "Potchefstroom Airfield", "FAPS", "North West"},
	{"Mahikeng", "Mahikeng Airport", "FAMM", "North West"},
	{"Kimberley", "Kimberley Airport", "FAKM", "Northern Cape"},
	{"Upington", "Upington International", "FAUP", "Northern Cape"},
}

// Organisation types.
const (
	TypeFlightSchool = "Flight School"
	TypeCharter      = "Charter Operator"
	TypeMaintenance  = "Maintenance Organisation"
	TypeAeroClub     = "Aero Club"
)

var orgTypes = []string{TypeFlightSchool, TypeCharter, TypeMaintenance, TypeAeroClub}

// typeWords are the words a name of each type ends with, in the order of
// orgTypes.
var typeWords = [][]string{
	{"Flight School", "Flight Academy", "Aviation Academy", "Flying School", "Flight Training", "Aviation Training Centre", "Pilot Academy"},
	{"Charters", "Air Charter", "Aviation", "Air Services", "Airways", "Safaris"},
	{"Aircraft Maintenance", "Aero Engineering", "Aviation Services", "AMO", "Avionics", "Aero Maintenance"},
	{"Aero Club", "Flying Club", "Gliding Club", "Microlight Club"},
}

// legalSuffixes follow a company name; aero clubs have none.
var legalSuffixes = []string{"(Pty) Ltd", "(Pty) Ltd", "CC", "NPC", "Pty Ltd", ""}

var nameWords = []string{
	"Aeronav", "Skyhigh", "Blue Sky", "Eagle", "Falcon", "Kestrel", "Fish Eagle",
	"Highveld", "Lowveld", "Karoo", "Bushveld", "Drakensberg", "Table Mountain",
	"Springbok", "Protea", "Baobab", "Summit", "Horizon", "Compass", "Vector",
	"Cumulus", "Stratus", "Tailwind", "Crosswind", "Airborne", "Propeller",
	"Jetstream", "Silverwing", "Golden Wings", "Red Baron", "Sunbird", "Hornbill",
	"Starlite", "Pegasus", "Orion", "Zulu", "Nguni", "Impala", "Kudu", "Oryx",
}

var surnames = []string{
	"van der Merwe", "Nkosi", "Dlamini", "Naidoo", "Botha", "Pretorius", "Mokoena",
	"Khumalo", "Ndlovu", "Smith", "Jacobs", "Pillay", "Steyn", "Venter", "Mahlangu",
	"Mthembu", "Sithole", "Coetzee", "Fourie", "du Plessis", "Nel", "Kruger",
	"O'Brien", "Müller", "Le Roux", "Govender", "Zulu", "Molefe", "Ferreira", "Chetty",
	"Van Wyk", "Hendricks", "Adams", "Williams", "Naudé", "Søndergaard", "Łukasik",
	"Οικονόμου", "Иванов", "王", "Haddad",
}

var firstNames = []string{
	"Thandi", "Sipho", "Pieter", "Johan", "Anele", "Lerato", "Priya", "Ravi",
	"Michelle", "David", "Nomvula", "Thabo", "Karabo", "Zanele", "Andile", "Bongani",
	"Charlene", "Ruan", "Francois", "Elize", "Mpho", "Kagiso", "Ayesha", "Yusuf",
	"Sarah", "James", "Lindiwe", "Tshepo", "Marius", "Annelie", "Kobus", "Naledi",
	"Zoë", "André", "Hélène", "Renée", "José", "Nuñez", "Søren", "Алексей", "李伟",
	"Σοφία", "محمد", "Ntombi",
}

var roles = []string{
	"Chief Flying Instructor", "Head of Training", "Accountable Manager", "Director",
	"Owner", "Operations Manager", "Quality Manager", "Flight Instructor",
	"Administrator", "Bookings", "Chief Pilot", "Maintenance Manager", "Chairman",
	"Secretary", "Sales", "CEO", "",
}

var aircraft = []string{"C172", "C152", "PA-28", "Sling 2", "Sling 4", "Jabiru", "Bathawk", "King Air", "PC-12", "Robinson R44", "Cessna 206", "Piper Seneca"}

var descriptions = []string{
	"PPL and CPL training", "Night rating and instrument rating", "Charter and game lodge transfers",
	"Part 145 maintenance", "Gliding and microlight training", "Helicopter training",
	"Aerial survey", "Airline cadet programme", "Sport pilot licence", "Tailwheel conversion",
}

var notes = []string{
	"Called, no answer", "Sent brochure", "Interested in software demo", "Follow up next month",
	"Wrong number on website", "Owner retiring", "Asked for pricing", "Prefers WhatsApp",
	"Closed for winter", "Met at AERO South Africa expo", "", "",
}

var questions = []string{
	"How many students per year?", "Do they use a booking system?", "Who signs off purchases?",
	"Which aircraft do they operate?", "", "", "",
}

var statuses = []string{"Active", "Active", "Active", "Suspended", "Pending renewal", "Inactive"}

var categories = []string{"ATO", "AOC", "AMO", "Club", "ATO", "ATO"}

var priorities = []string{"High", "Medium", "Low", "Medium"}
