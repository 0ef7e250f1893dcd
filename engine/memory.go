package engine

import (
	"container/heap"
	"context"
	"fmt"
	"log/slog"
	"runtime"
)

// Sizer is implemented by task outputs that know how much memory they hold
// (a table). The scheduler adds up the sizes of the outputs it holds for
// downstream tasks to keep a run under its memory budget; an output that
// is not a Sizer counts as nothing.
type Sizer interface {
	// MemSize is an estimate, in bytes, of the memory the value holds.
	MemSize() int64
}

// sizeOf is the memory estimate of a task's output.
func sizeOf(res *Result) int64 {
	if res == nil {
		return 0
	}
	if s, ok := res.Output.(Sizer); ok {
		return max(s.MemSize(), 0)
	}
	return 0
}

// readyQueue orders runnable tasks depth first: the task furthest from the
// roots goes first, ties in the order they became runnable. Finishing what
// reads the outputs already held before starting a new producer is what
// keeps a run's memory to what its running tasks need: five read→write
// chains run read, write, read, write... and hold one table at a time,
// where breadth-first order would hold all five.
type readyQueue struct {
	items []readyItem
	seq   int
	depth []int // by node index
}

type readyItem struct {
	idx, depth, seq int
}

func (q *readyQueue) Len() int { return len(q.items) }
func (q *readyQueue) Less(a, b int) bool {
	x, y := q.items[a], q.items[b]
	if x.depth != y.depth {
		return x.depth > y.depth
	}
	return x.seq < y.seq
}
func (q *readyQueue) Swap(a, b int) { q.items[a], q.items[b] = q.items[b], q.items[a] }
func (q *readyQueue) Push(x any)    { q.items = append(q.items, x.(readyItem)) }
func (q *readyQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}

// push makes task i runnable.
func (q *readyQueue) push(i int) {
	q.seq++
	heap.Push(q, readyItem{idx: i, depth: q.depth[i], seq: q.seq})
}

// pushItem puts back an item popped earlier, keeping its place in line.
func (q *readyQueue) pushItem(it readyItem) { heap.Push(q, it) }

// popItem takes the first task in line.
func (q *readyQueue) popItem() readyItem { return heap.Pop(q).(readyItem) }

// len is the number of runnable tasks.
func (q *readyQueue) len() int { return len(q.items) }

// clear drops every runnable task.
func (q *readyQueue) clear() { q.items = q.items[:0] }

// depths returns, by node index, the length of the longest path from a
// root to each node.
func (p *Plan) depths() []int {
	d := make([]int, len(p.nodes))
	for _, i := range p.order {
		for _, dep := range p.nodes[i].deps {
			d[i] = max(d[i], d[dep]+1)
		}
	}
	return d
}

// need is the memory task i is expected to take while it runs: what it
// declares (memory:), else as much as the outputs it reads, since a task
// that transforms tables usually makes an output about the size of its
// inputs. Inputs that were released and will be reloaded count too.
func (r *run) need(i int) int64 {
	if m := r.plan.nodes[i].task.Memory; m > 0 {
		return m
	}
	var n int64
	for _, d := range r.plan.nodes[i].deps {
		n += r.st[d].size
	}
	return n
}

// fits reports whether task i may start now under the memory budget. A
// task always starts when nothing else runs, so a task larger than the
// whole budget runs alone rather than never; nothing starts beside it.
func (r *run) fits(i int, need int64) bool {
	if r.budget <= 0 || r.running == 0 {
		return true
	}
	if r.alone >= 0 {
		return false
	}
	return r.held+r.runningNeed+need <= r.budget
}

// hold keeps task i's output for its dependents and counts its memory.
func (r *run) hold(i int, res *Result, size int64) {
	st := &r.st[i]
	st.result = res
	st.size = size
	st.released = false
	r.held += size
}

// drop lets go of task i's output; released says it may be reloaded from
// what the task kept (a consumer that starts later reads it again).
func (r *run) drop(i int, released bool) {
	st := &r.st[i]
	if st.result == nil {
		return
	}
	st.result = nil
	st.released = released
	r.held -= st.size
	if st.size >= collectAfter {
		// The collector sets its next goal from the heap it found live at
		// its last cycle, which still held this output: without a cycle
		// now, the next task could grow the heap to twice that before the
		// output's memory is reused. In the background, so the loop does
		// not wait for the mark.
		go runtime.GC()
	}
}

// collectAfter is the output size from which letting go of an output
// starts a garbage collection: large enough that the cycle costs little
// next to the work that made the output.
const collectAfter = 64 << 20

// releaseWhileRetrying lets go of the outputs task i reads when every
// task still to read them is waiting out a retry backoff: the backoff may
// last minutes, and the output can be reloaded from where its producer
// kept it when the retry starts. Outputs of producers that cannot reload
// them (not an OutputLoader) stay.
func (r *run) releaseWhileRetrying(i int) {
	for _, d := range r.plan.nodes[i].deps {
		ds := &r.st[d]
		if ds.result == nil {
			continue
		}
		if _, ok := r.plan.nodes[d].prepared.(OutputLoader); !ok {
			continue
		}
		busy := false
		for _, c := range r.plan.nodes[d].dependents {
			cs := &r.st[c]
			if cs.rec >= 0 && !cs.status.Terminal() && cs.retryTimer == nil {
				busy = true
				break
			}
		}
		if !busy {
			r.log.Debug("output released until a retry needs it", "task", r.plan.nodes[d].task.ID)
			r.drop(d, true)
		}
	}
}

// inputsOf gathers the outputs task i reads; toLoad lists the
// dependencies whose output was released and must be reloaded from what
// they kept in this run's directory.
func (r *run) inputsOf(i int) (inputs map[string]*Result, toLoad []int) {
	n := r.plan.nodes[i]
	if len(n.deps) == 0 {
		return nil, nil
	}
	inputs = make(map[string]*Result, len(n.deps))
	for _, d := range n.deps {
		ds := &r.st[d]
		if ds.result == nil && ds.released {
			toLoad = append(toLoad, d)
			continue
		}
		inputs[r.plan.nodes[d].task.ID] = ds.result
	}
	return inputs, toLoad
}

// reloadInputs reads the outputs of the dependencies in toLoad back from this
// run's directory into inputs, for one attempt only: they are not held
// again for other tasks.
func (r *run) reloadInputs(ctx context.Context, env *Env, toLoad []int, inputs map[string]*Result, logger *slog.Logger) error {
	for _, d := range toLoad {
		dn := r.plan.nodes[d]
		ld := dn.prepared.(OutputLoader) // only loaders are released
		denv := *env
		denv.TaskID = dn.task.ID
		res, err := ld.LoadOutput(ctx, &denv, r.runDir)
		if err != nil {
			return fmt.Errorf("reload the output of %s kept in %s: %w (run it again, e.g. without --resume)", dn.task.ID, r.runDir, err)
		}
		logger.Info("input reloaded", "from_task", dn.task.ID)
		inputs[dn.task.ID] = res
	}
	return nil
}
