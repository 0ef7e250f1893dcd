package webui_test

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/compliance/operator"
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/webui"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// The review desk shows each record through the policy's review
// operators: the email the policy masks and the city it drops never reach
// the page raw, and the pair is still there to decide.
func TestReviewDeskAppliesTheMasker(t *testing.T) {
	t.Parallel()
	const email = "thandi.nkosi@skyflight.co.za"
	dir := filepath.Join(t.TempDir(), "q")
	writeReviewQueue(t, dir, []queuePair{{"c1", "e1", 0.7, [2]string{email, email}, [2]string{"Hartswater", "Hartswater"}}})
	p := &policy.Policy{Fields: map[string]policy.Field{
		"name": {Classification: policy.PII, Operator: policy.Mask},
		"city": {Classification: policy.Confidential, Destinations: map[string]string{policy.Review: policy.Drop}},
	}}
	f := newFixture(t, "", func(c *webui.Config) {
		c.ReviewDirs = []string{dir}
		c.ReviewMasker = operator.New(nil).ForDestination(p, policy.Review)
	})
	c := f.client(t)
	r := f.get(t, c, "/review/queue?dir="+url.QueryEscape(dir))
	contains(t, "masked pair", r.body, "Pair 1 of 1", "t***@s***.co.za")
	for _, raw := range []string{email, "Hartswater"} {
		if strings.Contains(r.body, raw) {
			t.Errorf("the review page holds %q raw", raw)
		}
	}
}

// The cluster view shows the records' ids through the same masker: a
// linkage keyed by email shows each email masked, never raw, and the
// cluster is still drawn with the record it was opened from.
func TestClusterViewAppliesTheMasker(t *testing.T) {
	t.Parallel()
	const left, right = "thandi.nkosi@skyflight.co.za", "t.nkosi@skyflight.co.za"
	dir := filepath.Join(t.TempDir(), "q")
	writeReviewQueue(t, dir, []queuePair{{left, right, 0.9, [2]string{"Thandi", "Thandi"}, [2]string{"Hartswater", "Hartswater"}}})
	p := &policy.Policy{Fields: map[string]policy.Field{"name": {Classification: policy.PII, Operator: policy.Mask}}}
	m := operator.New(nil).ForDestination(p, policy.Review)
	f := newFixture(t, "", func(c *webui.Config) {
		c.ReviewDirs = []string{dir}
		c.ReviewMasker = m
	})
	c := f.client(t)
	r := f.get(t, c, "/review/cluster?dir="+url.QueryEscape(dir)+"&source=crm&id="+url.QueryEscape(left))
	contains(t, "masked cluster", r.body, "Cluster 0", "2 records", "1 scored pairs", "rec rec-open",
		`<td class="mono">crm/`+m.Field("id", left)+`</td>`)
	for _, raw := range []string{left, right, url.QueryEscape(left)} {
		if strings.Contains(r.body, raw) {
			t.Errorf("the cluster page holds %q raw", raw)
		}
	}
}

// The pair page shows the records' ids through the masker too: an id that
// is an email (a CRM keyed by email) never reaches the page raw, not even
// in the cluster links, and the decision still records the real ids. The
// id column's name comes from the linkage metadata, so the policy's
// operator for it applies; without one, the identifiers found are masked.
func TestPairPageMasksRecordIDs(t *testing.T) {
	t.Parallel()
	const left, right = "thandi.nkosi@skyflight.co.za", "t.nkosi@skyflight.co.za"
	for _, tc := range []struct {
		name, metadata string
		idColumn       string
	}{
		{"unnamed id column", "", "unique_id"},
		{"id column the policy hashes", `{"version":1,"unique_id_column":"email","thresholds":{"match_threshold":0.8}}`, "email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "q")
			writeReviewQueue(t, dir, []queuePair{{left, right, 0.7, [2]string{"Thandi", "Thandi"}, [2]string{"Hartswater", "Hartswater"}}})
			if tc.metadata != "" {
				must(t, os.WriteFile(filepath.Join(dir, linkjob.MetadataFile), []byte(tc.metadata), 0o644))
			}
			p := &policy.Policy{HMACKeyEnv: "K", Fields: map[string]policy.Field{
				"email": {Classification: policy.PII, Operator: policy.Hash},
			}}
			m := operator.New([]byte("a key of sixteen+ bytes")).ForDestination(p, policy.Review)
			f := newFixture(t, "", func(c *webui.Config) {
				c.ReviewDirs = []string{dir}
				c.ReviewMasker = m
			})
			c := f.client(t)
			r := f.get(t, c, "/review/queue?dir="+url.QueryEscape(dir))
			maskedL, maskedR := m.Field(tc.idColumn, left), m.Field(tc.idColumn, right)
			contains(t, "pair page", r.body, "Pair 1 of 1", maskedL, maskedR)
			noRawIDs(t, "pair page", r.body, left, right)

			// The cluster links name the pair and side, and lead to the
			// record's cluster.
			links := regexp.MustCompile(`href="(/review/cluster\?[^"]+)"`).FindAllStringSubmatch(r.body, -1)
			if len(links) != 2 {
				t.Fatalf("%d cluster links, want 2", len(links))
			}
			cl := f.get(t, c, html.UnescapeString(links[1][1]))
			contains(t, "cluster of the right record", cl.body, "Cluster 0", "2 records", `rec rec-open`)
			noRawIDs(t, "cluster page", cl.body, left, right)

			csrf := csrfRE.FindStringSubmatch(r.body)[1]
			pair := pairIDRE.FindStringSubmatch(r.body)[1]
			resp := f.post(t, c, "/review/decide", url.Values{"csrf": {csrf}, "dir": {dir}, "pair": {pair}, "decision": {"match"}})
			if resp.code != http.StatusSeeOther {
				t.Fatalf("decide: %d %s", resp.code, resp.body)
			}
			ds := decisions(t, dir)
			if len(ds) != 1 || ds[0].Left.ID != left || ds[0].Right.ID != right {
				t.Errorf("decisions %+v: want the real ids", ds)
			}
		})
	}
}

func noRawIDs(t *testing.T, what, body string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		for _, raw := range []string{id, url.QueryEscape(id), strings.Split(id, "@")[0] + "@"} {
			if strings.Contains(body, raw) {
				t.Errorf("the %s holds %q raw", what, raw)
			}
		}
	}
}
