package webui

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// reviewRuns is how many recent runs the review desk looks through for
// linkage output directories.
const reviewRuns = 50

// reviewerCookie remembers the name a reviewer signs decisions with.
const reviewerCookie = "hotpass_reviewer"

// defaultReviewer signs decisions of a reviewer who gave no name.
const defaultReviewer = "web-ui"

// reviewPair is one pair of the review queue.
type reviewPair struct {
	// ID names the pair on pages and in links (keyedPairID).
	ID          string
	Left, Right labelstudio.RecordRef
	Probability float64
	Weight      float64
	Rule        string
	// Values are the compared columns' values, left and right.
	Values [][2]string
	// Steps are the match weight's parts: the prior, then one per
	// comparison (log2 of its Bayes factor plus any term-frequency
	// adjustment).
	Steps []weightStep
	// DecisionID is the labelstudio.PairID the pair's decisions carry:
	// the Label Studio sync and the linkage task key decisions by it.
	DecisionID string
}

type weightStep struct {
	Name, Level string
	Weight      float64
}

// reviewQueue is a linkage output directory's review queue, closest to
// the match threshold first.
type reviewQueue struct {
	Pairs     []reviewPair
	Columns   []string
	Threshold float64
	index     map[string]int
	// idColumn names the records' id column, for the review masker: an
	// id may be personal data (an email as a CRM's key).
	idColumn string
}

// loadQueue reads linkage_review_queue.parquet and the thresholds from
// linkage_metadata.json next to it.
func (u *UI) loadQueue(path string) (*reviewQueue, error) {
	r, err := parquetio.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	t, err := table.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	q := &reviewQueue{Threshold: 0.5, index: map[string]int{}, idColumn: "unique_id"}
	if data, err := os.ReadFile(filepath.Join(filepath.Dir(path), linkjob.MetadataFile)); err == nil {
		if m, err := linkjob.ReadMetadata(data); err == nil {
			if m.Thresholds.Match > 0 {
				q.Threshold = m.Thresholds.Match
			}
			if m.UniqueIDColumn != "" {
				q.idColumn = m.UniqueIDColumn
			}
		}
	}
	str := func(name string) func(i int) string {
		c := t.ColumnByName(name)
		if c == nil {
			return func(int) string { return "" }
		}
		return c.Format
	}
	num := func(name string) func(i int) float64 {
		c := t.ColumnByName(name)
		if c == nil || c.Type() != table.Float64 {
			return func(int) float64 { return math.NaN() }
		}
		return func(i int) float64 { return c.Float64s()[i] }
	}
	for _, need := range []string{"unique_id_l", "unique_id_r", "match_probability"} {
		if t.ColumnByName(need) == nil {
			return nil, fmt.Errorf("%s has no %s column: it is not a hotpass review queue", path, need)
		}
	}
	var comps []string
	for _, f := range t.Schema().Fields() {
		if name, ok := strings.CutPrefix(f.Name, "gamma_"); ok {
			comps = append(comps, name)
		}
		if name, ok := strings.CutSuffix(f.Name, "_l"); ok && t.ColumnByName(name+"_r") != nil &&
			name != "unique_id" && name != "source_dataset" {
			q.Columns = append(q.Columns, name)
		}
	}
	idL, idR, srcL, srcR := str("unique_id_l"), str("unique_id_r"), str("source_dataset_l"), str("source_dataset_r")
	prob, weight, rule := num("match_probability"), num("match_weight"), str("blocking_rule")
	for i := range t.NumRows() {
		p := reviewPair{Left: labelstudio.RecordRef{Source: srcL(i), ID: idL(i)}, Right: labelstudio.RecordRef{Source: srcR(i), ID: idR(i)},
			Probability: prob(i), Weight: weight(i), Rule: rule(i)}
		p.ID, p.DecisionID = keyedPairID(u.c.PairKey, p.Left, p.Right), labelstudio.PairID(p.Left, p.Right)
		for _, c := range q.Columns {
			p.Values = append(p.Values, [2]string{str(c + "_l")(i), str(c + "_r")(i)})
		}
		sum := 0.0
		for _, c := range comps {
			w := math.Log2(num("bf_" + c)(i))
			if adj := num("tf_adj_" + c)(i); !math.IsNaN(adj) {
				w += adj
			}
			if math.IsNaN(w) {
				continue
			}
			w = max(min(w, 40), -40)
			sum += w
			p.Steps = append(p.Steps, weightStep{Name: c, Level: str("level_" + c)(i), Weight: w})
		}
		if !math.IsNaN(p.Weight) {
			p.Steps = append([]weightStep{{Name: "prior", Level: "λ", Weight: p.Weight - sum}}, p.Steps...)
		}
		q.Pairs = append(q.Pairs, p)
	}
	slices.SortStableFunc(q.Pairs, func(a, b reviewPair) int {
		return cmp.Or(cmp.Compare(math.Abs(a.Probability-q.Threshold), math.Abs(b.Probability-q.Threshold)), strings.Compare(a.DecisionID, b.DecisionID))
	})
	for i, p := range q.Pairs {
		q.index[p.ID] = i
	}
	return q, nil
}

// reviewDir is a linkage output directory offered on the desk.
type reviewDir struct {
	Path    string
	Href    string
	Pairs   int64
	Decided int
	Problem string
	RunID   string
}

// reviewDirs lists the directories the desk offers: those given to serve,
// then those the linkage tasks of recent runs wrote, each once.
func (u *UI) reviewDirs(ctx context.Context) ([]reviewDir, error) {
	var out []reviewDir
	seen := map[string]bool{}
	add := func(dir, runID string) {
		if dir == "" {
			return
		}
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		if seen[dir] {
			return
		}
		seen[dir] = true
		out = append(out, reviewDir{Path: dir, RunID: runID, Href: "/review/queue?dir=" + url.QueryEscape(dir)})
	}
	for _, d := range u.c.ReviewDirs {
		add(d, "")
	}
	runs, err := u.c.Runs.ListRuns(ctx, store.RunFilter{Limit: reviewRuns})
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		trs, err := u.c.Runs.ListTasks(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range trs {
			if t.Type != "linkage" || len(t.Attrs) == 0 {
				continue
			}
			var attrs struct {
				OutputDir string `json:"output_dir"`
			}
			if json.Unmarshal(t.Attrs, &attrs) == nil {
				add(attrs.OutputDir, r.ID)
			}
		}
	}
	return out, nil
}

type reviewDeskData struct{ Dirs []reviewDir }

func (reviewDeskData) title() (string, string) { return "Review", "review" }

func (u *UI) reviewPage(w http.ResponseWriter, r *http.Request, s *session) {
	dirs, err := u.reviewDirs(r.Context())
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	for i := range dirs {
		d := &dirs[i]
		rd, err := parquetio.Open(filepath.Join(d.Path, linkjob.ReviewFile))
		if err != nil {
			d.Problem = "no review queue (" + linkjob.ReviewFile + ") in this directory"
			continue
		}
		d.Pairs = rd.NumRows()
		_ = rd.Close()
		ds, _ := labelstudio.ReadDecisions(filepath.Join(d.Path, linkjob.DecisionsFile), u.log)
		d.Decided = len(latestDecisions(ds))
	}
	u.render(w, r, http.StatusOK, "review", s, reviewDeskData{Dirs: dirs})
}

// latestDecisions keeps each pair's latest verdict, dropping "unsure"
// (which is also how an undo is recorded).
func latestDecisions(ds []labelstudio.Decision) map[string]labelstudio.Verdict {
	latest := map[string]labelstudio.Decision{}
	for _, d := range ds {
		id := d.PairID
		if id == "" {
			id = labelstudio.PairID(d.Left, d.Right)
		}
		if cur, ok := latest[id]; ok && d.Timestamp.Before(cur.Timestamp) {
			continue
		}
		latest[id] = d
	}
	out := make(map[string]labelstudio.Verdict, len(latest))
	for id, d := range latest {
		if d.Decision != labelstudio.Unsure {
			out[id] = d.Decision
		}
	}
	return out
}

// openQueue resolves ?dir= to a directory the desk offers and reads its
// queue, or answers 404.
func (u *UI) openQueue(w http.ResponseWriter, r *http.Request, s *session, dir string) (string, *reviewQueue, bool) {
	dirs, err := u.reviewDirs(r.Context())
	if err != nil {
		u.fail(w, r, s, err)
		return "", nil, false
	}
	i := slices.IndexFunc(dirs, func(d reviewDir) bool { return d.Path == dir })
	if i < 0 {
		// Only directories the desk lists may be read or written: a
		// request cannot point it at another path.
		u.notFound(w, r, s, "There is no review directory "+strconv.Quote(dir)+"; open one from the review desk, or start serve with --review-dir.")
		return "", nil, false
	}
	q, err := u.queues.get(filepath.Join(dir, linkjob.ReviewFile), u.loadQueue)
	if errors.Is(err, os.ErrNotExist) {
		u.notFound(w, r, s, "The directory "+dir+" has no review queue ("+linkjob.ReviewFile+"); a linkage run writes it.")
		return "", nil, false
	}
	if err != nil {
		u.fail(w, r, s, err)
		return "", nil, false
	}
	return dir, q, true
}

type pairData struct {
	Dir, DirHref  string
	Pair          *reviewPair
	Position      int
	Total         int
	Decided       int
	Verdict       string
	Reviewer      string
	Threshold     float64
	Columns       []string
	SkipHref      string
	Undo          string
	Waterfall     *waterfall
	Done          bool
	ProbabilityPc string
	// Masked says the records' ids are shown masked: the cluster links
	// then name the pair, not the raw ids.
	Masked bool
}

func (d pairData) title() (string, string) { return "Review", "review" }

// queuePage shows one pair: ?pair= names it, else the first undecided one
// after ?after= (or from the start).
func (u *UI) queuePage(w http.ResponseWriter, r *http.Request, s *session) {
	qv := r.URL.Query()
	dir, q, ok := u.openQueue(w, r, s, qv.Get("dir"))
	if !ok {
		return
	}
	ds, err := labelstudio.ReadDecisions(filepath.Join(dir, linkjob.DecisionsFile), u.log)
	if err != nil {
		u.fail(w, r, s, err)
		return
	}
	decided := latestDecisions(ds)
	d := pairData{Dir: dir, DirHref: "/review/queue?dir=" + url.QueryEscape(dir), Total: len(q.Pairs), Decided: len(decided),
		Threshold: q.Threshold, Columns: q.Columns, Reviewer: reviewerName(r), Undo: qv.Get("undo")}
	if _, ok := q.index[d.Undo]; !ok {
		d.Undo = ""
	}
	pick := -1
	if id := qv.Get("pair"); id != "" {
		i, ok := q.index[id]
		if !ok {
			u.notFound(w, r, s, "The review queue of "+dir+" has no pair "+strconv.Quote(id)+".")
			return
		}
		pick = i
	} else {
		start := 0
		if i, ok := q.index[qv.Get("after")]; ok {
			start = i + 1
		}
		for k := range len(q.Pairs) {
			i := (start + k) % len(q.Pairs)
			if _, done := decided[q.Pairs[i].DecisionID]; !done {
				pick = i
				break
			}
		}
	}
	if pick < 0 {
		d.Done = true
		u.render(w, r, http.StatusOK, "pair", s, d)
		return
	}
	p := q.Pairs[pick]
	if m := u.c.ReviewMasker; m != nil {
		// The cached queue keeps the values; the copy shown is masked.
		vs := make([][2]string, len(p.Values))
		for i, v := range p.Values {
			vs[i] = [2]string{m.Field(q.Columns[i], v[0]), m.Field(q.Columns[i], v[1])}
		}
		p.Values = vs
		// The pair's id in links is keyed, so it tells nothing of the
		// raw ids.
		p.Left.ID, p.Right.ID = m.Field(q.idColumn, p.Left.ID), m.Field(q.idColumn, p.Right.ID)
		d.Masked = true
	}
	d.Pair, d.Position = &p, pick+1
	d.Verdict = string(decided[p.DecisionID])
	d.ProbabilityPc = strconv.FormatFloat(p.Probability*100, 'f', 1, 64)
	d.SkipHref = d.DirHref + "&after=" + url.QueryEscape(p.ID)
	d.Waterfall = drawWaterfall(p.Steps, p.Weight)
	u.render(w, r, http.StatusOK, "pair", s, d)
}

// reviewerName is the name the viewer signs decisions with.
func reviewerName(r *http.Request) string {
	if c, err := r.Cookie(reviewerCookie); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil && v != "" {
			return v
		}
	}
	return ""
}

// verdicts maps the desk's buttons to decisions; undo records "unsure",
// which clears the pair's constraint as a later decision.
var verdicts = map[string]labelstudio.Verdict{"match": labelstudio.Match, "non_match": labelstudio.NonMatch, "undo": labelstudio.Unsure}

// decide appends a reviewer's decision to the directory's decisions file,
// in the format the Label Studio sync writes, so the next run applies it.
// Decisions are never rewritten: of two reviewers deciding one pair, both
// lines are kept and the later one wins.
func (u *UI) decide(w http.ResponseWriter, r *http.Request, s *session) {
	f := r.PostForm
	verdict, ok := verdicts[f.Get("decision")]
	if !ok {
		u.errorPage(w, r, s, http.StatusBadRequest, "Bad decision", "decision "+strconv.Quote(f.Get("decision"))+": want match, non_match or undo.")
		return
	}
	dir, q, ok := u.openQueue(w, r, s, f.Get("dir"))
	if !ok {
		return
	}
	i, ok := q.index[f.Get("pair")]
	if !ok {
		u.notFound(w, r, s, "The review queue of "+dir+" has no pair "+strconv.Quote(f.Get("pair"))+".")
		return
	}
	p := q.Pairs[i]
	reviewer := strings.TrimSpace(f.Get("reviewer"))
	if reviewer == "" {
		reviewer = reviewerName(r)
	}
	if len(reviewer) > 200 {
		reviewer = reviewer[:200]
	}
	if reviewer != "" {
		http.SetCookie(w, &http.Cookie{Name: reviewerCookie, Value: url.QueryEscape(reviewer), Path: "/review", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	} else {
		reviewer = defaultReviewer
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	dec := labelstudio.Decision{AnnotationID: "web-" + hex.EncodeToString(id[:]), PairID: p.DecisionID, Left: p.Left, Right: p.Right,
		Decision: verdict, Reviewer: reviewer, Timestamp: time.Now().UTC()}
	path := filepath.Join(dir, linkjob.DecisionsFile)
	// AppendDecisions takes the file's lock, so that this and other serve
	// processes, and the Label Studio sync, append in turn.
	err := writable(path)
	if err == nil {
		_, err = labelstudio.AppendDecisions(path, []labelstudio.Decision{dec}, u.log)
	}
	if err != nil {
		u.log.Warn("web ui: decision not saved", "dir", dir, "error", err)
		u.errorPage(w, r, s, http.StatusConflict, "Decision not saved",
			"The decisions file "+path+" could not be written ("+err.Error()+"). Make the file and its directory writable by serve, then decide again.")
		return
	}
	next := "/review/queue?dir=" + url.QueryEscape(dir)
	if verdict == labelstudio.Unsure {
		next += "&pair=" + url.QueryEscape(p.ID)
	} else {
		next += "&after=" + url.QueryEscape(p.ID) + "&undo=" + url.QueryEscape(p.ID)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// waterfall is a match weight drawn step by step.
type waterfall struct {
	Bars  []waterfallBar
	W, H  int
	Zero  int
	Total string
}

type waterfallBar struct {
	Label, Level, Value string
	X, W, Y             int
	Up, Final           bool
}

// Waterfall drawing sizes.
const (
	wfLabelW = 230
	wfChartW = 380
	wfRowH   = 24
)

// drawWaterfall lays out the steps as bars that each start where the
// previous ended, then the total from zero, on a common scale.
func drawWaterfall(steps []weightStep, total float64) *waterfall {
	if len(steps) == 0 {
		return nil
	}
	lo, hi, acc := 0.0, 0.0, 0.0
	for _, s := range steps {
		acc += s.Weight
		lo, hi = min(lo, acc), max(hi, acc)
	}
	lo, hi = min(lo, total), max(hi, total)
	span := max(hi-lo, 1)
	x := func(v float64) int { return wfLabelW + int((v-lo)/span*wfChartW) }
	wf := &waterfall{W: wfLabelW + wfChartW + 70, H: (len(steps) + 1) * wfRowH, Zero: x(0), Total: strconv.FormatFloat(total, 'f', 2, 64)}
	acc = 0
	for i, s := range steps {
		from, to := x(acc), x(acc+s.Weight)
		acc += s.Weight
		wf.Bars = append(wf.Bars, waterfallBar{Label: s.Name, Level: s.Level, Value: signed(s.Weight),
			X: min(from, to), W: max(abs(to-from), 2), Y: i * wfRowH, Up: s.Weight >= 0})
	}
	from, to := x(0), x(total)
	wf.Bars = append(wf.Bars, waterfallBar{Label: "match weight", Value: signed(total), X: min(from, to), W: max(abs(to-from), 2),
		Y: len(steps) * wfRowH, Final: true, Up: total >= 0})
	return wf
}

func signed(v float64) string {
	if v >= 0 {
		return "+" + strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// writable refuses a decisions file someone made read-only: the append
// replaces the file, which would otherwise override that choice.
func writable(path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if info.Mode().Perm()&0o200 == 0 {
		return fmt.Errorf("%s is read-only (mode %s)", path, info.Mode().Perm())
	}
	return nil
}
