// Package model holds the Fellegi–Sunter parameters of a linkage model —
// the prior λ and the m and u probability of every comparison level — and
// estimates them: u from random pairs, m by expectation-maximisation over
// comparison vectors, λ from deterministic rules.
//
// A pair's match weight is log2(λ/(1−λ)) + Σ log2(m/u) over its levels
// (null levels add nothing), plus term-frequency adjustments, and its match
// probability is 2^w / (1 + 2^w).
package model

import (
	"fmt"
	"math"

	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// LevelParams are the parameters of one comparison level.
type LevelParams struct {
	Label string `json:"label"`
	// Null marks the null level: it carries no evidence (weight 0) and is
	// left out of estimation.
	Null bool    `json:"is_null_level,omitempty"`
	M    float64 `json:"m_probability"`
	U    float64 `json:"u_probability"`
}

// ComparisonParams are the parameters of one comparison's levels, in the
// settings' level order.
type ComparisonParams struct {
	Name   string        `json:"name"`
	Levels []LevelParams `json:"levels"`
}

// Params are a model's parameters.
type Params struct {
	// Lambda is the probability that two random records match.
	Lambda      float64            `json:"probability_two_random_records_match"`
	Comparisons []ComparisonParams `json:"comparisons"`
}

// Clone returns a deep copy.
func (p Params) Clone() Params {
	out := Params{Lambda: p.Lambda, Comparisons: make([]ComparisonParams, len(p.Comparisons))}
	for c, cp := range p.Comparisons {
		out.Comparisons[c] = ComparisonParams{Name: cp.Name, Levels: append([]LevelParams(nil), cp.Levels...)}
	}
	return out
}

// Start returns starting parameters from settings: the m and u given on
// levels, and defaults for the rest. Default m falls with the level's rank
// among the non-null levels (most to least similar) in proportion to
// (n−rank)², and default u rises in the same proportion, so a start always
// says that agreement favours a match; u is normally replaced by sampling
// and m by EM. λ is the setting's value, or 1e-4 when it is to be estimated.
func Start(s *settings.Settings) Params {
	p := Params{Lambda: s.ProbabilityTwoRandomRecordsMatch}
	if p.Lambda == 0 {
		p.Lambda = 1e-4
	}
	for _, sc := range s.Comparisons {
		cp := ComparisonParams{Name: sc.DisplayName()}
		n := 0
		for _, l := range sc.Levels {
			if l.Weighs() {
				n++
			}
		}
		var sumSq float64
		for r := 1; r <= n; r++ {
			sumSq += float64(r * r)
		}
		rank := 0
		for _, l := range sc.Levels {
			lp := LevelParams{Label: l.DisplayLabel(), Null: !l.Weighs()}
			if l.Weighs() {
				lp.M = float64((n-rank)*(n-rank)) / sumSq
				lp.U = float64((rank+1)*(rank+1)) / sumSq
				if l.MProbability != nil {
					lp.M = *l.MProbability
				}
				if l.UProbability != nil {
					lp.U = *l.UProbability
				}
				rank++
			}
			cp.Levels = append(cp.Levels, lp)
		}
		p.Comparisons = append(p.Comparisons, cp)
	}
	return p
}

// FloorM raises the m of every non-null level of every comparison to at
// least floor, taking the difference from the levels above the floor in
// proportion to their excess over it, so each comparison's m keeps its
// sum. A comparison whose non-null levels cannot all reach the floor
// (floor times their number exceeds their sum) is left as it is.
func (p *Params) FloorM(floor float64) {
	if floor <= 0 {
		return
	}
	for c := range p.Comparisons {
		levels := p.Comparisons[c].Levels
		var deficit, excess float64
		for _, lp := range levels {
			if lp.Null {
				continue
			}
			if lp.M < floor {
				deficit += floor - lp.M
			} else {
				excess += lp.M - floor
			}
		}
		if deficit == 0 || excess < deficit {
			continue
		}
		keep := 1 - deficit/excess
		for l := range levels {
			lp := &levels[l]
			if lp.Null {
				continue
			}
			if lp.M < floor {
				lp.M = floor
			} else {
				lp.M = floor + (lp.M-floor)*keep
			}
		}
	}
}

// Check verifies that p has the shape of the settings' comparisons.
func (p Params) Check(s *settings.Settings) error {
	if len(p.Comparisons) != len(s.Comparisons) {
		return fmt.Errorf("parameters have %d comparisons but the settings have %d", len(p.Comparisons), len(s.Comparisons))
	}
	for c, sc := range s.Comparisons {
		cp := p.Comparisons[c]
		if cp.Name != sc.DisplayName() {
			return fmt.Errorf("comparison %d is %q in the parameters but %q in the settings", c+1, cp.Name, sc.DisplayName())
		}
		if len(cp.Levels) != len(sc.Levels) {
			return fmt.Errorf("comparison %q has %d levels in the parameters but %d in the settings", cp.Name, len(cp.Levels), len(sc.Levels))
		}
		for l, lp := range cp.Levels {
			if lp.Null {
				continue
			}
			if !(lp.M >= 0 && lp.M <= 1) || !(lp.U >= 0 && lp.U <= 1) {
				return fmt.Errorf("comparison %q level %d (%s): m %g and u %g must be probabilities", cp.Name, l, lp.Label, lp.M, lp.U)
			}
		}
	}
	if !(p.Lambda > 0 && p.Lambda < 1) {
		return fmt.Errorf("probability_two_random_records_match %g must be in (0, 1)", p.Lambda)
	}
	return nil
}

// floor keeps log2(m/u) finite when a level was never observed.
const floor = 1e-12

// Weights are the log2 Bayes factors of every level, ready for scoring.
type Weights struct {
	// Prior is log2(λ/(1−λ)).
	Prior float64
	// BF[c][l] is log2(m/u) for level l of comparison c; 0 for null levels.
	BF [][]float64
	// LogU[c][l] is log2(u), used by term-frequency adjustments.
	LogU [][]float64
}

// Weights computes the weights of p.
func (p Params) Weights() Weights {
	w := Weights{Prior: math.Log2(p.Lambda / (1 - p.Lambda))}
	for _, cp := range p.Comparisons {
		bf := make([]float64, len(cp.Levels))
		lu := make([]float64, len(cp.Levels))
		for l, lp := range cp.Levels {
			if lp.Null {
				continue
			}
			bf[l] = math.Log2(math.Max(lp.M, floor) / math.Max(lp.U, floor))
			lu[l] = math.Log2(math.Max(lp.U, floor))
		}
		w.BF = append(w.BF, bf)
		w.LogU = append(w.LogU, lu)
	}
	return w
}

// Probability converts a match weight into a match probability,
// 2^w/(1+2^w), without overflow for any w.
func Probability(w float64) float64 {
	if w >= 0 {
		return 1 / (1 + math.Exp2(-w))
	}
	e := math.Exp2(w)
	return e / (1 + e)
}
