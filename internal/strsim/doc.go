// Package strsim implements the string similarity measures used to compare
// record fields during probabilistic record linkage: Jaro, Jaro-Winkler,
// Levenshtein and (unrestricted) Damerau-Levenshtein, plus length-normalised
// similarities derived from the two edit distances.
//
// # Reference semantics
//
// The functions reproduce DuckDB's jaro_similarity, jaro_winkler_similarity,
// levenshtein and damerau_levenshtein (the functions Splink's DuckDB backend
// uses for its comparison levels) exactly when both inputs are ASCII:
//
//   - Jaro: the match window is max(|a|,|b|)/2 - 1 (integer division).
//     Every character of b, left to right, claims the leftmost unclaimed
//     equal character of a inside the window; transpositions are the matched
//     pairs that differ when both matched sequences are read in order,
//     halved with integer division. Two one-character strings score 1 if
//     equal and 0 otherwise. If either string is empty the score is 0,
//     including for two empty strings: this is what DuckDB returns and it
//     keeps "both missing" from looking like agreement.
//   - Jaro-Winkler: prefix scale 0.1 over a common prefix of at most 4
//     characters, applied only when the Jaro score is above 0.7.
//   - Levenshtein: unit-cost insertions, deletions and substitutions.
//   - Damerau-Levenshtein: the unrestricted (Lowrance-Wagner) distance, in
//     which transposed characters may also be edited between, so
//     DamerauLevenshtein("CA", "ABC") is 2; the optimal-string-alignment
//     variant would give 3. DuckDB's reference values agree with the
//     unrestricted distance and disagree with the restricted one.
//
// # Unicode
//
// DuckDB compares UTF-8 bytes. This package compares Unicode code points,
// because a byte-wise comparison charges an accented letter as two edits
// and shifts every later Jaro window: Levenshtein("Zürich", "Zurich") is 1
// here and 2 in DuckDB, and Jaro-Winkler("北京", "北京市") is 0.9111 here
// (a two character prefix) and 0.9333 in DuckDB (four matching bytes, the
// cap). For ASCII the two coincide. Invalid UTF-8 bytes decode to U+FFFD, so two different invalid
// bytes compare equal to each other. No normalisation (case folding, NFC,
// accent stripping) is applied: callers normalise fields before comparing.
//
// # Cost
//
// A comparison does not allocate when both strings are short (64 code
// points or fewer). ASCII inputs are compared byte-wise without decoding,
// eight bytes per machine word: Jaro and Jaro-Winkler on two strings of up
// to eight bytes (most names) run entirely in registers, and Levenshtein
// uses the bit-parallel algorithm of Myers and Hyyrö. Damerau-Levenshtein
// needs its full matrix and is several times slower. Longer strings need
// heap buffers; a [Scratch] keeps and reuses those so a goroutine
// comparing millions of pairs allocates only while its buffers grow.
package strsim
