package tmpl

import (
	"reflect"
	"testing"
)

// TestDerivedSecrets: the text of every expression that read an
// environment variable is a secret, whatever filters changed it, so that
// masking follows the value's origin rather than its exact spelling.
func TestDerivedSecrets(t *testing.T) {
	t.Parallel()
	e := New()
	tests := []struct {
		name, src string
		want      []string
	}{
		{"upper", "{{ env_var('USER')|upper }}", []string{"alice", "ALICE"}},
		{"inside text", "x-{{ env_var('USER')|capfirst }}-y", []string{"alice", "Alice"}},
		{"concatenation", "{{ env_var('USER') + '-' + params.db }}", []string{"alice", "alice-sales"}},
		{"length", "{{ env_var('DSN')|length }}!", []string{"postgres://x", "12"}},
		{"only the expression that read it", "{{ params.db|upper }}/{{ env_var('USER')|title }}", []string{"alice", "Alice"}},
		{"unchanged value once", "{{ env_var('USER') }}", []string{"alice"}},
		{"default not read from env", "{{ env_var('NOPE', 'fallback')|upper }}", nil},
		{"empty value", "{{ env_var('BLANK')|upper }}x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.Render(tt.src, testVars())
			if err != nil {
				t.Fatalf("Render(%q): %v", tt.src, err)
			}
			if !reflect.DeepEqual(got.Secrets, tt.want) {
				t.Errorf("Render(%q).Secrets = %q, want %q", tt.src, got.Secrets, tt.want)
			}
		})
	}
}
