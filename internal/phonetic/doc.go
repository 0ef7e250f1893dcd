// Package phonetic computes phonetic keys of names, used as blocking keys
// in record linkage so that "Smith" and "Smyth" land in the same block:
// American Soundex and Lawrence Philips' Double Metaphone.
//
// Both work on Latin letters. Letters with diacritics in Latin-1 and
// Latin Extended-A are read as their base letters (ü as U, ß as SS, Æ as
// AE) before coding; Double Metaphone keeps its own rules for Ç (S) and
// Ñ (N). Characters outside those ranges carry no sound: Soundex skips
// them and Double Metaphone treats them as silent positions.
package phonetic
