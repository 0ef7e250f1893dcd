package webui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/webui"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// queuePair is a review pair to write: ids, probability and the compared
// values (name, city) of both sides.
type queuePair struct {
	left, right string
	prob        float64
	name, city  [2]string
}

// writeReviewQueue writes a review queue as the linkage task lays it out,
// and metadata with a match threshold of 0.8.
func writeReviewQueue(t testing.TB, dir string, pairs []queuePair) {
	t.Helper()
	must(t, os.MkdirAll(dir, 0o755))
	var fields []table.Field
	for _, n := range []string{"unique_id_l", "source_dataset_l", "unique_id_r", "source_dataset_r"} {
		fields = append(fields, table.Field{Name: n, Type: table.String})
	}
	fields = append(fields, table.Field{Name: "match_weight", Type: table.Float64}, table.Field{Name: "match_probability", Type: table.Float64},
		table.Field{Name: "classification", Type: table.String}, table.Field{Name: "blocking_rule", Type: table.String})
	for _, c := range []string{"name", "city"} {
		fields = append(fields, table.Field{Name: "gamma_" + c, Type: table.Int64}, table.Field{Name: "level_" + c, Type: table.String},
			table.Field{Name: "bf_" + c, Type: table.Float64})
	}
	for _, c := range []string{"name", "city"} {
		fields = append(fields, table.Field{Name: c + "_l", Type: table.String}, table.Field{Name: c + "_r", Type: table.String})
	}
	schema, err := table.NewSchema(fields...)
	must(t, err)
	b := table.NewBuilder(schema, len(pairs))
	for _, p := range pairs {
		bfName, bfCity := 8.0, 0.25
		if p.name[0] != p.name[1] {
			bfName = 0.5
		}
		must(t, b.AppendRow(p.left, "crm", p.right, "erp", 1.5, p.prob, "review", "l.city = r.city",
			int64(1), "fuzzy", bfName, int64(0), "else", bfCity, p.name[0], p.name[1], p.city[0], p.city[1]))
	}
	tb, err := b.Build()
	must(t, err)
	must(t, linkjob.WriteParquet(filepath.Join(dir, linkjob.ReviewFile), tb))
	// The kept pairs are the review pairs here; the clusters put each
	// pair's records together.
	must(t, linkjob.WriteParquet(filepath.Join(dir, linkjob.MatchesFile), tb))
	cs, err := table.NewSchema(table.Field{Name: "id", Type: table.String}, table.Field{Name: linkjob.SourceColumn, Type: table.String},
		table.Field{Name: linkjob.ClusterColumn, Type: table.Int64})
	must(t, err)
	cb := table.NewBuilder(cs, 2*len(pairs))
	for i, p := range pairs {
		must(t, cb.AppendRow(p.left, "crm", int64(i)))
		must(t, cb.AppendRow(p.right, "erp", int64(i)))
	}
	ct, err := cb.Build()
	must(t, err)
	must(t, linkjob.WriteParquet(filepath.Join(dir, linkjob.ClustersFile), ct))
	must(t, os.WriteFile(filepath.Join(dir, linkjob.MetadataFile), []byte(`{"version":1,"thresholds":{"match_threshold":0.8,"review_threshold":0.3}}`), 0o644))
}

var reviewPairs = []queuePair{
	{"c1", "e1", 0.35, [2]string{"Acme Ltd", "ACME Limited"}, [2]string{"Durban", "Durban"}},
	{"c2", "e2", 0.79, [2]string{"Bolt", "Bolt"}, [2]string{"Cape Town", "Paarl"}},
	{"c3", "e3", 0.60, [2]string{hostile, "Cobalt"}, [2]string{"Pretoria", "Pretoria"}},
	{"c4", "e4", 0.50, [2]string{"Delta", "Delta Inc"}, [2]string{"Soweto", "Soweto"}},
}

// testPairKey keys the pair ids of reviewFixture's desk.
var testPairKey = []byte("0123456789abcdef0123456789abcdef")

// pageID is the id reviewFixture's pages give the pair of crm/left and
// erp/right.
func pageID(left, right string) string {
	return webui.KeyedPairID(testPairKey, labelstudio.RecordRef{Source: "crm", ID: left}, labelstudio.RecordRef{Source: "erp", ID: right})
}

// reviewFixture serves the UI with one review directory given to it and
// one written by a run's linkage task; the second has no queue.
func reviewFixture(t *testing.T) (*fixture, string, string) {
	t.Helper()
	given := filepath.Join(t.TempDir(), "given")
	writeReviewQueue(t, given, reviewPairs)
	f := newFixture(t, "", func(c *webui.Config) {
		c.ReviewDirs = []string{given}
		c.PairKey = testPairKey
	})
	fromRun := filepath.Join(t.TempDir(), "from-run")
	must(t, os.MkdirAll(fromRun, 0o755))
	f.addRun(t, store.Run{ID: "20260301T110000Z-linkage", Pipeline: "link", Status: store.RunSucceeded, CreatedAt: f.t0.Add(4 * time.Hour)}, nil)
	attrs, _ := json.Marshal(map[string]string{"output_dir": fromRun})
	must(t, f.st.RecordTask(context.Background(), store.TaskRun{RunID: "20260301T110000Z-linkage", TaskID: "link", Type: "linkage", Status: "succeeded", Attrs: attrs}))
	return f, given, fromRun
}

var (
	pairIDRE = regexp.MustCompile(`name="pair" value="([^"]+)"`)
)

func decisions(t *testing.T, dir string) []labelstudio.Decision {
	t.Helper()
	ds, err := labelstudio.ReadDecisions(filepath.Join(dir, linkjob.DecisionsFile), nil)
	must(t, err)
	return ds
}

func TestReviewDesk(t *testing.T) {
	t.Parallel()
	f, given, fromRun := reviewFixture(t)
	c := f.client(t)
	r := f.get(t, c, "/review")
	contains(t, "desk", r.body, given, fromRun, "no review queue", "20260301T110000Z-linkage", `href="/review/queue?dir=`+url.QueryEscape(given)+`"`)

	q := "/review/queue?dir=" + url.QueryEscape(given)
	r = f.get(t, c, q)
	// Closest to the 0.8 threshold first: c2 (0.79).
	contains(t, "first pair", r.body, "Pair 1 of 4", "79.0%", "Cape Town", "Paarl", `class="differs"`, `class="waterfall"`, "match weight", `data-key="m"`)
	if strings.Contains(r.body, hostile) {
		t.Error("a record value reached the page unescaped")
	}
	csrf := csrfRE.FindStringSubmatch(r.body)[1]
	first := pairIDRE.FindStringSubmatch(r.body)[1]

	// The hostile value is shown as text on its pair.
	r3 := f.get(t, c, q+"&pair="+url.QueryEscape(pageID("c3", "e3")))
	contains(t, "hostile pair", r3.body, "&lt;script&gt;")

	resp := f.post(t, c, "/review/decide", url.Values{"csrf": {csrf}, "dir": {given}, "pair": {first}, "decision": {"match"}, "reviewer": {"ana@example.com"}})
	if resp.code != http.StatusSeeOther {
		t.Fatalf("decide: %d %s", resp.code, resp.body)
	}
	r = f.get(t, c, resp.hdr.Get("Location"))
	contains(t, "after a decision", r.body, "1 of 4 decided", "Undo last", `value="ana@example.com"`)
	if second := pairIDRE.FindStringSubmatch(r.body)[1]; second == first {
		t.Error("the decided pair is shown again")
	}
	ds := decisions(t, given)
	if len(ds) != 1 {
		t.Fatalf("%d decisions", len(ds))
	}
	d := ds[0]
	// The page names the pair by its keyed id; the decisions file keeps
	// the id the Label Studio sync and the linkage task key decisions by.
	if first != pageID("c2", "e2") {
		t.Errorf("the first pair is %s, want c2/e2's %s", first, pageID("c2", "e2"))
	}
	if d.PairID != labelstudio.PairID(d.Left, d.Right) || d.Left != (labelstudio.RecordRef{Source: "crm", ID: "c2"}) || d.Right != (labelstudio.RecordRef{Source: "erp", ID: "e2"}) ||
		d.Decision != labelstudio.Match || d.Reviewer != "ana@example.com" || d.Timestamp.IsZero() || !strings.HasPrefix(d.AnnotationID, "web-") {
		t.Errorf("decision %+v", d)
	}
	if must, _ := labelstudio.Constraints(ds); len(must) != 1 {
		t.Errorf("must-link constraints %v", must)
	}
	// Undo records "unsure", which leaves no constraint.
	resp = f.post(t, c, "/review/decide", url.Values{"csrf": {csrf}, "dir": {given}, "pair": {first}, "decision": {"undo"}})
	if resp.code != http.StatusSeeOther || !strings.Contains(resp.hdr.Get("Location"), "pair="+url.QueryEscape(first)) {
		t.Fatalf("undo: %d to %s", resp.code, resp.hdr.Get("Location"))
	}
	ds = decisions(t, given)
	if must, cannot := labelstudio.Constraints(ds); len(ds) != 2 || len(must)+len(cannot) != 0 {
		t.Errorf("after undo: %d decisions, constraints %v %v", len(ds), must, cannot)
	}
	if ds[1].Reviewer != "ana@example.com" {
		t.Errorf("undo signed by %q, want the remembered reviewer", ds[1].Reviewer)
	}
}

// Two reviewers deciding one pair at once both succeed; the file keeps
// both, and the later decision wins.
func TestReviewConcurrentDecisions(t *testing.T) {
	t.Parallel()
	f, given, _ := reviewFixture(t)
	pair := pageID("c1", "e1")
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		c := f.client(t)
		csrf := f.csrf(t, c, "/review/queue?dir="+url.QueryEscape(given))
		verdict := []string{"match", "non_match"}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.PostForm(f.srv.URL+"/review/decide", url.Values{"csrf": {csrf}, "dir": {given}, "pair": {pair},
				"decision": {verdict}, "reviewer": {"reviewer-" + verdict}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusSeeOther {
			t.Errorf("reviewer %d: %d", i, code)
		}
	}
	ds := decisions(t, given)
	if len(ds) != len(codes) {
		t.Fatalf("%d decisions kept of %d", len(ds), len(codes))
	}
	last := ds[0]
	for _, d := range ds {
		if !d.Timestamp.Before(last.Timestamp) {
			last = d
		}
	}
	must, cannot := labelstudio.Constraints(ds)
	if last.Decision == labelstudio.Match && len(must) != 1 || last.Decision == labelstudio.NonMatch && len(cannot) != 1 {
		t.Errorf("latest decision %s by %s, constraints %v %v", last.Decision, last.Reviewer, must, cannot)
	}
}

func TestReviewBadInput(t *testing.T) {
	t.Parallel()
	f, given, fromRun := reviewFixture(t)
	c := f.client(t)
	csrf := f.csrf(t, c, "/review/queue?dir="+url.QueryEscape(given))
	pair := pairIDRE.FindStringSubmatch(f.get(t, c, "/review/queue?dir="+url.QueryEscape(given)).body)[1]
	elsewhere := t.TempDir()
	writeReviewQueue(t, elsewhere, reviewPairs)
	for _, tc := range []struct {
		name string
		path string
		code int
		want string
	}{
		{"unknown dir", "/review/queue?dir=" + url.QueryEscape(elsewhere), http.StatusNotFound, "There is no review directory"},
		{"dir without a queue", "/review/queue?dir=" + url.QueryEscape(fromRun), http.StatusNotFound, "has no review queue"},
		{"unknown pair", "/review/queue?dir=" + url.QueryEscape(given) + "&pair=nope", http.StatusNotFound, "has no pair"},
	} {
		r := f.get(t, c, tc.path)
		if r.code != tc.code || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d, want %d with %q", tc.name, r.code, tc.code, tc.want)
		}
	}
	for _, tc := range []struct {
		name string
		form url.Values
		code int
	}{
		{"decision into an unknown dir", url.Values{"dir": {elsewhere}, "pair": {pair}, "decision": {"match"}}, http.StatusNotFound},
		{"unknown pair", url.Values{"dir": {given}, "pair": {"nope"}, "decision": {"match"}}, http.StatusNotFound},
		{"unknown verdict", url.Values{"dir": {given}, "pair": {pair}, "decision": {"maybe"}}, http.StatusBadRequest},
	} {
		tc.form.Set("csrf", csrf)
		if r := f.post(t, c, "/review/decide", tc.form); r.code != tc.code {
			t.Errorf("%s: %d, want %d", tc.name, r.code, tc.code)
		}
	}
	if _, err := os.Stat(filepath.Join(elsewhere, linkjob.DecisionsFile)); err == nil {
		t.Error("a decision was written outside the desk's directories")
	}
	if ds := decisions(t, given); len(ds) != 0 {
		t.Errorf("refused decisions were written: %v", ds)
	}

	// A read-only decisions file is left alone, and the reviewer told why.
	path := filepath.Join(given, linkjob.DecisionsFile)
	must(t, os.WriteFile(path, nil, 0o444))
	r := f.post(t, c, "/review/decide", url.Values{"csrf": {csrf}, "dir": {given}, "pair": {pair}, "decision": {"match"}})
	if r.code != http.StatusConflict || !strings.Contains(r.body, "read-only") {
		t.Errorf("read-only decisions file: %d", r.code)
	}
	if data, _ := os.ReadFile(path); len(data) != 0 {
		t.Errorf("read-only decisions file changed: %q", data)
	}
}

func TestClusterView(t *testing.T) {
	t.Parallel()
	f, given, _ := reviewFixture(t)
	c := f.client(t)
	base := "/review/cluster?dir=" + url.QueryEscape(given)
	r := f.get(t, c, base+"&source=crm&id=c3")
	if r.code != http.StatusOK {
		t.Fatalf("%d %s", r.code, r.body)
	}
	contains(t, "cluster", r.body, "Cluster 2", "2 records", "1 scored pairs", `<td class="mono">crm/c3</td><td class="mono">erp/e3</td><td class="num">0.600</td>`,
		`class="rec rec-open"`, "link-weak")
	for _, path := range []string{base + "&source=crm&id=nobody", "/review/cluster?dir=" + url.QueryEscape(t.TempDir()) + "&source=crm&id=c1"} {
		if r := f.get(t, c, path); r.code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.code)
		}
	}
	// The pair page links both records to their cluster.
	r = f.get(t, c, "/review/queue?dir="+url.QueryEscape(given))
	// html/template writes percent escapes in lower case.
	contains(t, "pair page", r.body, `href="/review/cluster?dir=`+strings.ReplaceAll(url.QueryEscape(given), "%2F", "%2f")+`&amp;source=crm&amp;id=c2"`)
}
