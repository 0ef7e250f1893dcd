package labelstudio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// RecordRef identifies a record across the inputs of a linkage run: the
// input (source dataset) name and the record's unique id within it.
type RecordRef struct {
	Source string `json:"source"`
	ID     string `json:"id"`
}

// String renders the reference as source/id.
func (r RecordRef) String() string { return r.Source + "/" + r.ID }

// Field is one named value of a record, in display order.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ComparisonLevel is how one comparison scored a pair.
type ComparisonLevel struct {
	Comparison string `json:"comparison"`
	Level      string `json:"level"`
	// BayesFactor is m/u of the level (1 for a null level).
	BayesFactor float64 `json:"bayes_factor"`
}

// ReviewPair is a scored record pair sent to clerical review.
type ReviewPair struct {
	Left, Right             RecordRef
	LeftFields, RightFields []Field
	// Weight is the match weight (log2 posterior odds) and Probability the
	// match probability.
	Weight, Probability float64
	// Levels optionally explain the score, one entry per comparison.
	Levels []ComparisonLevel
	// Rule names the deterministic rule that sent the pair to review;
	// empty when a model scored it.
	Rule string
}

// Thresholds are the probabilities that classified the pair; they are
// shown to the reviewer for context.
type Thresholds struct {
	Match  float64 `json:"match_threshold"`
	Review float64 `json:"review_threshold"`
}

// PairID returns a stable id for the pair of records a and b: the same for
// (a, b) and (b, a) and for every run, so a pair is pushed to review once.
func PairID(a, b RecordRef) string {
	if b.Source < a.Source || (b.Source == a.Source && b.ID < a.ID) {
		a, b = b, a
	}
	h := sha256.New()
	// Length prefixes keep ("a|b", "c") and ("a", "b|c") apart.
	for _, s := range []string{a.Source, a.ID, b.Source, b.ID} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return "pair-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// TaskData is the "data" of a review task. Its field names are what the
// labelling config (LabelingConfig) refers to as $left, $right and $summary.
type TaskData struct {
	PairID      string            `json:"pair_id"`
	LeftSource  string            `json:"left_source"`
	LeftID      string            `json:"left_id"`
	RightSource string            `json:"right_source"`
	RightID     string            `json:"right_id"`
	Left        map[string]string `json:"left"`
	Right       map[string]string `json:"right"`
	// LeftFields and RightFields keep the fields' order, which a JSON
	// object does not promise.
	LeftFields      []string          `json:"left_fields"`
	RightFields     []string          `json:"right_fields"`
	Summary         string            `json:"summary"`
	Probability     float64           `json:"match_probability"`
	Weight          float64           `json:"match_weight"`
	MatchThreshold  float64           `json:"match_threshold"`
	ReviewThreshold float64           `json:"review_threshold"`
	Levels          []ComparisonLevel `json:"comparison_levels,omitempty"`
	Rule            string            `json:"rule,omitempty"`
}

type importTask struct {
	Data TaskData `json:"data"`
}

// NewTaskData builds the task data of a review pair.
func NewTaskData(p ReviewPair, th Thresholds) TaskData {
	d := TaskData{
		PairID:     PairID(p.Left, p.Right),
		LeftSource: p.Left.Source, LeftID: p.Left.ID,
		RightSource: p.Right.Source, RightID: p.Right.ID,
		Left: map[string]string{}, Right: map[string]string{},
		Probability: p.Probability, Weight: p.Weight,
		MatchThreshold: th.Match, ReviewThreshold: th.Review,
		Levels: p.Levels, Rule: p.Rule,
	}
	for _, f := range p.LeftFields {
		d.Left[f.Name] = f.Value
		d.LeftFields = append(d.LeftFields, f.Name)
	}
	for _, f := range p.RightFields {
		d.Right[f.Name] = f.Value
		d.RightFields = append(d.RightFields, f.Name)
	}
	d.Summary = fmt.Sprintf("%s vs %s: match probability %.3f (weight %.2f); match at ≥ %.3f, review at ≥ %.3f",
		p.Left, p.Right, p.Probability, p.Weight, th.Match, th.Review)
	if p.Rule != "" {
		d.Summary += "; rule " + p.Rule
	}
	return d
}

// masked returns p with m applied to both records' fields; the ids and
// scores are the linkage's own and stay.
func (p ReviewPair) masked(m Masker) ReviewPair {
	if m == nil {
		return p
	}
	mask := func(fs []Field) []Field {
		out := make([]Field, len(fs))
		for i, f := range fs {
			out[i] = Field{Name: f.Name, Value: m.Field(f.Name, f.Value)}
		}
		return out
	}
	p.LeftFields, p.RightFields = mask(p.LeftFields), mask(p.RightFields)
	return p
}

// PushResult counts what PushPairs did.
type PushResult struct {
	// Imported tasks are new; Existing pairs were already in the project
	// (or repeated in the input) and were skipped.
	Imported, Existing int
	// ServerCount is the number of tasks Label Studio reported importing
	// (for a background import, once it finished), -1 when it did not say.
	ServerCount int64
}

// PushPairs creates a review task for each pair not already in the
// project. It first checks the project, then lists the project's tasks
// and skips pair ids already present, then imports the rest in batches.
//
// A background import (an edition that answers {"import": id}) is
// followed to its end before the next batch is sent, and its errors are
// returned. An import that times out is not retried (it may have been
// applied); the next push skips whatever it did create. An import that
// fails with a 5xx may also have been committed (a proxy's 504 can
// arrive after Label Studio finished), so before sending it again the
// project's tasks are listed and only the pairs still missing are sent.
func (c *Client) PushPairs(ctx context.Context, projectID int64, pairs []ReviewPair, th Thresholds) (PushResult, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	var res PushResult
	p, err := c.project(ctx, projectID)
	if err != nil {
		return res, err
	}
	if err := c.awaitRunning(ctx, projectID); err != nil {
		return res, err
	}
	seen, err := c.pairIDs(ctx, p)
	if err != nil {
		return res, err
	}
	var todo []importTask
	for _, p := range pairs {
		d := NewTaskData(p.masked(c.cfg.Masker), th)
		if seen[d.PairID] {
			res.Existing++
			continue
		}
		seen[d.PairID] = true
		todo = append(todo, importTask{Data: d})
	}
	for start := 0; start < len(todo); start += c.cfg.ImportBatch {
		batch := todo[start:min(start+c.cfg.ImportBatch, len(todo))]
		if err := c.importBatch(ctx, p, batch, &res); err != nil {
			return res, err
		}
	}
	c.log.Info("label studio: pushed review pairs", "project", projectID, "imported", res.Imported, "already_present", res.Existing)
	return res, nil
}

// pairIDs lists the project's tasks and returns the pair ids among them.
// Tasks that are not review pairs (no pair_id) are left alone.
func (c *Client) pairIDs(ctx context.Context, p *Project) (map[string]bool, error) {
	existing, err := c.listTasks(ctx, p.ID, false)
	if err != nil {
		return nil, err
	}
	c.warnFiltered(p, len(existing))
	seen := make(map[string]bool, len(existing))
	for _, t := range existing {
		var d struct {
			PairID string `json:"pair_id"`
		}
		if json.Unmarshal(t.Data, &d) == nil && d.PairID != "" {
			seen[d.PairID] = true
		}
	}
	return seen, nil
}

// warnFiltered warns when the task list holds fewer tasks than the
// project counts: Label Studio shows annotators and reviewers only the
// tasks assigned to them, so a push would not see pairs already pushed and
// a pull would miss decisions.
func (c *Client) warnFiltered(p *Project, listed int) {
	if p.TaskNumber <= int64(listed) {
		return
	}
	c.log.Warn(fmt.Sprintf("label studio: the task list of project %d shows %d of %d tasks: the token's user sees only the tasks assigned to it (an annotator or reviewer role); use the token of a manager or administrator, or pairs already pushed may be pushed again and decisions missed",
		p.ID, listed, p.TaskNumber), "project", p.ID, "listed", listed, "tasks", p.TaskNumber)
}

// importBatch imports one batch, follows a background import to its end,
// and after a 5xx sends again only the pairs that did not arrive.
func (c *Client) importBatch(ctx context.Context, p *Project, batch []importTask, res *PushResult) error {
	for try := 1; ; try++ {
		ir, err := c.importTasks(ctx, p.ID, batch)
		var lsErr *Error
		if errors.As(err, &lsErr) && lsErr.Kind == ErrServer && try <= c.cfg.MaxRetries {
			wait := c.backoff(try)
			c.log.Warn("label studio: import failed and may have been committed; checking which tasks arrived before sending the rest again",
				"project", p.ID, "status", lsErr.Status, "tasks", len(batch), "wait", wait)
			if err := c.sleep(ctx, wait); err != nil {
				return c.newError(ErrTimeout, http.MethodPost, importPathOf(p.ID), lsErr.Status, try, "overall timeout reached while waiting to check the import")
			}
			seen, err := c.pairIDs(ctx, p)
			if err != nil {
				return fmt.Errorf("check which tasks of a failed import arrived: %w", err)
			}
			rest := batch[:0:0]
			for _, t := range batch {
				if !seen[t.Data.PairID] {
					rest = append(rest, t)
				}
			}
			if arrived := len(batch) - len(rest); arrived > 0 {
				res.Imported += arrived
				if res.ServerCount >= 0 {
					res.ServerCount += int64(arrived)
				}
				c.log.Info("label studio: tasks of the failed import had arrived", "project", p.ID, "arrived", arrived, "missing", len(rest))
			}
			if len(rest) == 0 {
				return nil
			}
			batch = rest
			continue
		}
		if err != nil {
			return err
		}
		count := ir.TaskCount
		if ir.ImportID != 0 && ir.TaskCount == 0 {
			st, err := c.awaitImport(ctx, p.ID, ir.ImportID)
			if err != nil {
				return err
			}
			count = st.TaskCount
		}
		res.Imported += len(batch)
		if res.ServerCount >= 0 {
			res.ServerCount += count
			if count != int64(len(batch)) {
				c.log.Warn("label studio: import count differs", "project", p.ID, "sent", len(batch), "imported", count)
			}
		}
		return nil
	}
}
