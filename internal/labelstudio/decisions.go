package labelstudio

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotpass/hotpass/internal/filelock"
	"github.com/hotpass/hotpass/internal/linkage/cluster"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// DecisionsFile is the conventional name of the reviewer decisions file.
const DecisionsFile = "linkage_reviewer_decisions.jsonl"

// Verdict is a reviewer's answer for a pair.
type Verdict string

// The verdicts, which are also the labelling config's choice values.
const (
	Match    Verdict = "match"
	NonMatch Verdict = "non_match"
	Unsure   Verdict = "unsure"
)

func (v Verdict) valid() bool { return v == Match || v == NonMatch || v == Unsure }

// Decision is one reviewer annotation of a pair: one line of the decisions
// file.
type Decision struct {
	AnnotationID string    `json:"annotation_id"`
	PairID       string    `json:"pair_id"`
	Left         RecordRef `json:"left"`
	Right        RecordRef `json:"right"`
	Decision     Verdict   `json:"decision"`
	Reviewer     string    `json:"reviewer"`
	// Timestamp is when the annotation was last updated in Label Studio.
	Timestamp time.Time `json:"timestamp"`
	ProjectID int64     `json:"project_id,omitempty"`
	TaskID    int64     `json:"task_id,omitempty"`
}

// check reports what is wrong with a decision read from the file.
func (d *Decision) check() error {
	switch {
	case d.AnnotationID == "":
		return errors.New("annotation_id is empty")
	case d.Left.ID == "" || d.Right.ID == "":
		return errors.New("left.id or right.id is empty")
	case !d.Decision.valid():
		return fmt.Errorf("decision %q is not match, non_match or unsure", d.Decision)
	}
	return nil
}

// PullDecisions reads the completed annotations of the project's review
// tasks. Cancelled (skipped) annotations, tasks that are not review pairs
// and annotations without a known choice are left out, with a warning for
// the latter.
func (c *Client) PullDecisions(ctx context.Context, projectID int64) ([]Decision, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	p, err := c.project(ctx, projectID)
	if err != nil {
		return nil, err
	}
	tasks, err := c.listTasks(ctx, projectID, true)
	if err != nil {
		return nil, err
	}
	c.warnFiltered(p, len(tasks))
	var out []Decision
	for _, t := range tasks {
		var d TaskData
		if err := json.Unmarshal(t.Data, &d); err != nil || d.PairID == "" {
			continue
		}
		for _, a := range t.Annotations {
			if a.WasCancelled {
				continue
			}
			v, ok := verdictOf(a.Result)
			if !ok {
				c.log.Warn("label studio: annotation has no match/non_match/unsure choice; ignored",
					"project", projectID, "task", t.ID, "annotation", string(a.ID))
				continue
			}
			ts := a.UpdatedAt
			if ts == "" {
				ts = a.CreatedAt
			}
			when, _ := time.Parse(time.RFC3339Nano, ts)
			out = append(out, Decision{
				AnnotationID: string(a.ID), PairID: d.PairID,
				Left:     RecordRef{Source: d.LeftSource, ID: d.LeftID},
				Right:    RecordRef{Source: d.RightSource, ID: d.RightID},
				Decision: v, Reviewer: c.reviewer(ctx, a.CompletedBy), Timestamp: when.UTC(),
				ProjectID: projectID, TaskID: t.ID,
			})
		}
	}
	return out, nil
}

// reviewer names who made an annotation: the task format gives a user id,
// which is looked up (GET /api/users/{id}/) for the user's e-mail. A user
// the token may not see keeps the id. Lookups are remembered per client.
func (c *Client) reviewer(ctx context.Context, r Reviewer) string {
	id, ok := strings.CutPrefix(string(r), userPrefix)
	if !ok {
		return string(r)
	}
	if _, err := strconv.ParseUint(id, 10, 63); err != nil {
		return string(r)
	}
	c.stateMu.Lock()
	name, ok := c.users[id]
	c.stateMu.Unlock()
	if ok {
		return name
	}
	var u struct {
		Email    string `json:"email"`
		Username string `json:"username"`
	}
	name = string(r)
	if err := c.do(ctx, http.MethodGet, "/api/users/"+id+"/", nil, nil, &u); err != nil {
		c.log.Debug("label studio: reviewer kept as a user id", "user", id, "reason", err.Error())
	} else if u.Email != "" {
		name = u.Email
	} else if u.Username != "" {
		name = u.Username
	}
	c.stateMu.Lock()
	c.users[id] = name
	c.stateMu.Unlock()
	return name
}

// verdictOf finds the decision choice in an annotation result.
func verdictOf(result []ResultRegion) (Verdict, bool) {
	for _, r := range result {
		if r.Type != "choices" || (r.FromName != ChoiceName && r.FromName != "") {
			continue
		}
		for _, ch := range r.Value.Choices {
			v := Verdict(strings.ToLower(strings.TrimSpace(ch)))
			if v.valid() {
				return v, true
			}
		}
	}
	return "", false
}

// ReadDecisions reads a decisions file. A missing file holds no decisions.
// A line that is not a valid decision is skipped with a warning naming the
// file and line number, so one bad edit does not lose the rest.
func ReadDecisions(path string, log *slog.Logger) ([]Decision, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read reviewer decisions: %w", err)
	}
	defer f.Close()
	return ParseDecisions(f, path, log)
}

// ParseDecisions reads decisions in the file format from r; name labels
// warnings and errors.
func ParseDecisions(r io.Reader, name string, log *slog.Logger) ([]Decision, error) {
	if log == nil {
		log = slog.Default()
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var out []Decision
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var d Decision
		err := json.Unmarshal(b, &d)
		if err == nil {
			err = d.check()
		}
		if err != nil {
			log.Warn(fmt.Sprintf("%s:%d: skipping corrupt reviewer decision: %v; fix or delete the line", name, line, err),
				"file", name, "line", line)
			continue
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("read reviewer decisions %s: %w", name, err)
	}
	return out, nil
}

// AppendDecisions adds to the decisions file the decisions whose
// annotation id it does not hold yet, and returns how many it added.
// Existing lines are kept byte for byte; the new file is written next to
// the old one and renamed over it, so a crash leaves the old file or the
// new one, never a torn line. Appenders in any process take turns on the
// file's lock (filelock), so that none replaces the file with a copy
// missing another's lines.
func AppendDecisions(path string, ds []Decision, log *slog.Logger) (int, error) {
	unlock, err := filelock.Lock(path)
	if err != nil {
		return 0, fmt.Errorf("append reviewer decisions: %w", err)
	}
	defer unlock()
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("read reviewer decisions: %w", err)
	}
	have, err := ParseDecisions(bytes.NewReader(old), path, log)
	if err != nil {
		return 0, err
	}
	seen := make(map[string]bool, len(have)+len(ds))
	for _, d := range have {
		seen[d.AnnotationID] = true
	}
	var add bytes.Buffer
	n := 0
	for _, d := range ds {
		if err := d.check(); err != nil {
			return 0, fmt.Errorf("reviewer decision for pair %s: %w", d.PairID, err)
		}
		if seen[d.AnnotationID] {
			continue
		}
		seen[d.AnnotationID] = true
		b, err := json.Marshal(d)
		if err != nil {
			return 0, fmt.Errorf("encode reviewer decision %s: %w", d.AnnotationID, err)
		}
		add.Write(b)
		add.WriteByte('\n')
		n++
	}
	if n == 0 {
		return 0, nil
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Abort()
	f.Write(old)
	if len(old) > 0 && old[len(old)-1] != '\n' {
		// The last old line was cut short; end it so the new lines stay
		// readable (the cut line is reported as corrupt on reading).
		f.Write([]byte{'\n'})
	}
	f.Write(add.Bytes())
	if err := f.Commit(); err != nil {
		return 0, fmt.Errorf("append reviewer decisions: %w", err)
	}
	return n, nil
}

// RecordPair is a pair of records a constraint applies to.
type RecordPair struct {
	A, B RecordRef
}

// Constraints turns decisions into clustering constraints: match becomes
// must-link, non_match cannot-link, unsure nothing. When a pair has several
// decisions the latest (by timestamp, then by order in ds) wins, so a
// reviewer can correct an earlier answer. Pairs come out sorted by pair id.
func Constraints(ds []Decision) (mustLink, cannotLink []RecordPair) {
	byPair := map[string]Decision{}
	for _, d := range ds {
		id := d.PairID
		if id == "" {
			id = PairID(d.Left, d.Right)
		}
		if cur, ok := byPair[id]; ok && d.Timestamp.Before(cur.Timestamp) {
			continue
		}
		byPair[id] = d
	}
	ids := make([]string, 0, len(byPair))
	for id := range byPair {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		d := byPair[id]
		switch d.Decision {
		case Match:
			mustLink = append(mustLink, RecordPair{A: d.Left, B: d.Right})
		case NonMatch:
			cannotLink = append(cannotLink, RecordPair{A: d.Left, B: d.Right})
		}
	}
	return mustLink, cannotLink
}

// ClusterConstraints resolves the constraints of ds to record numbers with
// lookup (such as linkage.Linker.Lookup). Decisions about records that are
// no longer in the inputs are skipped and returned as unresolved.
func ClusterConstraints(ds []Decision, lookup func(source, id string) (int32, bool)) (cluster.Constraints, []RecordRef) {
	var cons cluster.Constraints
	var missing []RecordRef
	resolve := func(ps []RecordPair) [][2]int32 {
		var out [][2]int32
		for _, p := range ps {
			a, okA := lookup(p.A.Source, p.A.ID)
			b, okB := lookup(p.B.Source, p.B.ID)
			if !okA {
				missing = append(missing, p.A)
			}
			if !okB {
				missing = append(missing, p.B)
			}
			if okA && okB && a != b {
				out = append(out, [2]int32{min(a, b), max(a, b)})
			}
		}
		return out
	}
	must, cannot := Constraints(ds)
	cons.MustLink = resolve(must)
	cons.CannotLink = resolve(cannot)
	slices.SortFunc(missing, func(x, y RecordRef) int {
		return cmp.Or(cmp.Compare(x.Source, y.Source), cmp.Compare(x.ID, y.ID))
	})
	return cons, slices.Compact(missing)
}
