package model

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
)

// Patterns are distinct comparison vectors with the number of pairs that
// have each: EM needs no more than that, however many pairs there are.
// With term-frequency adjustments a pattern is a vector together with the
// term frequencies its adjusted levels saw.
type Patterns struct {
	// Stride is the number of comparisons (values per vector).
	Stride int
	// Vectors holds the vectors back to back.
	Vectors []uint8
	// LogTF holds, Stride values per pattern, log2 of the term frequency
	// used by each comparison's level (the larger of the two records'),
	// or 0 where the level has no adjustment. Nil without adjustments.
	LogTF []float64
	// Counts[k] is the number of pairs with pattern k.
	Counts []float64
}

// Len returns the number of distinct vectors.
func (p *Patterns) Len() int { return len(p.Counts) }

// Vector returns vector k.
func (p *Patterns) Vector(k int) []uint8 { return p.Vectors[k*p.Stride : (k+1)*p.Stride] }

// TF returns the term frequencies of pattern k, or nil.
func (p *Patterns) TF(k int) []float64 {
	if p.LogTF == nil {
		return nil
	}
	return p.LogTF[k*p.Stride : (k+1)*p.Stride]
}

// Total returns the number of pairs.
func (p *Patterns) Total() float64 {
	var t float64
	for _, c := range p.Counts {
		t += c
	}
	return t
}

// Counter aggregates comparison vectors into Patterns. It is not safe for
// concurrent use: give each goroutine its own and Merge them.
type Counter struct {
	stride int
	withTF bool
	index  map[string]int
	key    []byte
	pat    Patterns
}

// NewCounter returns a Counter for vectors of stride values; withTF says
// whether patterns carry term frequencies (AddTF).
func NewCounter(stride int, withTF bool) *Counter {
	c := &Counter{stride: stride, withTF: withTF, index: map[string]int{}, pat: Patterns{Stride: stride}}
	if withTF {
		c.pat.LogTF = []float64{}
	}
	return c
}

// Add counts one pair with vector v (and no term-frequency adjustment).
func (c *Counter) Add(v []uint8) { c.AddN(v, nil, 1) }

// AddTF counts one pair with vector v and term frequencies tf (Stride
// values, 0 where there is no adjustment).
func (c *Counter) AddTF(v []uint8, tf []float64) { c.AddN(v, tf, 1) }

// AddN counts n pairs with vector v and term frequencies tf (nil for
// none).
func (c *Counter) AddN(v []uint8, tf []float64, n float64) {
	c.key = append(c.key[:0], v...)
	if c.withTF {
		for k := 0; k < c.stride; k++ {
			var x float64
			if tf != nil {
				x = tf[k]
			}
			c.key = binary.LittleEndian.AppendUint64(c.key, math.Float64bits(x))
		}
	}
	if k, ok := c.index[string(c.key)]; ok {
		c.pat.Counts[k] += n
		return
	}
	c.index[string(c.key)] = len(c.pat.Counts)
	c.pat.Vectors = append(c.pat.Vectors, v...)
	if c.withTF {
		if tf == nil {
			tf = make([]float64, c.stride)
		}
		c.pat.LogTF = append(c.pat.LogTF, tf[:c.stride]...)
	}
	c.pat.Counts = append(c.pat.Counts, n)
}

// Merge adds o's counts into c.
func (c *Counter) Merge(o *Counter) {
	for k := range o.pat.Counts {
		c.AddN(o.pat.Vector(k), o.pat.TF(k), o.pat.Counts[k])
	}
}

// Patterns returns the aggregated patterns in ascending order (by vector,
// then term frequencies), so that the result does not depend on the order
// pairs were counted in; the Counter must not be used afterwards.
func (c *Counter) Patterns() *Patterns {
	n, st := len(c.pat.Counts), c.stride
	idx := make([]int, n)
	for k := range idx {
		idx[k] = k
	}
	slices.SortFunc(idx, func(a, b int) int {
		if d := bytes.Compare(c.pat.Vector(a), c.pat.Vector(b)); d != 0 {
			return d
		}
		return slices.Compare(c.pat.TF(a), c.pat.TF(b))
	})
	out := Patterns{Stride: st, Vectors: make([]uint8, 0, len(c.pat.Vectors)), Counts: make([]float64, 0, n)}
	if c.withTF {
		out.LogTF = make([]float64, 0, len(c.pat.LogTF))
	}
	for _, k := range idx {
		out.Vectors = append(out.Vectors, c.pat.Vector(k)...)
		out.LogTF = append(out.LogTF, c.pat.TF(k)...)
		out.Counts = append(out.Counts, c.pat.Counts[k])
	}
	return &out
}

// EMConfig configures an EM run.
type EMConfig struct {
	// MaxIterations bounds the run.
	MaxIterations int
	// Tolerance stops the run once no m, u or λ moves by more.
	Tolerance float64
	// FixU keeps u probabilities as given (Splink's default: they come from
	// random sampling, which is more reliable than EM for u).
	FixU bool
	// Inactive marks comparisons left out of the run: they neither
	// contribute to match probabilities nor get updated. A training rule
	// that blocks on a comparison's column makes it uninformative there.
	Inactive []bool
	// TFWeight[c][l] is the term-frequency adjustment weight of level l of
	// comparison c (0 for none). With patterns that carry term frequencies
	// the expectation step adds Weight·(log2 u − log2 tf) at such levels, as
	// Splink does unless told to estimate without term frequencies.
	TFWeight [][]float64
	// KeepHistory records the parameters after every iteration.
	KeepHistory bool
}

// EMResult is the outcome of an EM run.
type EMResult struct {
	Params     Params
	Iterations int
	Converged  bool
	// MaxChange is the largest parameter change of the last iteration.
	MaxChange float64
	// History[0] is the start and History[k] the parameters after
	// iteration k, when KeepHistory is set.
	History []Params
}

// EM estimates λ, m and (unless FixU) u from the patterns by
// expectation-maximisation, starting from start. Null levels are left out
// of both steps, as in Splink: a pair whose comparison is null says nothing
// about that comparison.
func EM(pat *Patterns, start Params, cfg EMConfig) EMResult {
	cur := start.Clone()
	res := EMResult{}
	if cfg.KeepHistory {
		res.History = append(res.History, cur.Clone())
	}
	n := pat.Len()
	active := func(c int) bool { return cfg.Inactive == nil || !cfg.Inactive[c] }
	post := make([]float64, n)
	mNum := make([][]float64, len(cur.Comparisons))
	uNum := make([][]float64, len(cur.Comparisons))
	for c, cp := range cur.Comparisons {
		mNum[c] = make([]float64, len(cp.Levels))
		uNum[c] = make([]float64, len(cp.Levels))
	}
	for it := 1; it <= cfg.MaxIterations; it++ {
		// Expectation: the match probability of each distinct vector.
		w := cur.Weights()
		for k := 0; k < n; k++ {
			v, tf := pat.Vector(k), pat.TF(k)
			s := w.Prior
			for c, l := range v {
				if !active(c) {
					continue
				}
				s += w.BF[c][l]
				if tf != nil && cfg.TFWeight != nil && cfg.TFWeight[c][l] != 0 {
					s += cfg.TFWeight[c][l] * (w.LogU[c][l] - tf[c])
				}
			}
			post[k] = Probability(s)
		}
		// Maximisation: λ, then level shares among non-null levels.
		var total, matched float64
		for c := range mNum {
			clear(mNum[c])
			clear(uNum[c])
		}
		for k := 0; k < n; k++ {
			cnt, p := pat.Counts[k], post[k]
			total += cnt
			matched += cnt * p
			for c, l := range pat.Vector(k) {
				mNum[c][l] += cnt * p
				uNum[c][l] += cnt * (1 - p)
			}
		}
		next := cur.Clone()
		if total > 0 {
			next.Lambda = matched / total
		}
		for c, cp := range next.Comparisons {
			if !active(c) {
				continue
			}
			var mDen, uDen float64
			for l, lp := range cp.Levels {
				if !lp.Null {
					mDen += mNum[c][l]
					uDen += uNum[c][l]
				}
			}
			for l := range cp.Levels {
				lp := &cp.Levels[l]
				if lp.Null {
					continue
				}
				if mDen > 0 {
					lp.M = mNum[c][l] / mDen
				}
				if !cfg.FixU && uDen > 0 {
					lp.U = uNum[c][l] / uDen
				}
			}
		}
		res.MaxChange = maxChange(cur, next)
		cur = next
		res.Iterations = it
		if cfg.KeepHistory {
			res.History = append(res.History, cur.Clone())
		}
		if res.MaxChange < cfg.Tolerance {
			res.Converged = true
			break
		}
	}
	res.Params = cur
	return res
}

func maxChange(a, b Params) float64 {
	d := math.Abs(a.Lambda - b.Lambda)
	for c := range a.Comparisons {
		for l := range a.Comparisons[c].Levels {
			x, y := a.Comparisons[c].Levels[l], b.Comparisons[c].Levels[l]
			d = math.Max(d, math.Max(math.Abs(x.M-y.M), math.Abs(x.U-y.U)))
		}
	}
	return d
}
