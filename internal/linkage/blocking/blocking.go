// Package blocking generates candidate record pairs from blocking rules.
//
// Each rule assigns every record a block key (a dictionary code; null when
// any key part is null, and null never blocks). Records sharing a key under
// a rule form a block, and every pair inside a block is a candidate. The
// union of the rules' pairs is produced with each pair exactly once: a pair
// found by an earlier rule is skipped by later ones, as Splink does. For
// link_only only pairs from different inputs are produced; for dedupe_only
// and link_and_dedupe all pairs are.
//
// Counts are known before any pair is generated (Stats), so a cap can
// refuse rules that would produce too many pairs.
package blocking

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/rule"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// Pair is a candidate pair of record numbers, I < J, found by rule Rule
// (an index into the Blocker's rules).
type Pair struct {
	I, J int32
	Rule int32
}

// RuleCount is the number of candidate pairs a rule's blocks hold on their
// own, before pairs already found by earlier rules are removed.
type RuleCount struct {
	Rule        string
	Comparisons int64
}

// CapError reports rules that would produce more pairs than allowed.
type CapError struct {
	// Rule is the first rule over the cap on its own, or "" when only the
	// total is over.
	Rule  string
	Count int64
	Total int64
	Cap   int64
}

func (e *CapError) Error() string {
	if e.Rule != "" {
		return fmt.Sprintf("blocking rule %q yields %d comparisons, over the cap of %d: make the rule stricter (add a key with +) or raise max_comparisons", e.Rule, e.Count, e.Cap)
	}
	return fmt.Sprintf("blocking rules together yield up to %d comparisons, over the cap of %d: make the rules stricter or raise max_comparisons", e.Total, e.Cap)
}

type compiled struct {
	text   string
	codes  []int32 // block key per record, -1 for null
	order  []int32 // records sorted by (code, record), nulls left out
	starts []int32 // block b is order[starts[b]:starts[b+1]]
	count  int64
}

// Blocker holds the compiled rules over one record set. It is immutable
// and safe for concurrent scans.
type Blocker struct {
	recs     *records.Set
	linkOnly bool
	rules    []compiled
}

// New compiles rules over recs. With no rules every pair is a candidate
// (one block holding all records). It fails when a rule names a column some
// input lacks. cols may be nil, or shared by Blockers over the same records
// so that each column is coded once.
func New(recs *records.Set, linkType settings.LinkType, rules []rule.Rule, cols *Columns) (*Blocker, error) {
	b := &Blocker{recs: recs, linkOnly: linkType == settings.LinkOnly}
	if len(rules) == 0 {
		rules = []rule.Rule{{}}
	}
	if cols == nil {
		cols = NewColumns(recs)
	}
	if cols.recs != recs {
		return nil, fmt.Errorf("blocking: column cache belongs to another record set")
	}
	for k, r := range rules {
		c, err := b.compile(r, cols)
		if err != nil {
			return nil, fmt.Errorf("blocking rule %d (%s): %w", k+1, r, err)
		}
		b.rules = append(b.rules, c)
	}
	return b, nil
}

// column is a column's text dictionary-coded once and shared by the rules
// that read it: codes[i] indexes dict, -1 for null.
type column struct {
	codes []int32
	dict  []string
}

// Columns caches the dictionary coding of the columns rules read. It is
// safe for concurrent use.
type Columns struct {
	recs *records.Set
	mu   sync.Mutex
	cols map[string]*column
}

// NewColumns returns an empty cache for recs.
func NewColumns(recs *records.Set) *Columns {
	return &Columns{recs: recs, cols: map[string]*column{}}
}

func (cc *Columns) get(name string) (*column, error) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if c, ok := cc.cols[name]; ok {
		return c, nil
	}
	vals, present, err := cc.recs.Strings(name)
	if err != nil {
		return nil, err
	}
	c := &column{codes: make([]int32, len(vals))}
	index := map[string]int32{}
	for i, v := range vals {
		if !present[i] {
			c.codes[i] = -1
			continue
		}
		code, ok := index[v]
		if !ok {
			code = int32(len(c.dict))
			index[v] = code
			c.dict = append(c.dict, v)
		}
		c.codes[i] = code
	}
	cc.cols[name] = c
	return c, nil
}

// compile assigns each record its block code under r. Multi-key rules
// combine the per-key codes (KeyCodes) pairwise through integer maps.
func (b *Blocker) compile(r rule.Rule, cache *Columns) (compiled, error) {
	n := b.recs.Len()
	c := compiled{text: r.String(), codes: make([]int32, n)}
	if len(r.Keys) == 0 {
		c.text = "(all pairs)"
	}
	nb := 1 // the all-pairs rule puts every record in block 0
	for p, k := range r.Keys {
		kc, card, err := cache.KeyCodes(k)
		if err != nil {
			return c, err
		}
		if p == 0 {
			c.codes, nb = kc, card
			continue
		}
		pairs := map[uint64]int32{}
		for i, v := range kc {
			if c.codes[i] < 0 {
				continue
			}
			if v < 0 {
				c.codes[i] = -1
				continue
			}
			key := uint64(c.codes[i])<<32 | uint64(v)
			code, seen := pairs[key]
			if !seen {
				code = int32(len(pairs))
				pairs[key] = code
			}
			c.codes[i] = code
		}
		nb = len(pairs)
	}
	// Counting sort by code keeps record order inside each block, so the
	// positions p < q of a block always hold records i < j, and for link
	// types the records of one input are contiguous.
	c.starts = make([]int32, nb+1)
	for _, code := range c.codes {
		if code >= 0 {
			c.starts[code+1]++
		}
	}
	for k := 0; k < nb; k++ {
		c.starts[k+1] += c.starts[k]
	}
	c.order = make([]int32, c.starts[nb])
	next := append([]int32(nil), c.starts[:nb]...)
	for i, code := range c.codes {
		if code >= 0 {
			c.order[next[code]] = int32(i)
			next[code]++
		}
	}
	for k := 0; k < nb; k++ {
		c.count += b.blockPairs(c.order[c.starts[k]:c.starts[k+1]])
	}
	return c, nil
}

// blockPairs counts the candidate pairs of one block: k(k-1)/2, or for
// link_only only the pairs across inputs, (k² − Σ k_s²)/2.
func (b *Blocker) blockPairs(block []int32) int64 {
	k := int64(len(block))
	if !b.linkOnly {
		return k * (k - 1) / 2
	}
	var same int64
	src := b.recs.Sources()
	for p := 0; p < len(block); {
		q := p
		for q < len(block) && src[block[q]] == src[block[p]] {
			q++
		}
		same += int64(q-p) * int64(q-p)
		p = q
	}
	return (k*k - same) / 2
}

// Stats counts the comparisons of each rule from block sizes alone.
func (b *Blocker) Stats() []RuleCount {
	out := make([]RuleCount, len(b.rules))
	for k, r := range b.rules {
		out[k] = RuleCount{Rule: r.text, Comparisons: r.count}
	}
	return out
}

// UpperBound returns the sum of the rules' counts, an upper bound on the
// number of distinct pairs they produce.
func (b *Blocker) UpperBound() int64 {
	var t int64
	for _, r := range b.rules {
		t += r.count
	}
	return t
}

// CheckCap returns a *CapError when a rule, or all rules together, would
// produce more than limit pairs.
func (b *Blocker) CheckCap(limit int64) error {
	for _, r := range b.rules {
		if r.count > limit {
			return &CapError{Rule: r.text, Count: r.count, Total: b.UpperBound(), Cap: limit}
		}
	}
	if t := b.UpperBound(); t > limit {
		return &CapError{Total: t, Cap: limit}
	}
	return nil
}

// NumRules returns the number of rules (1 for the all-pairs rule).
func (b *Blocker) NumRules() int { return len(b.rules) }

// RuleText returns rule k as text.
func (b *Blocker) RuleText(k int) string { return b.rules[k].text }

// RuleNames returns all rules as text.
func (b *Blocker) RuleNames() []string {
	out := make([]string, len(b.rules))
	for k, r := range b.rules {
		out[k] = r.text
	}
	return out
}

// String lists the rules.
func (b *Blocker) String() string { return strings.Join(b.RuleNames(), "; ") }

// Count generates every pair and returns how many distinct pairs the rules
// produce together (earlier rules' pairs excluded from later ones).
func (b *Blocker) Count(ctx context.Context, workers int) (int64, error) {
	units := b.Units(workers)
	counts := make([]int64, len(units))
	err := b.Scan(ctx, workers, units, func(int) func(int, []Pair) {
		return func(u int, batch []Pair) { counts[u] += int64(len(batch)) }
	})
	var t int64
	for _, c := range counts {
		t += c
	}
	return t, err
}
