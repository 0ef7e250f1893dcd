// Package suggest finds the closest known name to a misspelt one, for
// "did you mean" hints in error messages.
package suggest

import (
	"strings"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/strsim"
)

// Closest returns the candidate nearest to name by edit distance, or "" when
// none is close enough to be a plausible typo: at most one edit for short
// names, two for names of six or more characters, or a case-only difference.
// The distance is Damerau-Levenshtein: a swap of adjacent characters, the
// most common typo, is one edit.
func Closest(name string, candidates []string) string {
	best, bestDist := "", -1
	n := utf8.RuneCountInString(name)
	limit := 1
	if n >= 6 {
		limit = 2
	}
	lower := strings.ToLower(name)
	for _, c := range candidates {
		if c == name {
			continue
		}
		if strings.EqualFold(c, name) {
			return c
		}
		// Every edit changes the length by one at most, so a candidate
		// whose length differs by more than the limit cannot be close.
		if diff := utf8.RuneCountInString(c) - n; diff > limit || -diff > limit {
			continue
		}
		d := strsim.DamerauLevenshtein(lower, strings.ToLower(c))
		if d <= limit && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}
