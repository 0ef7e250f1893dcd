package blocking

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Unit is a share of the pair generation small enough to balance across
// goroutines: a run of whole blocks of one rule, or a range of outer
// positions of one large block.
type Unit struct {
	rule   int32
	b0, b1 int32 // blocks [b0, b1)
	lo, hi int32 // outer positions within block b0 when split
	split  bool
	pairs  int64 // candidate pairs before removing those of earlier rules
}

// Pairs returns the number of candidate pairs the unit's blocks hold, an
// upper bound on the pairs it yields (pairs of earlier rules are skipped).
// The units' counts add up to Blocker.UpperBound.
func (u Unit) Pairs() int64 { return u.pairs }

// BatchSize is the number of pairs handed to a consumer at a time.
const BatchSize = 2048

// Units splits the work of all rules into units of roughly equal pair
// counts, enough of them to keep workers goroutines busy. The split depends
// only on the data and workers, so results gathered per unit come out in
// the same order on every run with the same worker count.
func (b *Blocker) Units(workers int) []Unit {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	target := b.UpperBound() / int64(workers*64)
	target = max(target, 1<<14)
	target = min(target, 1<<20)
	var units []Unit
	for k := range b.rules {
		r := &b.rules[k]
		nb := int32(len(r.starts) - 1)
		var acc int64
		start := int32(0)
		for blk := int32(0); blk < nb; blk++ {
			block := r.order[r.starts[blk]:r.starts[blk+1]]
			pairs := b.blockPairs(block)
			if pairs > target {
				if blk > start {
					units = append(units, Unit{rule: int32(k), b0: start, b1: blk, pairs: acc})
				}
				units = b.splitBlock(units, int32(k), blk, block, target)
				start, acc = blk+1, 0
				continue
			}
			acc += pairs
			if acc >= target {
				units = append(units, Unit{rule: int32(k), b0: start, b1: blk + 1, pairs: acc})
				start, acc = blk+1, 0
			}
		}
		if start < nb {
			units = append(units, Unit{rule: int32(k), b0: start, b1: nb, pairs: acc})
		}
	}
	return units
}

// splitBlock cuts one large block into ranges of outer positions; outer
// position p pairs with the positions after it.
func (b *Blocker) splitBlock(units []Unit, rule, blk int32, block []int32, target int64) []Unit {
	k := int32(len(block))
	src := b.recs.Sources()
	var acc, pairs int64
	lo, runEnd := int32(0), int32(0)
	for p := int32(0); p < k; p++ {
		acc += int64(k - p - 1)
		if !b.linkOnly {
			pairs += int64(k - p - 1)
		} else {
			// Only positions past the end of p's input run pair with it,
			// as in scanUnit; the split itself stays by acc.
			if runEnd <= p {
				for runEnd = p; runEnd < k && src[block[runEnd]] == src[block[p]]; runEnd++ {
				}
			}
			pairs += int64(k - runEnd)
		}
		if acc >= target || p == k-1 {
			units = append(units, Unit{rule: rule, b0: blk, b1: blk + 1, lo: lo, hi: p + 1, split: true, pairs: pairs})
			lo, acc, pairs = p+1, 0, 0
		}
	}
	return units
}

// Scan generates every candidate pair of units with workers goroutines.
// consume is called once per goroutine (with its index) and returns the
// function that receives that goroutine's batches, each tagged with the
// index of the unit it belongs to. A unit is processed by one goroutine
// only, so per-unit state needs no locking. The batch slice is reused after
// the call returns.
func (b *Blocker) Scan(ctx context.Context, workers int, units []Unit, consume func(worker int) func(unit int, batch []Pair)) error {
	return b.ScanCounting(ctx, workers, units, nil, consume)
}

// ScanCounting is Scan that adds each finished unit's Pairs to done, so that
// another goroutine can show how far the scan is (done of UpperBound).
func (b *Blocker) ScanCounting(ctx context.Context, workers int, units []Unit, done *atomic.Int64, consume func(worker int) func(unit int, batch []Pair)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		fn := consume(w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]Pair, 0, BatchSize)
			for ctx.Err() == nil {
				u := int(next.Add(1) - 1)
				if u >= len(units) {
					return
				}
				buf = b.scanUnit(units[u], buf, func(batch []Pair) { fn(u, batch) })
				if done != nil {
					done.Add(units[u].pairs)
				}
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

func (b *Blocker) scanUnit(u Unit, buf []Pair, flush func([]Pair)) []Pair {
	r := &b.rules[u.rule]
	earlier := b.rules[:u.rule]
	src := b.recs.Sources()
	buf = buf[:0]
	for blk := u.b0; blk < u.b1; blk++ {
		block := r.order[r.starts[blk]:r.starts[blk+1]]
		lo, hi := int32(0), int32(len(block))
		if u.split {
			lo, hi = u.lo, u.hi
		}
		runEnd := lo
		for p := lo; p < hi; p++ {
			i := block[p]
			q0 := p + 1
			if b.linkOnly {
				// Records of one input are contiguous in a block: pair only
				// with positions past the end of i's input run.
				if runEnd <= p {
					runEnd = p
					for runEnd < int32(len(block)) && src[block[runEnd]] == src[i] {
						runEnd++
					}
				}
				q0 = runEnd
			}
		pairs:
			for _, j := range block[q0:] {
				for e := range earlier {
					c := earlier[e].codes[i]
					if c >= 0 && c == earlier[e].codes[j] {
						continue pairs
					}
				}
				buf = append(buf, Pair{I: i, J: j, Rule: u.rule})
				if len(buf) == cap(buf) {
					flush(buf)
					buf = buf[:0]
				}
			}
		}
	}
	if len(buf) > 0 {
		flush(buf)
	}
	return buf[:0]
}
