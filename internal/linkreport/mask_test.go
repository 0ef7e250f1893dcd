package linkreport

import (
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/compliance/operator"
	"github.com/hotpass/hotpass/internal/compliance/policy"
)

// The policy's reports operators apply to the explained pairs' fields:
// the email the policy masks and the phone found in a column it does not
// name are not in the page, the city it keeps is; the report's own pairs
// are left as they were.
func TestRenderAppliesTheMasker(t *testing.T) {
	t.Parallel()
	p := &policy.Policy{Fields: map[string]policy.Field{
		"email": {Classification: policy.PII, Operator: policy.Mask},
		"name":  {Classification: policy.Public},
		"city":  {Classification: policy.Public, Destinations: map[string]string{policy.Reports: policy.Keep}},
	}}
	r := fixture()
	r.Masker = operator.New(nil).ForDestination(p, policy.Reports)
	out := render(t, r)
	for _, raw := range []string{"ops@acme.example", "555 0100", "5550100"} {
		if strings.Contains(out, raw) {
			t.Errorf("the report holds %q raw", raw)
		}
	}
	for _, want := range []string{"o***@a***.example", "Cape Town", "Acme Flight School"} {
		if !strings.Contains(out, escaped(t, want)) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if r.Pairs[0].Right.Fields[2].Value != "ops@acme.example" {
		t.Errorf("rendering changed the report's pair: %+v", r.Pairs[0].Right.Fields)
	}
	if plain := render(t, fixture()); !strings.Contains(plain, "ops@acme.example") {
		t.Error("without a masker the report should show the values as given")
	}
}
