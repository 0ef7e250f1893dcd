// Package specgen generates pipeline specs for tests and benchmarks. Every
// generator is deterministic: the same arguments give the same bytes.
package specgen

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// ID returns the id of task i of n: "t" and i zero-padded to the width of
// n-1 (at least four digits), so that ids sort in creation order.
func ID(i, n int) string {
	width := max(4, len(fmt.Sprint(max(n-1, 0))))
	return fmt.Sprintf("t%0*d", width, i)
}

// RandomDeps returns, for each of n tasks, the indexes of the earlier tasks
// it needs, in increasing order. Each task needs edgesPerTask earlier tasks
// on average (the integer part always, one more with the probability of the
// fractional part), fewer only when there are not enough earlier tasks.
// Picking uniformly among all earlier tasks keeps the graph shallow and wide,
// like real pipelines that fan in from many sources.
func RandomDeps(n int, edgesPerTask float64, seed int64) [][]int {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	whole, frac := math.Modf(max(edgesPerTask, 0))
	out := make([][]int, n)
	for i := 1; i < n; i++ {
		k := int(whole)
		if rng.Float64() < frac {
			k++
		}
		k = min(k, i)
		deps := make([]int, 0, k)
		for len(deps) < k {
			d := rng.IntN(i)
			dup := false
			for _, e := range deps {
				if e == d {
					dup = true
					break
				}
			}
			if !dup {
				deps = append(deps, d)
			}
		}
		slices.Sort(deps)
		out[i] = deps
	}
	return out
}

// RandomDAG returns the YAML of a spec with n tasks of the given type wired
// as RandomDeps(n, edgesPerTask, seed) describes. Tasks have an empty with:
// block, which suits noop.
func RandomDAG(n int, edgesPerTask float64, seed int64, taskType string) []byte {
	deps := RandomDeps(n, edgesPerTask, seed)
	var b bytes.Buffer
	b.Grow(n * 64)
	b.WriteString("version: 1\nname: bench\ntasks:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  %s:\n    type: %s\n", ID(i, n), taskType)
		if len(deps[i]) > 0 {
			ids := make([]string, len(deps[i]))
			for j, d := range deps[i] {
				ids[j] = ID(d, n)
			}
			fmt.Fprintf(&b, "    needs: [%s]\n", strings.Join(ids, ", "))
		}
		b.WriteString("    with: {}\n")
	}
	return b.Bytes()
}

// ExecTrue returns the YAML of a spec with n independent exec tasks running
// `true`, with concurrency.max set to maxConc: a measure of what starting a
// process costs the scheduler.
func ExecTrue(n int, maxConc int) []byte {
	var b bytes.Buffer
	b.Grow(n * 48)
	fmt.Fprintf(&b, "version: 1\nname: exec-true\nconcurrency: {max: %d}\ntasks:\n", maxConc)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  %s:\n    type: exec\n    with: {argv: [\"true\"]}\n", ID(i, n))
	}
	return b.Bytes()
}
