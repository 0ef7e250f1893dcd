package main

import (
	"strings"
	"testing"
)

// TestServeRefusesWeakTokenBeyondLoopback: a short token is refused on an
// open address, with how to make a strong one, and never printed.
func TestServeRefusesWeakTokenBeyondLoopback(t *testing.T) {
	t.Setenv("HOTPASS_API_TOKEN", "short-token")
	_, stderr, code := cli(t, "serve", "--state-dir", t.TempDir(), "--addr", "0.0.0.0:0")
	if code != exitInvalid || !strings.Contains(stderr, "openssl rand -hex 32") || strings.Contains(stderr, "short-token") {
		t.Errorf("exit %d, stderr %q; want 2 saying how to generate a token, without showing it", code, stderr)
	}
}

func TestServeRejectsBadLimits(t *testing.T) {
	t.Parallel()
	tests := []struct{ flag, value string }{
		{"--max-conns", "0"},
		{"--max-conns-per-ip", "1000"},
		{"--read-timeout", "0s"},
		{"--max-header-bytes", "10"},
	}
	for _, tt := range tests {
		_, stderr, code := cli(t, "serve", "--state-dir", t.TempDir(), tt.flag, tt.value)
		if code != exitInvalid || !strings.Contains(stderr, tt.flag) {
			t.Errorf("serve %s %s: exit %d, stderr %q; want 2 naming the flag", tt.flag, tt.value, code, stderr)
		}
	}
}
