package refine

import "sort"

// Provinces maps the spellings of a region's provinces to their canonical
// names. Matching ignores case, spaces and punctuation, so "K.Z.N.",
// "kzn" and "KZN" are one alias.
type Provinces struct {
	byKey map[string]string
	names []string
}

// NewProvinces builds the lookup from canonical name → aliases. Each
// canonical name is also an alias of itself.
func NewProvinces(aliases map[string][]string) *Provinces {
	p := &Provinces{byKey: make(map[string]string)}
	for canon, list := range aliases {
		p.names = append(p.names, canon)
		p.byKey[MatchKey(canon)] = canon
		for _, a := range list {
			if k := MatchKey(a); k != "" {
				p.byKey[k] = canon
			}
		}
	}
	sort.Strings(p.names)
	return p
}

// Canonical returns the canonical province for s, and false when s is not
// a known spelling.
func (p *Provinces) Canonical(s string) (string, bool) {
	if p == nil {
		return "", false
	}
	c, ok := p.byKey[MatchKey(s)]
	return c, ok
}

// Names returns the canonical names, sorted.
func (p *Provinces) Names() []string {
	if p == nil {
		return nil
	}
	return append([]string(nil), p.names...)
}
