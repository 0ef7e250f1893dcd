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
