package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	"log/slog"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/runstate"
)

// Attribute names the engine and task types agree on.
const (
	// OutputAttr names, in Result.Attrs, the file (relative to the run
	// directory) where a task kept its output.
	OutputAttr = "output"
	// ReusedFromAttr is set on a task that a resumed run did not execute
	// because it reused the task's result from the run it names.
	ReusedFromAttr = "reused_from"
	// DiscardOutputsAttr lists upstream tasks whose kept outputs must not
	// outlive the task that sets it (the raw personal data a compliance
	// task has masked). The task removes the local copies itself; an
	// engine that keeps outputs elsewhere (the artifact store) deletes
	// its copies once the task succeeded, and a resume does not reuse
	// those tasks.
	DiscardOutputsAttr = "discard_outputs"
)

// DiscardOutputs returns the task ids of attrs' DiscardOutputsAttr, as a
// task set it ([]string) or as it reads back from JSON ([]any).
func DiscardOutputs(attrs map[string]any) []string {
	switch v := attrs[DiscardOutputsAttr].(type) {
	case []string:
		return v
	case []any:
		ids := make([]string, 0, len(v))
		for _, id := range v {
			if s, ok := id.(string); ok {
				ids = append(ids, s)
			}
		}
		return ids
	}
	return nil
}

// ResumeFile is written into the directory of a resumed run; it names the
// run it resumed and the tasks it reused.
const ResumeFile = runstate.ResumeFile

// OutputLoader is implemented by prepared tasks (the Task a Type's Prepare
// returns) whose output is kept in the run directory. A resumed run calls
// LoadOutput instead of Run for such a task when its definition is
// unchanged, and hands the result to the tasks downstream.
//
// env is the environment of the new run (env.RunDir is the new run's
// directory); prevRunDir is the directory of the run being resumed. An
// error makes the engine run the task normally instead.
type OutputLoader interface {
	LoadOutput(ctx context.Context, env *Env, prevRunDir string) (*Result, error)
}

// Resume tells Run which tasks of an earlier run may be reused.
type Resume struct {
	// FromRunID is the run being resumed; FromRunDir its run directory.
	FromRunID  string
	FromRunDir string
	// Prev holds the earlier run's tasks by id.
	Prev map[string]PrevTask
}

// PrevTask is what a resumed run needs to know of a task of the earlier run.
type PrevTask struct {
	// Succeeded reports whether the task finished successfully.
	Succeeded bool
	// DefinitionHash is the task's hash in that run (see DefinitionHashes).
	DefinitionHash string
}

// ResumeInfo is the content of ResumeFile.
type ResumeInfo struct {
	ResumedFrom string   `json:"resumed_from"`
	Reused      []string `json:"reused"`
}

// ReadResumeInfo reads the ResumeFile of a run directory; ok is false when
// the run was not resumed from another.
func ReadResumeInfo(runDir string) (info ResumeInfo, ok bool, err error) {
	data, err := readFileIfExists(runstate.ResumePath(runDir))
	if err != nil || data == nil {
		return info, false, err
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return info, false, fmt.Errorf("read %s: %w", runstate.ResumePath(runDir), err)
	}
	return info, true, nil
}

// DefinitionHashes returns, for every task of the plan, a hex SHA-256 of
// what determines its result: its type, its rendered options in a canonical
// form (mapping keys sorted, aliases expanded), and the hashes of the tasks
// it depends on. A change anywhere upstream therefore changes the hash of
// every task downstream.
func (p *Plan) DefinitionHashes() map[string]string {
	hashes := make([]string, len(p.nodes))
	out := make(map[string]string, len(p.nodes))
	var b strings.Builder
	for _, i := range p.order {
		n := p.nodes[i]
		b.Reset()
		b.WriteString("type\x00")
		b.WriteString(n.task.Type)
		b.WriteString("\x00with\x00")
		canonicalNode(&b, n.task.With)
		deps := make([]string, len(n.deps))
		for k, d := range n.deps {
			deps[k] = p.nodes[d].task.ID + "=" + hashes[d]
		}
		sort.Strings(deps)
		b.WriteString("\x00deps\x00")
		b.WriteString(strings.Join(deps, "\x00"))
		sum := sha256.Sum256([]byte(b.String()))
		hashes[i] = hex.EncodeToString(sum[:])
		out[n.task.ID] = hashes[i]
	}
	return out
}

// canonicalNode writes a form of n that ignores layout, comments, key order
// and anchors, but keeps scalar tags so that 1 and "1" differ.
func canonicalNode(b *strings.Builder, n *yaml.Node) {
	if n == nil {
		b.WriteString("~")
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			canonicalNode(b, c)
		}
	case yaml.AliasNode:
		canonicalNode(b, n.Alias)
	case yaml.ScalarNode:
		b.WriteString(n.ShortTag())
		b.WriteByte(':')
		b.WriteString(strconvQuote(n.Value))
	case yaml.SequenceNode:
		b.WriteByte('[')
		for _, c := range n.Content {
			canonicalNode(b, c)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case yaml.MappingNode:
		type entry struct{ k, v string }
		entries := make([]entry, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			var kb, vb strings.Builder
			canonicalNode(&kb, n.Content[i])
			canonicalNode(&vb, n.Content[i+1])
			entries = append(entries, entry{kb.String(), vb.String()})
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].k < entries[j].k })
		b.WriteByte('{')
		for _, e := range entries {
			b.WriteString(e.k)
			b.WriteByte('=')
			b.WriteString(e.v)
			b.WriteByte(',')
		}
		b.WriteByte('}')
	}
}

func strconvQuote(s string) string {
	q, _ := json.Marshal(s) // a string always encodes
	return string(q)
}

// resumeState is a run's view of the run it resumes. planned and loader
// are fixed before the loop starts; reused is owned by the loop.
type resumeState struct {
	from    *Resume
	planned []bool // by node index: the task may be reused
	loader  []bool // by node index: its prepared task is an OutputLoader
	reused  []bool // by node index: the task was reused in this run
	// load is set by the loop before it starts an attempt that should load
	// the previous output, and read by that attempt's goroutine.
	load  []bool
	queue fifo // reused tasks whose dependents still have to be released
	busy  bool
}

// Refresher is implemented by a task that may be asked to run again in a
// resumed run although its earlier result could be reused: it reads
// something that changes outside the spec (files, a CRM) and was told to
// read it afresh. Refresh reports whether it was; the tasks downstream of
// it then run again too.
type Refresher interface {
	Refresh() bool
}

// planReuse decides which selected tasks a resumed run may reuse: those that
// succeeded before with the same definition hash, whose dependencies are all
// reused too, and whose output is either reloadable or read by no task that
// runs again. It writes ResumeFile into the run directory.
func (r *run) planReuse() error {
	from := r.opts.Resume
	if from == nil {
		return nil
	}
	p := r.plan
	hashes := p.DefinitionHashes()
	rs := &resumeState{
		from:    from,
		planned: make([]bool, len(p.nodes)),
		loader:  make([]bool, len(p.nodes)),
		reused:  make([]bool, len(p.nodes)),
		load:    make([]bool, len(p.nodes)),
	}
	for _, i := range p.order {
		n := p.nodes[i]
		if r.st[i].rec < 0 {
			continue
		}
		_, rs.loader[i] = n.prepared.(OutputLoader)
		if f, ok := n.prepared.(Refresher); ok && f.Refresh() {
			continue
		}
		prev, ok := from.Prev[n.task.ID]
		if !ok || !prev.Succeeded || prev.DefinitionHash != hashes[n.task.ID] {
			continue
		}
		rs.planned[i] = true
		for _, d := range n.deps {
			if r.st[d].rec >= 0 && !rs.planned[d] {
				rs.planned[i] = false
				break
			}
		}
	}
	// A reused task without a loader has no output to hand on, so every
	// task reading its output must be reused as well. Demoting a task
	// demotes everything downstream of it, which can in turn demote other
	// producers; repeat until nothing changes.
	for changed := true; changed; {
		changed = false
		for _, i := range p.order {
			if !rs.planned[i] || rs.loader[i] || !r.readByRerun(rs, i) {
				continue
			}
			r.demote(rs, i)
			changed = true
		}
	}
	// Loading an output nobody will read is wasted work: such a task is
	// reused as done.
	for _, i := range p.order {
		if rs.planned[i] && rs.loader[i] && !r.readByRerun(rs, i) {
			rs.loader[i] = false
		}
	}
	r.resume = rs
	info := ResumeInfo{ResumedFrom: from.FromRunID, Reused: []string{}}
	for _, i := range r.sel {
		if rs.planned[i] {
			info.Reused = append(info.Reused, p.nodes[i].task.ID)
		}
	}
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", ResumeFile, err)
	}
	return atomicfile.WriteFile(runstate.ResumePath(r.runDir), append(data, '\n'))
}

// readByRerun reports whether a selected task that will run again reads the
// output of task i through input:/inputs:.
func (r *run) readByRerun(rs *resumeState, i int) bool {
	id := r.plan.nodes[i].task.ID
	for _, d := range r.plan.nodes[i].dependents {
		if r.st[d].rec < 0 || rs.planned[d] {
			continue
		}
		for _, in := range r.plan.nodes[d].task.Inputs {
			if in.ID == id {
				return true
			}
		}
	}
	return false
}

// demote makes task i and everything downstream of it run again.
func (r *run) demote(rs *resumeState, i int) {
	stack := []int{i}
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !rs.planned[j] {
			continue
		}
		rs.planned[j] = false
		stack = append(stack, r.plan.nodes[j].dependents...)
	}
}

// tryReuse handles a task that has become runnable in a resumed run. A task
// planned for reuse whose dependencies were all reused is either finished at
// once (no loader) or started as an attempt that loads its previous output
// . It reports whether it took the task; a task to load is left to
// the caller to start.
func (r *run) tryReuse(i int) bool {
	rs := r.resume
	if rs == nil || !rs.planned[i] || r.st[i].attempt > 0 {
		return false // a retry runs the task: loading already failed
	}
	for _, d := range r.plan.nodes[i].deps {
		if r.st[d].rec >= 0 && !rs.reused[d] {
			return false // an upstream task ran again after all
		}
	}
	if rs.loader[i] {
		// Loading goes through the normal path (key slot, global slot);
		// the attempt sees load[i] and loads instead of running.
		rs.load[i] = true
		return false
	}
	rs.queue.push(i)
	if rs.busy {
		return true
	}
	// Finishing a task releases its dependents, which may be reused in
	// turn; a queue rather than recursion keeps long chains flat.
	rs.busy = true
	for rs.queue.len() > 0 {
		r.reuseDone(rs.queue.pop())
	}
	rs.busy = false
	return true
}

// reuseDone records task i as reused without running it and releases its
// dependents.
func (r *run) reuseDone(i int) {
	tr := &r.rec.Tasks[r.st[i].rec]
	r.markReused(i, tr)
	r.final(i, StatusSucceeded, "", "", r.now())
	r.releaseDependents(i)
}

// markReused notes on the record that task i was reused.
func (r *run) markReused(i int, tr *TaskRecord) {
	rs := r.resume
	rs.reused[i] = true
	r.st[i].attempt = 0
	tr.Attempts = 0
	attrs := make(map[string]any, len(tr.Attrs)+1)
	for k, v := range tr.Attrs {
		attrs[k] = v
	}
	attrs[ReusedFromAttr] = rs.from.FromRunID
	tr.Attrs = attrs
	r.dirty = true
}

// releaseDependents counts task i as done for each of its dependents and
// enqueues those that became runnable.
func (r *run) releaseDependents(i int) {
	for _, d := range r.plan.nodes[i].dependents {
		ds := &r.st[d]
		if ds.rec < 0 {
			continue
		}
		ds.waiting--
		if ds.waiting == 0 && ds.status == StatusPending && !r.stopping {
			r.enqueue(d)
		}
	}
}

// runOrReuse is the body of an attempt: it loads the previous output when
// the loop asked for it (falling back to running the task when that fails),
// or takes the shared slots and runs the task.
func (r *run) runOrReuse(ctx context.Context, i int, n *node, env *Env, logger *slog.Logger) (res *Result, reused bool, err error) {
	if rs := r.resume; rs != nil && rs.load[i] {
		ld := n.prepared.(OutputLoader)
		res, err := ld.LoadOutput(ctx, env, rs.from.FromRunDir)
		if err == nil {
			logger.Info("output reused", "from_run", rs.from.FromRunID)
			return res, true, nil
		}
		logger.Warn("previous output not reusable, running the task", "from_run", rs.from.FromRunID, "error", r.red.String(err.Error()))
	}
	if err := r.reloadInputs(ctx, env, r.reload[i], env.inputs, logger); err != nil {
		return nil, false, err
	}
	release, err := r.acquireShared(n)
	if err != nil {
		return nil, false, err
	}
	defer release()
	res, err = safeRun(ctx, n.prepared, env, logger)
	return res, false, err
}

// Slots lets the tasks of several runs, in one process or many, share
// concurrency limits. Run takes a slot of a task's concurrency key (with
// the spec's limit for it) and then one of the pool named GlobalSlot (limit
// 0: the implementation applies its own) around every attempt, on top of
// the run's own limits. Acquire blocks until the slot is held or ctx is
// done; release must be called exactly once.
type Slots interface {
	Acquire(ctx context.Context, key string, limit int) (release func(), err error)
}

// GlobalSlot is the key of the pool shared by every task when
// RunOptions.Slots is set.
const GlobalSlot = ""

// acquireShared takes the shared slots of task n's attempt. It waits on
// the run's context, not the attempt's, so that waiting for a slot does not
// count against the task's timeout.
func (r *run) acquireShared(n *node) (func(), error) {
	s := r.opts.Slots
	if s == nil {
		return func() {}, nil
	}
	var releases []func()
	releaseAll := func() {
		for k := len(releases) - 1; k >= 0; k-- {
			releases[k]()
		}
	}
	if key := n.task.ConcurrencyKey; key != "" {
		rel, err := s.Acquire(r.runCtx, key, r.limitOf(key))
		if err != nil {
			return nil, fmt.Errorf("wait for a slot of concurrency key %s: %w", key, err)
		}
		releases = append(releases, rel)
	}
	rel, err := s.Acquire(r.runCtx, GlobalSlot, 0)
	if err != nil {
		releaseAll()
		return nil, fmt.Errorf("wait for a global slot: %w", err)
	}
	releases = append(releases, rel)
	return releaseAll, nil
}

// readFileIfExists returns nil, nil when path does not exist.
func readFileIfExists(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}
