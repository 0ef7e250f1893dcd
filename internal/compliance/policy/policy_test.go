package policy

import (
	"fmt"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		p    Policy
		want []string // "path: message part"
	}{
		{"good", Policy{OnViolation: "fail", HMACKeyEnv: "K", Fields: map[string]Field{"email": {Classification: PII, Operator: Hash}}}, nil},
		{"unknown operator", Policy{Fields: map[string]Field{"email": {Classification: PII, Operator: "scramble"}}},
			[]string{`[fields email operator]: unknown operator "scramble"; use one of: keep, mask, hash, drop, generalise`}},
		{"unknown destination operator", Policy{Fields: map[string]Field{"email": {Classification: PII, Destinations: map[string]string{"logs": "blur", "fax": "keep"}}}},
			[]string{`[fields email destinations fax]: unknown destination "fax"`, `[fields email destinations logs]: unknown operator "blur"`}},
		{"no classification", Policy{Fields: map[string]Field{"email": {}}}, []string{`[fields email]: field "email" has no classification`}},
		{"hash without key", Policy{Fields: map[string]Field{"email": {Classification: PII, Destinations: map[string]string{"ssot": Hash}}}},
			[]string{`[hmac_key_env]: the hash operator needs hmac_key_env`}},
		{"consent without block", Policy{Fields: map[string]Field{"email": {Classification: PII, ConsentRequired: true}}},
			[]string{`[fields email consent_required]: field "email" requires consent`}},
		{"consent value twice", Policy{Consent: &Consent{Column: "c", Granted: []string{"yes"}, Denied: []string{"Yes "}}},
			[]string{`[consent denied 0]: consent value "Yes " is already listed under granted`}},
		{"bad basis and policy", Policy{OnViolation: "panic", Fields: map[string]Field{"x": {Classification: Public, LawfulBasis: "whim"}}},
			[]string{`[policy]: unknown violation policy "panic"`, `[fields x lawful_basis]: unknown lawful basis "whim"`}},
		{"retention", Policy{Retention: &Retention{Days: 0, Action: "shred"}},
			[]string{`[retention days]: retention days must be positive`, `[retention action]: unknown retention action "shred"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, pr := range c.p.Check() {
				got = append(got, fmt.Sprintf("%v: %s", pr.Path, pr.Message))
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %q, want %d problems like %q", got, len(c.want), c.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], c.want[i]) {
					t.Errorf("problem %d = %q, want prefix %q", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestOperatorDefaults(t *testing.T) {
	t.Parallel()
	p := Policy{Fields: map[string]Field{
		"email": {Classification: PII, Destinations: map[string]string{SSOT: Keep}},
		"role":  {Classification: Internal},
		"notes": {Classification: Confidential, Operator: Drop, Destinations: map[string]string{Review: Keep}},
	}}
	for _, c := range []struct{ field, dest, want string }{
		{"email", SSOT, Keep}, {"email", Logs, Mask}, {"role", Logs, Keep},
		{"notes", Review, Keep}, {"notes", Reports, Drop}, {"unlisted", Logs, Keep},
	} {
		if got := p.Operator(c.field, c.dest); got != c.want {
			t.Errorf("Operator(%s, %s) = %s, want %s", c.field, c.dest, got, c.want)
		}
	}
	c := Consent{Granted: []string{"Yes"}, Pending: []string{"asked"}, Denied: []string{"withdrawn"}}
	for v, want := range map[string]ConsentStatus{" yes ": ConsentGranted, "ASKED": ConsentPending, "withdrawn": ConsentDenied, "": ConsentUnknown, "perhaps": ConsentUnknown} {
		if got := c.Status(v); got != want {
			t.Errorf("Status(%q) = %v, want %v", v, got, want)
		}
	}
}
