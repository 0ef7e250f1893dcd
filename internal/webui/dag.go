package webui

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/dominikbraun/graph"
)

// Drawing sizes of the DAG, in SVG user units.
const (
	dagNodeW  = 184
	dagNodeH  = 34
	dagColW   = 236
	dagRowH   = 48
	dagMargin = 12
	// dagLabel is how many characters of a task id fit in a node; the
	// full id is in the node's tooltip.
	dagLabel = 24
	// maxDrawnTasks is the largest run drawn task by task. A larger run is
	// drawn collapsed, one box per layer with its status counts, so that
	// the page stays light however big the run (the task table pages).
	maxDrawnTasks = 1500
	// sweeps is how many barycenter passes order each layer to shorten
	// crossing edges; more passes gain little on pipeline-shaped graphs.
	sweeps = 2
)

// dagTask is a task as the layout needs it.
type dagTask struct {
	ID     string
	Status string
	Deps   []string
}

// dagNode is a drawn box.
type dagNode struct {
	ID     string
	Label  string
	Title  string
	Status string
	Href   string
	X, Y   int
	// Layer is the node's column; Detail the second line of a collapsed
	// layer's box.
	Layer  int
	Detail string
}

// dagEdge is a drawn arrow, as an SVG path.
type dagEdge struct {
	Path   string
	Failed bool
}

// dagView is a laid-out DAG, ready for the template.
type dagView struct {
	Nodes     []dagNode
	Edges     []dagEdge
	W, H      int
	Collapsed bool
	Layers    int
	NodeW     int
	NodeH     int
}

// layoutDAG lays tasks out in layers, left to right: each task one column
// right of its furthest dependency (the longest-path layering), ordered in
// its column by the mean position of its neighbours to keep edges short.
// Dependencies on ids that are not tasks are ignored. href makes a node's
// link. A graph with a cycle gives an error.
func layoutDAG(tasks []dagTask, href func(id string) string) (*dagView, error) {
	g := graph.New(graph.StringHash, graph.Directed())
	index := make(map[string]int, len(tasks))
	for i, t := range tasks {
		if _, dup := index[t.ID]; dup {
			continue
		}
		index[t.ID] = i
		if err := g.AddVertex(t.ID); err != nil {
			return nil, fmt.Errorf("dag: task %q: %w", t.ID, err)
		}
	}
	for _, t := range tasks {
		for _, d := range t.Deps {
			if _, ok := index[d]; !ok || d == t.ID {
				continue
			}
			if err := g.AddEdge(d, t.ID); err != nil && !errors.Is(err, graph.ErrEdgeAlreadyExists) {
				return nil, fmt.Errorf("dag: edge %q -> %q: %w", d, t.ID, err)
			}
		}
	}
	preds, err := g.PredecessorMap()
	if err != nil {
		return nil, fmt.Errorf("dag: %w", err)
	}
	succs, err := g.AdjacencyMap()
	if err != nil {
		return nil, fmt.Errorf("dag: %w", err)
	}
	layer, depth, err := longestPathLayers(tasks, index, preds, succs)
	if err != nil {
		return nil, err
	}
	cols := make([][]string, depth)
	for i, t := range tasks {
		if index[t.ID] == i { // a duplicated id is placed once
			cols[layer[t.ID]] = append(cols[layer[t.ID]], t.ID)
		}
	}
	pos := make(map[string]float64, len(index))
	place := func(col []string) {
		for i, v := range col {
			pos[v] = float64(i) - float64(len(col)-1)/2
		}
	}
	for _, c := range cols {
		place(c)
	}
	reorder := func(c []string, nbrs map[string]map[string]graph.Edge[string]) {
		bary := make(map[string]float64, len(c))
		for _, v := range c {
			sum, n := 0.0, 0
			for w := range nbrs[v] {
				sum += pos[w]
				n++
			}
			if n == 0 {
				bary[v] = pos[v]
				continue
			}
			bary[v] = sum / float64(n)
		}
		slices.SortStableFunc(c, func(a, b string) int {
			return cmp.Or(cmp.Compare(bary[a], bary[b]), cmp.Compare(index[a], index[b]))
		})
		place(c)
	}
	if len(tasks) > maxDrawnTasks {
		return collapsedDAG(tasks, cols, index), nil
	}
	for range sweeps {
		for l := 1; l < depth; l++ {
			reorder(cols[l], preds)
		}
		for l := depth - 2; l >= 0; l-- {
			reorder(cols[l], succs)
		}
	}
	rows := 0
	for _, c := range cols {
		rows = max(rows, len(c))
	}
	v := &dagView{Layers: depth, NodeW: dagNodeW, NodeH: dagNodeH,
		W: 2*dagMargin + max(depth-1, 0)*dagColW + dagNodeW, H: 2*dagMargin + max(rows-1, 0)*dagRowH + dagNodeH}
	at := make(map[string][2]int, len(index))
	for l, c := range cols {
		top := dagMargin + (rows-len(c))*dagRowH/2
		for i, id := range c {
			t := tasks[index[id]]
			x, y := dagMargin+l*dagColW, top+i*dagRowH
			at[id] = [2]int{x, y}
			v.Nodes = append(v.Nodes, dagNode{ID: id, Label: shorten(id, dagLabel), Title: id + " — " + t.Status,
				Status: t.Status, Href: href(id), X: x, Y: y, Layer: l})
		}
	}
	for _, t := range tasks {
		to, ok := at[t.ID]
		if !ok {
			continue
		}
		for d := range preds[t.ID] {
			from := at[d]
			v.Edges = append(v.Edges, dagEdge{Path: edgePath(from, to), Failed: tasks[index[d]].Status == "failed"})
		}
	}
	// Map order made the edges' order random; a stable order keeps the
	// page byte-identical between loads.
	slices.SortFunc(v.Edges, func(a, b dagEdge) int { return cmp.Compare(a.Path, b.Path) })
	return v, nil
}

// longestPathLayers puts each task one layer right of its furthest
// dependency, walking the graph in topological order (Kahn's algorithm,
// ready tasks in file order). graph.TopologicalSort would do the walk, but
// it grows quadratically: 10,000 tasks took tens of seconds.
func longestPathLayers(tasks []dagTask, index map[string]int, preds, succs map[string]map[string]graph.Edge[string]) (map[string]int, int, error) {
	indeg := make(map[string]int, len(index))
	var ready []string
	for i, t := range tasks {
		if index[t.ID] != i {
			continue
		}
		indeg[t.ID] = len(preds[t.ID])
		if indeg[t.ID] == 0 {
			ready = append(ready, t.ID)
		}
	}
	layer := make(map[string]int, len(index))
	depth, seen := 0, 0
	for len(ready) > 0 {
		v := ready[0]
		ready = ready[1:]
		seen++
		depth = max(depth, layer[v]+1)
		for w := range succs[v] {
			layer[w] = max(layer[w], layer[v]+1)
			if indeg[w]--; indeg[w] == 0 {
				ready = append(ready, w)
			}
		}
	}
	if seen != len(index) {
		return nil, 0, fmt.Errorf("dag: the tasks' dependencies form a cycle (%d of %d tasks are on or after it)", len(index)-seen, len(index))
	}
	return layer, depth, nil
}

// edgePath draws a curve from the right side of one box to the left side
// of another.
func edgePath(from, to [2]int) string {
	x1, y1 := from[0]+dagNodeW, from[1]+dagNodeH/2
	x2, y2 := to[0], to[1]+dagNodeH/2
	mx := (x1 + x2) / 2
	return "M" + strconv.Itoa(x1) + " " + strconv.Itoa(y1) + " C" + strconv.Itoa(mx) + " " + strconv.Itoa(y1) + " " +
		strconv.Itoa(mx) + " " + strconv.Itoa(y2) + " " + strconv.Itoa(x2-4) + " " + strconv.Itoa(y2)
}

// statusRank orders statuses by how much a reader needs to see them: a
// collapsed layer takes the colour of its most urgent task.
var statusRank = map[string]int{"failed": 6, "running": 5, "retrying": 5, "cancelled": 4, "pending": 3, "skipped": 2, "succeeded": 1}

// collapsedDAG draws one box per layer, with its tasks' status counts.
func collapsedDAG(tasks []dagTask, cols [][]string, index map[string]int) *dagView {
	v := &dagView{Collapsed: true, Layers: len(cols), NodeW: dagNodeW, NodeH: dagNodeH,
		W: 2*dagMargin + max(len(cols)-1, 0)*dagColW + dagNodeW, H: 2*dagMargin + dagNodeH + 18}
	var prev [2]int
	for l, c := range cols {
		counts := map[string]int{}
		worst := ""
		for _, id := range c {
			s := tasks[index[id]].Status
			counts[s]++
			if statusRank[s] > statusRank[worst] {
				worst = s
			}
		}
		detail := ""
		for _, s := range []string{"failed", "running", "retrying", "pending", "cancelled", "skipped", "succeeded"} {
			if counts[s] > 0 {
				if detail != "" {
					detail += ", "
				}
				detail += strconv.Itoa(counts[s]) + " " + s
			}
		}
		at := [2]int{dagMargin + l*dagColW, dagMargin}
		v.Nodes = append(v.Nodes, dagNode{ID: "layer-" + strconv.Itoa(l), Label: fmt.Sprintf("Layer %d · %d tasks", l+1, len(c)),
			Title: detail, Status: worst, Href: "#tasks", X: at[0], Y: at[1], Layer: l, Detail: detail})
		if l > 0 {
			v.Edges = append(v.Edges, dagEdge{Path: edgePath(prev, at)})
		}
		prev = at
	}
	return v
}

// shorten cuts s to n characters, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
