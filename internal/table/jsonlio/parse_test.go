package jsonlio

import (
	"bytes"
	"testing"
)

// FuzzParseObject checks the hand-written object splitter against the
// json.Decoder it stands in for: the same keys and raw values for every
// line the decoder accepts, and an error for every line it refuses.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{
		`{"id": 1, "name": "Aero", "score": 0.5, "ok": true, "none": null}`,
		`{"nested": {"a": [1, {"b": "}"}]}, "s": "quote \" and \\ backslash", "u": "\u263a"}`,
		` { "a" : 1 , "b" :[ ] , "c":{} } `,
		`{"a": 1, "a": 2}`,
		`{"a": 1} {"b": 2}`,
		`[1, 2]`,
		`{"a": 1,}`,
		`{}`,
		`{"e": -1.5e+10, "k\u0041y": "v"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		want, werr := decodeObject(line)
		got, gerr := parseObject(line)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("decoder: %v; splitter: %v", werr, gerr)
		}
		if werr != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("splitter found %d fields, decoder %d", len(got), len(want))
		}
		for i := range want {
			if got[i].key != want[i].key || !bytes.Equal(got[i].raw, want[i].raw) {
				t.Fatalf("field %d: splitter %q=%q, decoder %q=%q", i, got[i].key, got[i].raw, want[i].key, want[i].raw)
			}
		}
	})
}

// TestValueTracker feeds a long line in pieces and checks the key and the
// start of the value the line ends in.
func TestValueTracker(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line, key string
		valStart  int
	}{
		{`{"id": 1, "blob": "xxxxx`, "blob", 17},
		{`{"a": {"inner": "x"}, "b": [1, 2, 3`, "b", 26},
		{`{"k\"ey": "v", "next": "va`, "next", 22},
		{`{"s": "a:b", "t": 12345`, "t", 17},
	}
	for _, tt := range tests {
		for cut := 0; cut <= len(tt.line); cut++ {
			var v valueTracker
			b := []byte(tt.line)
			v.feed(b[:cut], 0)
			v.feed(b, cut)
			if v.key != tt.key || v.valStart != tt.valStart {
				t.Errorf("%s cut at %d: key %q at %d, want %q at %d", tt.line, cut, v.key, v.valStart, tt.key, tt.valStart)
			}
		}
	}
}
