package webui_test

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/compliance/operator"
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/webui"
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
