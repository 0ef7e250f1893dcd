package profiles

import (
	"errors"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/specs"
)

// A compliance: block is checked by the schema and by the policy's own
// rules, each problem at its line and column.
func TestComplianceBlockErrorsHavePositions(t *testing.T) {
	t.Parallel()
	base := "name: x\nsources:\n  - name: s\n    files: ['*.xlsx']\n    sheets:\n      - sheet: S\ncompliance:\n"
	ok := base + "  policy: fail\n  hmac_key_env: HOTPASS_HMAC_KEY\n" +
		"  consent: {column: consent, granted: [yes], denied: [no], on_denied: drop_record}\n" +
		"  retention: {days: 365}\n" +
		"  fields:\n    contact_primary_email: {classification: pii, lawful_basis: consent, consent_required: true, operator: hash, destinations: {review: mask}}\n"
	p, err := Parse("p.yaml", []byte(ok))
	if err != nil {
		t.Fatalf("a good compliance block: %v", err)
	}
	if p.Compliance == nil || p.Compliance.Fields["contact_primary_email"].Operator != "hash" || p.Compliance.Consent.OnDenied != "drop_record" {
		t.Fatalf("decoded policy: %+v", p.Compliance)
	}
	for _, tc := range []struct{ name, src, want string }{
		{"unknown operator", "  fields:\n    email: {classification: pii, operator: scramble}\n", "p.yaml:9:44: error: compliance.fields.email.operator"},
		{"unknown destination", "  fields:\n    email: {classification: pii, destinations: {fax: keep}}\n", "p.yaml:9:"},
		{"unknown classification", "  fields:\n    email: {classification: secret}\n", "p.yaml:9:29: error:"},
		{"hash without key", "  fields:\n    email: {classification: pii, operator: hash}\n", "p.yaml:7:1: error: the hash operator needs hmac_key_env"},
		{"consent required without consent", "  fields:\n    email: {classification: pii, consent_required: true}\n", "p.yaml:9:34: error: field \"email\" requires consent"},
		{"consent value twice", "  consent: {column: c, granted: [yes], denied: [Yes]}\n", "p.yaml:8:49: error: consent value \"Yes\" is already listed under granted"},
		{"retention days", "  retention: {days: 0}\n", "p.yaml:8:"},
	} {
		_, err := Parse("p.yaml", []byte(base+tc.src))
		var ds specs.Diagnostics
		if !errors.As(err, &ds) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v\nwant it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestAviationCompliance(t *testing.T) {
	t.Parallel()
	p, err := Builtin("aviation")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Compliance
	if c == nil || c.Retention == nil || c.Fields["contact_primary_email"].Classification != "pii" {
		t.Fatalf("aviation compliance block: %+v", c)
	}
	if op := c.Operator("contact_primary_email", "logs"); op != "mask" {
		t.Errorf("aviation emails in logs: %s", op)
	}
	if op := c.Operator("contact_primary_email", "ssot"); op != "keep" {
		t.Errorf("aviation emails in the workbook: %s", op)
	}
}
