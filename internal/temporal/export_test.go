package temporal

// ResultOf exposes resultOf to the external tests.
var ResultOf = resultOf
