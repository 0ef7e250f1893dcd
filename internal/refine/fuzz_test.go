package refine

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/strsim"
)

// Every address SplitEmails accepts is lowercase, valid, and splits back
// to itself; nothing it returns holds a separator.
func FuzzSplitEmails(f *testing.F) {
	for _, s := range []string{"a@x.com; b@y.org", "John.Smith@Example.co.za / info@x.com", "n/a", "x@@y.com", "<a@b.co>", "a at b.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		valid, _ := SplitEmails(cell)
		for _, v := range valid {
			if v != strings.ToLower(v) || !ValidEmail(v) || strings.ContainsAny(v, emailSeparators+" ") {
				t.Fatalf("SplitEmails(%q) returned %q", cell, v)
			}
			again, bad := SplitEmails(v)
			if len(again) != 1 || again[0] != v || len(bad) != 0 {
				t.Fatalf("SplitEmails(%q) = %q, %q; want itself", v, again, bad)
			}
		}
	})
}

// A normalised website is an http(s) URL on a valid, lowercase host,
// without fragment or tracking parameters, and normalises to itself.
func FuzzNormaliseWebsite(f *testing.F) {
	for _, s := range []string{"www.example.co.za/", "HTTP://X.COM:80/a?b", "x.co.za/A/?utm_source=y&id=1#f", "x.co.za/go?u=http://y.com", "n/a", "a@b.com", "xn--bcher-kva.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		got, ok := NormaliseWebsite(cell)
		if !ok {
			if got != "" {
				t.Fatalf("rejected %q but returned %q", cell, got)
			}
			return
		}
		host := WebsiteHost(got)
		if !strings.HasPrefix(got, "https://") && !strings.HasPrefix(got, "http://") || !validDomain(host) ||
			strings.ContainsAny(got, "# ") || host != strings.ToLower(host) {
			t.Fatalf("NormaliseWebsite(%q) = %q (host %q)", cell, got, host)
		}
		if _, q, ok := strings.Cut(got, "?"); ok {
			for _, p := range strings.Split(q, "&") {
				if p == "" || isTrackingParam(p) {
					t.Fatalf("NormaliseWebsite(%q) = %q keeps query part %q", cell, got, p)
				}
			}
		}
		if again, ok := NormaliseWebsite(got); !ok || again != got {
			t.Fatalf("NormaliseWebsite(%q) = %q, %v; want itself", got, again, ok)
		}
	})
}

// ParseDate never panics and what it accepts formats back to a date that
// parses to the same day.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-03-15", "15/03/2024", "45366", "Mar 15, 2024", "31/04/2024"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseDate(s, DayFirst)
		if !ok {
			return
		}
		iso := formatDate(d)
		if again, ok := ParseDate(iso, DayFirst); !ok || again != d {
			t.Fatalf("ParseDate(%q) = %s, which reads back as %v %v", s, iso, again, ok)
		}
	})
}

// The hand-written provenance encoder must render exactly what
// encoding/json renders for the same map, whatever the source values
// hold.
func FuzzProvenanceJSON(f *testing.F) {
	for _, s := range []string{"Reachout Database", "a\"b\\c", "<script>&amp;", "tab\there\nnew", "\x00\x1f\x7f", "caf\xc3\xa9 \xff\xfe", "line\u2028sep\u2029", "\b\f"} {
		f.Add(s, s+"!1", 3)
	}
	f.Fuzz(func(t *testing.T, source, recordID string, priority int) {
		p := Provenance{
			{Field: "website", Choice: Choice{Source: source, RecordID: recordID, Priority: priority, Reason: "only value"}},
			{Field: "area", Choice: Choice{Source: recordID, RecordID: source, Priority: -priority, Reason: source}},
			{Field: "contact_primary", Choice: Choice{Source: source, Reason: "lead 0.500 best of 2"}},
		}
		m := map[string]Choice{}
		for _, fc := range p {
			m[fc.Field] = fc.Choice
		}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		o := Organisation{Provenance: p}
		if got := o.ProvenanceJSON(); got != string(want) {
			t.Fatalf("ProvenanceJSON:\n got %s\nwant %s", got, want)
		}
	})
}

// Placeholders.Clean never grows a value, keeps only text it was given,
// and what it keeps is no placeholder; splitBracketRole splits without
// losing words.
func FuzzPlaceholders(f *testing.F) {
	for _, s := range []string{"Unknown", "- -", "Accountable Manager (Not Publicly Listed)", "Verity Wallace (Director)", "N/A (n/a)", "((", "Eagle ( ) Air", "ünknown"} {
		f.Add(s)
	}
	ph := NewPlaceholders(nil)
	f.Fuzz(func(t *testing.T, v string) {
		out, stripped := ph.Clean(v)
		if len(out) > len(v) {
			t.Fatalf("Clean(%q) = %q grew", v, out)
		}
		if out != "" && ph.Is(out) {
			t.Fatalf("Clean(%q) = %q, a placeholder", v, out)
		}
		if !stripped && out != "" && out != v {
			t.Fatalf("Clean(%q) = %q changed a value without stripping", v, out)
		}
		for _, w := range strings.Fields(out) {
			if !strings.Contains(v, w) {
				t.Fatalf("Clean(%q) = %q invented %q", v, out, w)
			}
		}
		name, role := splitBracketRole(v)
		if role != "" && (!strings.Contains(v, name) || !strings.Contains(v, role)) {
			t.Fatalf("splitBracketRole(%q) = %q, %q", v, name, role)
		}
	})
}

// The character-count bound that skips candidates in similar-name joins
// never skips a pair at or above the threshold.
func FuzzJoinNameBound(f *testing.F) {
	for _, p := range [][2]string{{"eaglefalconflightschool", "eagelfalconflightschool"}, {"capitalair", "capitalairways"}, {"abc", "xyz"}, {"", "a"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if a == "" || b == "" {
			return
		}
		qh := byteCounts(a)
		for _, th := range []float64{0.8, DefaultJoinNameThreshold, 0.99} {
			jmin := (th - 0.4) / 0.6
			skip := float64(commonBytes(qh, b))*(1/float64(len(a))+1/float64(len(b))) < 3*jmin-1
			if s := strsim.JaroWinkler(a, b); skip && s >= th {
				t.Fatalf("bound skips %q/%q at %v, similarity %v", a, b, th, s)
			}
		}
	})
}
