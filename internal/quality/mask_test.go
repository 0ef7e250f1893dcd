package quality

import (
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/compliance/operator"
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/table"
)

// The failing values a report quotes pass through the policy's reports
// operators: a masked email is quoted masked, a dropped column's values
// are not quoted at all, and the counts stay.
func TestMaskedRewritesExamples(t *testing.T) {
	t.Parallel()
	const email = "thandi.nkosi@skyflight.co.za"
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "email", Type: table.String},
		table.Field{Name: "notes", Type: table.String},
	), 2)
	for _, r := range [][]any{{email, "call Thandi on +27821234567"}, {"ok@x.com", "fine"}} {
		if err := b.AppendRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	ev := Evaluate(tb, []Expectation{
		{Expect: Regex, Column: "email", Pattern: `^[a-z]+@x\.com$`},
		{Expect: MaxLength, Column: "notes", Max: f(5)},
	})
	rep := ev.Report
	p := &policy.Policy{Fields: map[string]policy.Field{
		"email": {Classification: policy.PII, Operator: policy.Mask},
		"notes": {Classification: policy.Confidential, Destinations: map[string]string{policy.Reports: policy.Drop}},
	}}
	rep = rep.Masked(operator.New(nil).ForDestination(p, policy.Reports))
	if ev.Report.Results[0].Examples[0].Value != email {
		t.Errorf("Masked changed the evaluation's own report: %+v", ev.Report.Results[0].Examples)
	}
	html, err := rep.HTML()
	if err != nil {
		t.Fatal(err)
	}
	js, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{string(html), string(js)} {
		for _, raw := range []string{email, "+27821234567", "call Thandi"} {
			if strings.Contains(out, raw) {
				t.Errorf("the report holds %q raw", raw)
			}
		}
	}
	if got := rep.Results[0]; got.Failed != 1 || len(got.Examples) != 1 || got.Examples[0].Value != "t***@s***.co.za" || got.Examples[0].Row != 1 {
		t.Errorf("email result = %+v, want one masked example at row 1", got)
	}
	if got := rep.Results[1]; got.Failed != 1 || len(got.Examples) != 0 {
		t.Errorf("notes result = %+v, want the failure counted and no value quoted", got)
	}
}
