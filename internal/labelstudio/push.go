package labelstudio

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
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
		Levels: p.Levels,
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
	return d
}

// PushResult counts what PushPairs did.
type PushResult struct {
	// Imported tasks are new; Existing pairs were already in the project
	// (or repeated in the input) and were skipped.
	Imported, Existing int
	// ServerCount is the number of tasks Label Studio reported importing,
	// -1 when it imports asynchronously and does not say.
	ServerCount int64
}

// PushPairs creates a review task for each pair not already in the
// project. It first checks the project, then lists the project's tasks
// and skips pair ids already present, then imports the rest in batches.
//
// An import that times out is not retried (it may have been applied); the
// next push skips whatever it did create.
func (c *Client) PushPairs(ctx context.Context, projectID int64, pairs []ReviewPair, th Thresholds) (PushResult, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	var res PushResult
	if _, err := c.project(ctx, projectID); err != nil {
		return res, err
	}
	existing, err := c.listTasks(ctx, projectID, false)
	if err != nil {
		return res, err
	}
	seen := make(map[string]bool, len(existing)+len(pairs))
	for _, t := range existing {
		var d struct {
			PairID string `json:"pair_id"`
		}
		// Tasks that are not review pairs (no pair_id) are left alone.
		if json.Unmarshal(t.Data, &d) == nil && d.PairID != "" {
			seen[d.PairID] = true
		}
	}
	var todo []importTask
	for _, p := range pairs {
		d := NewTaskData(p, th)
		if seen[d.PairID] {
			res.Existing++
			continue
		}
		seen[d.PairID] = true
		todo = append(todo, importTask{Data: d})
	}
	for start := 0; start < len(todo); start += c.cfg.ImportBatch {
		batch := todo[start:min(start+c.cfg.ImportBatch, len(todo))]
		ir, err := c.importTasks(ctx, projectID, batch)
		if err != nil {
			return res, err
		}
		res.Imported += len(batch)
		switch {
		case ir.ImportID != 0 && ir.TaskCount == 0:
			res.ServerCount = -1
		case res.ServerCount >= 0:
			res.ServerCount += ir.TaskCount
			if ir.TaskCount != int64(len(batch)) {
				c.log.Warn("label studio: import count differs", "project", projectID, "sent", len(batch), "imported", ir.TaskCount)
			}
		}
	}
	c.log.Info("label studio: pushed review pairs", "project", projectID, "imported", res.Imported, "already_present", res.Existing)
	return res, nil
}
