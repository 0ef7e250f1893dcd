package telemetry

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// Whatever parseHeaders accepts has valid keys and survives encoding back
// to the variable's syntax unchanged.
func FuzzParseHeaders(f *testing.F) {
	for _, s := range []string{"", "a=b", "api-key=s%20ecret, x-team=data", "a=b,,c=d,", "k=%zz", "=v", "novalue", "a=b=c", "k=%E2%82%AC", "k=x%2Cy"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHeaders(s)
		if err != nil {
			return
		}
		var parts []string
		for k, v := range h {
			if !validHeaderKey(k) {
				t.Fatalf("accepted invalid key %q", k)
			}
			parts = append(parts, k+"="+strings.ReplaceAll(url.PathEscape(v), ",", "%2C"))
		}
		again, err := parseHeaders(strings.Join(parts, ","))
		if err != nil {
			t.Fatalf("re-encoded %q rejected: %v", parts, err)
		}
		if len(h) == 0 && len(again) == 0 {
			return
		}
		if !reflect.DeepEqual(h, again) {
			t.Fatalf("round trip changed %v to %v", h, again)
		}
	})
}

// parseEndpoint accepts only absolute http(s) URLs with a host.
func FuzzParseEndpoint(f *testing.F) {
	for _, s := range []string{"http://localhost:4318", "localhost:4318", "https://h/p", "unix:///x", "http://", "ftp://h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseEndpoint("X", s)
		if err != nil {
			if !strings.Contains(err.Error(), "X=") {
				t.Fatalf("error does not name the variable: %v", err)
			}
			return
		}
		u, err := url.Parse(got)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Fatalf("accepted %q as %q", s, got)
		}
	})
}

// parseResourceAttributes never panics and keeps every key it accepts.
func FuzzParseResourceAttributes(f *testing.F) {
	for _, s := range []string{"", "a=b", "deployment.environment=prod,team=data%2Fplatform", "x", "a=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		attrs, err := parseResourceAttributes(s)
		if err != nil {
			return
		}
		for _, kv := range attrs {
			if strings.TrimSpace(string(kv.Key)) == "" {
				t.Fatalf("accepted an empty key from %q", s)
			}
		}
	})
}
