package temporal

// ResultOf exposes resultOf to the external tests.
var ResultOf = resultOf

// ExtractActivityName exposes the extract activity's name, which tests
// replace with a stand-in.
const ExtractActivityName = extractActivityName

// ResultDetails exposes resultDetails to the external tests.
var ResultDetails = resultDetails
