package matchrules

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/hotpass/hotpass/internal/strsim"
	"github.com/hotpass/hotpass/internal/textnorm"
)

// Source gives every record's value of a column as text and whether it is
// present; records.Set is one.
type Source interface {
	Strings(column string) (values []string, present []bool, err error)
}

// Matcher evaluates compiled rules on record pairs. It is read-only after
// Compile, so workers share it; each needs its own Worker.
type Matcher struct {
	rules []compiledRule
}

type compiledRule struct {
	name     string
	decision Decision
	group    node
}

// node is a compiled condition: a leaf test or a group.
type node struct {
	all, any []node
	leaf     *leaf
}

type leaf struct {
	op        Op
	threshold float64
	// text holds each record's folded value (exact, jaro_winkler,
	// levenshtein); sets its sorted distinct normalised elements (phone,
	// email, website, jaccard). present is false for nulls and for values
	// that normalise to nothing.
	text    []string
	sets    [][]string
	present []bool
}

// Compile checks rs (see Check) and prepares every column the rules read
// from src, so that each pair test is a comparison of prepared values.
func Compile(rs []Rule, comps []Comparison, src Source) (*Matcher, error) {
	if len(rs) == 0 {
		return nil, errors.New("no rules: add a rules: block to the linkage settings")
	}
	if ps := Check(rs, comps); len(ps) > 0 {
		errs := make([]error, len(ps))
		for i, p := range ps {
			errs[i] = errors.New(p.String())
		}
		return nil, errors.Join(errs...)
	}
	m := &Matcher{}
	cc := &compiler{comps: comps, src: src, folded: map[string]foldedColumn{}}
	for i := range rs {
		g, err := cc.group(&rs[i].Group, []any{i})
		if err != nil {
			return nil, err
		}
		d := rs[i].Decision
		if d == "" {
			d = Match
		}
		m.rules = append(m.rules, compiledRule{name: rs[i].Name, decision: d, group: g})
	}
	return m, nil
}

// compiler prepares the columns conditions read; folded text is kept by
// column because rules often test one column twice (exact in one rule,
// jaro_winkler in another), and folding every record is most of the cost.
type compiler struct {
	comps  []Comparison
	src    Source
	folded map[string]foldedColumn
}

// foldedColumn is a column's values folded by textnorm.Fold; present is
// false for nulls and for values that fold to nothing. Leaves share it
// read-only.
type foldedColumn struct {
	text    []string
	present []bool
}

func (cc *compiler) group(g *Group, path []any) (node, error) {
	var n node
	for _, part := range []struct {
		key  string
		in   []Condition
		into *[]node
	}{{"all", g.All, &n.all}, {"any", g.Any, &n.any}} {
		for k := range part.in {
			c := &part.in[k]
			p := append(slices.Clip(path), part.key, k)
			if c.IsGroup() {
				sub, err := cc.group(&c.Group, p)
				if err != nil {
					return node{}, err
				}
				*part.into = append(*part.into, sub)
				continue
			}
			lf, err := cc.leaf(c)
			if err != nil {
				return node{}, fmt.Errorf("%s: %w", Problem{Path: p, Line: c.Line, Col: c.Col}.String(), err)
			}
			*part.into = append(*part.into, node{leaf: lf})
		}
	}
	return n, nil
}

func (cc *compiler) leaf(c *Condition) (*leaf, error) {
	col := c.Column
	if c.Comparison != "" {
		col = cc.comps[slices.IndexFunc(cc.comps, func(k Comparison) bool { return k.Name == c.Comparison })].Column
	}
	lf := &leaf{op: c.Op, threshold: c.Threshold}
	if c.Op == Exact || c.Op == JaroWinkler || c.Op == Levenshtein {
		f, err := cc.fold(col)
		if err != nil {
			return nil, err
		}
		lf.text, lf.present = f.text, f.present
		return lf, nil
	}
	vals, present, err := cc.src.Strings(col)
	if err != nil {
		return nil, err
	}
	sep := c.Separator
	if sep == "" && c.Op != Jaccard {
		sep = DefaultSeparator
	}
	norm := map[Op]func(string) string{Phone: NormalisePhone, Email: NormaliseEmail, Website: NormaliseWebsite, Jaccard: textnorm.Fold}[c.Op]
	lf.present = slices.Clone(present)
	lf.sets = make([][]string, len(vals))
	for i, v := range vals {
		if !present[i] {
			continue
		}
		lf.sets[i] = elements(v, sep, c.Op == Jaccard, norm)
		lf.present[i] = len(lf.sets[i]) > 0
	}
	return lf, nil
}

// fold returns column col folded, computing it on first use. Names and
// free text typed by different people differ in case, spacing and Unicode
// forms far more often than in substance.
func (cc *compiler) fold(col string) (foldedColumn, error) {
	if f, ok := cc.folded[col]; ok {
		return f, nil
	}
	vals, present, err := cc.src.Strings(col)
	if err != nil {
		return foldedColumn{}, err
	}
	f := foldedColumn{text: make([]string, len(vals)), present: slices.Clone(present)}
	for i, v := range vals {
		if present[i] {
			f.text[i] = textnorm.Fold(v)
			f.present[i] = f.text[i] != ""
		}
	}
	cc.folded[col] = f
	return f, nil
}

// elements splits v at any character of sep (and at white space when
// words is set), normalises each part and returns the distinct non-empty
// ones, sorted.
func elements(v, sep string, words bool, norm func(string) string) []string {
	parts := strings.FieldsFunc(v, func(r rune) bool {
		return strings.ContainsRune(sep, r) || words && unicode.IsSpace(r)
	})
	out := parts[:0]
	for _, p := range parts {
		if p = norm(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// NormalisePhone reduces a phone number to the digits that identify it:
// separators and punctuation go, an international 00 prefix becomes the
// + that E.164 writes. Numbers normalised by the refine step are already
// E.164 and come through unchanged.
func NormalisePhone(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0:
			b.WriteByte('+')
		}
	}
	out := b.String()
	if strings.HasPrefix(out, "00") {
		out = "+" + out[2:]
	}
	if out == "+" {
		return ""
	}
	return out
}

// NormaliseEmail reduces an e-mail address or domain to the form in which
// addresses are equal: trimmed and in lower case (textnorm.Fold), since
// mail systems treat domains, and in practice local parts, without case.
func NormaliseEmail(s string) string { return textnorm.Fold(s) }

// NormaliseWebsite reduces a website to its host, the part that says whose
// site it is: the scheme, "www.", a port, the path, query and fragment and
// a trailing dot go, and case does not matter ("HTTPS://WWW.Eagle.co.za/
// about/" → "eagle.co.za"), as refine compares websites (website_host).
func NormaliseWebsite(s string) string {
	return strings.TrimSuffix(textnorm.WebsiteHost(textnorm.Fold(s)), ".")
}

// Rules returns the rule names, indexed as Worker.Fire returns them.
func (m *Matcher) Rules() []string {
	out := make([]string, len(m.rules))
	for i, r := range m.rules {
		out[i] = r.name
	}
	return out
}

// Decision returns the decision of rule r.
func (m *Matcher) Decision(r int) Decision { return m.rules[r].decision }

// Worker evaluates rules with its own scratch space; one per goroutine.
type Worker struct {
	m  *Matcher
	sc strsim.Scratch
}

// NewWorker returns a worker of m.
func (m *Matcher) NewWorker() *Worker { return &Worker{m: m} }

// Fire returns the index of the first rule that holds for records i and
// j, or -1 when none does.
func (w *Worker) Fire(i, j int32) int {
	for r := range w.m.rules {
		if w.holds(&w.m.rules[r].group, i, j) {
			return r
		}
	}
	return -1
}

func (w *Worker) holds(n *node, i, j int32) bool {
	if n.leaf != nil {
		return w.test(n.leaf, i, j)
	}
	for k := range n.all {
		if !w.holds(&n.all[k], i, j) {
			return false
		}
	}
	if len(n.any) == 0 {
		return true
	}
	for k := range n.any {
		if w.holds(&n.any[k], i, j) {
			return true
		}
	}
	return false
}

func (w *Worker) test(lf *leaf, i, j int32) bool {
	if !lf.present[i] || !lf.present[j] {
		return false
	}
	switch lf.op {
	case Exact:
		return lf.text[i] == lf.text[j]
	case JaroWinkler:
		a, b := lf.text[i], lf.text[j]
		return a == b || w.sc.JaroWinkler(a, b) >= lf.threshold
	case Levenshtein:
		a, b := lf.text[i], lf.text[j]
		// The distance is at least the difference in length, which
		// settles most distant pairs without the full computation.
		if d := len(a) - len(b); float64(max(d, -d)) > lf.threshold*utf8Max {
			return false
		}
		return w.sc.Levenshtein(a, b) <= int(lf.threshold)
	case Jaccard:
		a, b := lf.sets[i], lf.sets[j]
		n := intersect(a, b)
		return float64(n)/float64(len(a)+len(b)-n) >= lf.threshold
	}
	return intersect(lf.sets[i], lf.sets[j]) > 0
}

// utf8Max bounds the bytes of one code point: byte lengths differing by
// more than utf8Max·k mean more than k edits.
const utf8Max = 4

// intersect counts the elements two sorted distinct lists share.
func intersect(a, b []string) int {
	n := 0
	for len(a) > 0 && len(b) > 0 {
		switch c := strings.Compare(a[0], b[0]); {
		case c == 0:
			n++
			a, b = a[1:], b[1:]
		case c < 0:
			a = a[1:]
		default:
			b = b[1:]
		}
	}
	return n
}
