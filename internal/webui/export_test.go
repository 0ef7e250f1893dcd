package webui

// KeyedPairID names a pair as the review desk's pages do, so that tests
// can open a given pair.
var KeyedPairID = keyedPairID
