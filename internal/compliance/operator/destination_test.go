package operator

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/table"
)

func TestDestinationField(t *testing.T) {
	t.Parallel()
	p := &policy.Policy{HMACKeyEnv: "K", Fields: map[string]policy.Field{
		"email": {Classification: policy.PII, Operator: policy.Mask, Destinations: map[string]string{policy.SSOT: policy.Keep}},
		"phone": {Classification: policy.PII, Destinations: map[string]string{policy.Review: policy.Hash}},
		"notes": {Classification: policy.Confidential, Destinations: map[string]string{policy.Reports: policy.Drop}},
		"since": {Classification: policy.Internal, Destinations: map[string]string{policy.Reports: policy.Generalise}},
		"org":   {Classification: policy.Public},
	}}
	a := New([]byte("0123456789abcdef"))
	for _, tc := range []struct{ dest, field, in, want string }{
		{policy.SSOT, "email", "jane@example.co.za", "jane@example.co.za"},
		{policy.Reports, "email", "jane@example.co.za", "j***@e***.co.za"},
		{policy.Review, "phone", "+27821234567", a.Hash("+27821234567")},
		{policy.Reports, "phone", "+27821234567", a.Mask("+27821234567")},
		{policy.Reports, "notes", "call after five", ""},
		{policy.Reports, "since", "2024-03-01", "2024"},
		{policy.Reports, "org", "Sky Flight School", "Sky Flight School"},
		// Columns the policy does not name keep what is not personal
		// data and mask what is.
		{policy.LabelStudio, "phones", "+27821234567,+27829876543", a.MaskFound("+27821234567") + "," + a.MaskFound("+27829876543")},
		{policy.LabelStudio, "name", "Sky Flight School", "Sky Flight School"},
	} {
		got := a.ForDestination(p, tc.dest).Field(tc.field, tc.in)
		if got != tc.want {
			t.Errorf("%s %s %q = %q, want %q", tc.dest, tc.field, tc.in, got, tc.want)
		}
	}
	if got := a.MaskFound("+27821234567"); got == "+27821234567" || got == "" {
		t.Errorf("MaskFound left a phone number as %q", got)
	}
	var none *Destination
	if got := none.Field("email", "jane@example.co.za"); got != "jane@example.co.za" {
		t.Errorf("a nil Destination changed a value to %q", got)
	}
}

func TestForPolicy(t *testing.T) {
	t.Parallel()
	p := &policy.Policy{HMACKeyEnv: "K", Fields: map[string]policy.Field{"phone": {Classification: policy.PII, Operator: policy.Hash}}}
	if _, err := ForPolicy(p, policy.Reports, func(string) (string, bool) { return "", false }); !errors.Is(err, ErrMissingKey) {
		t.Errorf("missing key: %v", err)
	}
	d, err := ForPolicy(p, policy.Reports, func(string) (string, bool) { return "0123456789abcdef", true })
	if err != nil || d.Field("phone", "+27821234567") != New([]byte("0123456789abcdef")).Hash("+27821234567") {
		t.Errorf("ForPolicy with a key: %v", err)
	}
	if d, err := ForPolicy(nil, policy.Reports, nil); d != nil || err != nil {
		t.Errorf("no policy: %v %v", d, err)
	}
}

func TestDestinationTable(t *testing.T) {
	t.Parallel()
	p := &policy.Policy{Fields: map[string]policy.Field{
		"email": {Classification: policy.PII, Destinations: map[string]string{policy.SSOT: policy.Keep}},
		"notes": {Classification: policy.Confidential, Destinations: map[string]string{policy.Logs: policy.Drop}},
		"seen":  {Classification: policy.Internal, Destinations: map[string]string{policy.Logs: policy.Generalise}},
	}}
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "email", Type: table.String},
		table.Field{Name: "notes", Type: table.String},
		table.Field{Name: "seen", Type: table.Date},
		table.Field{Name: "remark", Type: table.String},
	), 2)
	_ = b.AppendRow("jane@example.co.za", "call Jane", table.DateToTime(19800), "ring +27821234567")
	_ = b.AppendRow(nil, nil, nil, "no contact")
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	a := New(nil)
	out, err := a.ForDestination(p, policy.Logs).Table(tb)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out.Schema().Names(), ","); got != "email,seen,remark" {
		t.Fatalf("columns %s, want notes dropped", got)
	}
	want := []any{"j***@e***.co.za", "2024", "ring " + a.MaskFound("+27821234567")}
	if got := out.Row(0); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("row 0 = %v, want %v", got, want)
	}
	if r := out.Row(1); r[0] != nil || r[1] != nil || r[2] != "no contact" {
		t.Errorf("row 1 = %v: nulls stay null, plain text stays", r)
	}
	var none *Destination
	if got, err := none.Table(tb); got != tb || err != nil {
		t.Errorf("a nil Destination changed the table: %v", err)
	}
}
