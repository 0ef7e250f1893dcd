package model

import "math"

// EstimateLambda finds the share of matches among the pairs of pat by EM
// over λ alone, with p's m and u fixed: the prior EM would settle on if
// the comparisons' parameters were already right. tfWeight is as in
// EMConfig. It starts from p.Lambda and stops when λ moves by less than
// tol relative to itself, or after maxIterations.
func EstimateLambda(pat *Patterns, p Params, tfWeight [][]float64, maxIterations int, tol float64) (lambda float64, iterations int) {
	lambda = p.Lambda
	total := pat.Total()
	if total == 0 {
		return 0, 0
	}
	// Each pattern's log-likelihood ratio does not depend on λ.
	w := p.Weights()
	llr := make([]float64, pat.Len())
	for k := range llr {
		v, tf := pat.Vector(k), pat.TF(k)
		for c, l := range v {
			llr[k] += w.BF[c][l]
			if tf != nil && tfWeight != nil && tfWeight[c][l] != 0 {
				llr[k] += tfWeight[c][l] * (w.LogU[c][l] - tf[c])
			}
		}
	}
	for iterations = 1; iterations <= maxIterations; iterations++ {
		prior := math.Log2(lambda / (1 - lambda))
		var matched float64
		for k, cnt := range pat.Counts {
			matched += cnt * Probability(prior+llr[k])
		}
		next := math.Min(math.Max(matched/total, 1e-12), 1-1e-12)
		done := math.Abs(next-lambda) <= tol*lambda
		lambda = next
		if done {
			break
		}
	}
	return lambda, min(iterations, maxIterations)
}
