package phonetic

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestSoundex(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		// U.S. National Archives examples.
		{"Robert", "R163"},
		{"Rupert", "R163"},
		{"Rubin", "R150"},
		{"Ashcraft", "A261"}, // S and C merge across H
		{"Ashcroft", "A261"},
		{"Tymczak", "T522"},  // vowel A separates the two 2s
		{"Pfister", "P236"},  // F shares P's digit and is dropped
		{"Honeyman", "H555"}, // vowels separate the 5s
		{"Lee", "L000"},
		{"Gutierrez", "G362"},
		{"Jackson", "J250"},
		// Case, diacritics and non-letters.
		{"robert", "R163"},
		{"O'Hara", "O600"},
		{"Müller", "M460"},
		{"Muller", "M460"},
		{"  Smith  ", "S530"},
		{"Schmidt", "S530"},
		{"Çelik", "C420"},
		// No letters at all.
		{"", ""},
		{"1234", ""},
		{"北京", ""},
	}
	for _, tt := range tests {
		if got := Soundex(tt.in); got != tt.want {
			t.Errorf("Soundex(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAppendSoundexReusesBuffer(t *testing.T) {
	buf := make([]byte, 0, 8)
	buf = AppendSoundex(buf, "Robert")
	buf = append(buf, '|')
	buf = AppendSoundex(buf, "Ashcraft")
	if got := string(buf); got != "R163|A261" {
		t.Fatalf("AppendSoundex chain = %q, want %q", got, "R163|A261")
	}
	dst := make([]byte, 0, 4)
	if n := testing.AllocsPerRun(100, func() { dst = AppendSoundex(dst[:0], "Honeyman") }); n != 0 {
		t.Fatalf("AppendSoundex allocates %v times per call, want 0", n)
	}
}

func TestDoubleMetaphone(t *testing.T) {
	t.Parallel()
	// Each value follows from the rule named in the comment.
	tests := []struct{ in, primary, secondary string }{
		{"Smith", "SM0", "XMT"},   // initial SM: S/X; TH: 0/T
		{"Schmidt", "XMT", "SMT"}, // initial SCH before a consonant: X/S
		{"Schneider", "XNTR", "SNTR"},
		{"Snider", "SNTR", "XNTR"},
		{"Thompson", "TMPS", "TMPS"}, // TH before OM is T; truncated from TMPSN
		{"Thomas", "TMS", "TMS"},
		{"Jose", "HS", "HS"},     // Spanish JOSE
		{"Xavier", "SF", "SFR"},  // initial X is S; French final -IER
		{"Arnow", "ARN", "ARNF"}, // final W after a vowel
		{"Knight", "NT", "NT"},   // silent initial K; GH after I is silent
		{"Wright", "RT", "RT"},   // initial WR
		{"Gnome", "NM", "NM"},    // silent initial G
		{"Dumb", "TM", "TM"},     // -MB
		{"Campbell", "KMPL", "KMPL"},
		{"Michael", "MKL", "MXL"}, // CHAE
		{"Chianti", "KNT", "KNT"},
		{"Character", "KRKT", "KRKT"}, // Greek CHARAC
		{"Cheryl", "XRL", "XRL"},
		{"Caesar", "SSR", "SSR"},
		{"Czerny", "SRN", "XRN"},
		{"Focaccia", "FKX", "FKX"},
		{"Bacchus", "PKS", "PKS"},
		{"Accident", "AKST", "AKST"},
		{"Edge", "AJ", "AJ"},
		{"Edgar", "ATKR", "ATKR"},
		{"Laugh", "LF", "LF"},
		{"Hugh", "H", "H"},
		{"Ghislane", "JLN", "JLN"},
		{"Cagney", "KKN", "KKN"},
		{"Gallegos", "KLKS", "KKS"},
		{"Cabrillo", "KPRL", "KPR"},
		{"Sugar", "XKR", "SKR"},
		{"Island", "ALNT", "ALNT"},
		{"School", "SKL", "SKL"},
		{"Schenker", "XNKR", "SKNK"},
		{"Resnais", "RSN", "RSNS"},
		{"Nation", "NXN", "NXN"},
		{"Wasserman", "ASRM", "FSRM"},
		{"Filipowicz", "FLPT", "FLPF"},
		{"Breaux", "PR", "PR"},
		{"Zhao", "J", "J"},
		{"Garcia", "KRS", "KRX"},
		{"Rogier", "RJ", "RJR"}, // G before IER and end is soft; final -IER R in the secondary only
		{"Jackson", "JKSN", "AKSN"},
		{"Lee", "L", "L"},
		// Common surnames.
		{"Wilson", "ALSN", "FLSN"},
		{"Walker", "ALKR", "FLKR"},
		{"Rogers", "RKRS", "RJRS"},
		{"Jimenez", "JMNS", "AMNS"},
		{"Mitchell", "MXL", "MXL"},
		{"Patricia", "PTRS", "PTRX"},
		{"Psychology", "SXLJ", "SKLK"},
		{"Danger", "TNJR", "TNKR"},
		{"Gil", "KL", "JL"},
		{"Womo", "AM", "FM"},
		// Case, folding and the Latin-1 letters the algorithm knows.
		{"smith", "SM0", "XMT"},
		{"François", "FRNS", "FRNS"},
		{"Muñoz", "MNS", "MNS"},
		{"Müller", "MLR", "MLR"},
		{"Ángel", "ANJL", "ANKL"},
		// Nothing to code.
		{"", "", ""},
		{"  ", "", ""},
		{"Aa", "A", "A"},
	}
	for _, tt := range tests {
		p, s := DoubleMetaphone(tt.in)
		if p != tt.primary || s != tt.secondary {
			t.Errorf("DoubleMetaphone(%q) = %q, %q; want %q, %q", tt.in, p, s, tt.primary, tt.secondary)
		}
	}
}

func TestDoubleMetaphoneLen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                 string
		maxLen             int
		primary, secondary string
	}{
		{"Thompson", 0, "TMPSN", "TMPSN"},
		{"Thompson", 2, "TM", "TM"},
		{"Christopher", 0, "KRSTFR", "KRSTFR"},
		{"Schwarzenegger", 0, "XRSNKR", "XFRTSNKR"}, // SCH before W is X; W after SCH is F in the secondary only
		{"Schwarzenegger", 4, "XRSN", "XFRT"},
		// Long codes outgrow the fixed code buffer: each BB codes one P.
		{strings.Repeat("B", 40), 0, strings.Repeat("P", 20), strings.Repeat("P", 20)},
		{strings.Repeat("B", 40), 18, strings.Repeat("P", 18), strings.Repeat("P", 18)},
	}
	for _, tt := range tests {
		p, s := DoubleMetaphoneLen(tt.in, tt.maxLen)
		if p != tt.primary || s != tt.secondary {
			t.Errorf("DoubleMetaphoneLen(%q, %d) = %q, %q; want %q, %q", tt.in, tt.maxLen, p, s, tt.primary, tt.secondary)
		}
	}
}

// TestLatinFoldTable checks every entry with a Unicode decomposition
// against that decomposition, so a typo in the table cannot slip through.
func TestLatinFoldTable(t *testing.T) {
	t.Parallel()
	transliterated := map[rune]bool{}
	for _, r := range "ÆæØøÐðÞþßĐđĦħıĲĳŁłŒœŦŧſŊŋĸ" {
		transliterated[r] = true
	}
	for r := rune(0xC0); r < 0x180; r++ {
		if transliterated[r] {
			if foldRune(r) == "" {
				t.Errorf("foldRune(%q) is empty, want a transliteration", r)
			}
			continue
		}
		var want strings.Builder
		for _, d := range norm.NFKD.String(string(r)) {
			if d < utf8.RuneSelf && (d >= 'A' && d <= 'Z' || d >= 'a' && d <= 'z') {
				want.WriteString(strings.ToUpper(string(d)))
			}
		}
		if got := foldRune(r); got != want.String() {
			t.Errorf("foldRune(%q U+%04X) = %q, want %q from its decomposition", r, r, got, want.String())
		}
	}
}

func FuzzSoundex(f *testing.F) {
	for _, s := range []string{"", "Robert", "Ashcraft", "Müller", "\xff", "H-W", "北京Lee"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code := Soundex(s)
		if code != Soundex(s) {
			t.Fatalf("Soundex(%q) not deterministic", s)
		}
		if code == "" {
			return
		}
		if len(code) != 4 || code[0] < 'A' || code[0] > 'Z' {
			t.Fatalf("Soundex(%q) = %q, want a letter and three digits", s, code)
		}
		for i := 1; i < 4; i++ {
			if code[i] < '0' || code[i] > '6' {
				t.Fatalf("Soundex(%q) = %q, want a letter and three digits", s, code)
			}
		}
		// Case never matters for ASCII input.
		if ascii := strings.Map(func(r rune) rune {
			if r < utf8.RuneSelf {
				return r
			}
			return -1
		}, s); ascii == s {
			if got := Soundex(strings.ToLower(s)); got != code {
				t.Fatalf("Soundex(%q) = %q but Soundex of its lower case = %q", s, code, got)
			}
		}
	})
}

func FuzzDoubleMetaphone(f *testing.F) {
	for _, s := range []string{"", "Smith", "Schwarzenegger", "VAN CH", "Muñoz", "\xff\xfe", "GHGHGH", "SAN JOSE", "MACCAFFREY"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, q := DoubleMetaphone(s)
		if p2, q2 := DoubleMetaphone(s); p2 != p || q2 != q {
			t.Fatalf("DoubleMetaphone(%q) not deterministic", s)
		}
		for _, code := range []string{p, q} {
			if len(code) > DefaultMetaphoneLen {
				t.Fatalf("DoubleMetaphone(%q) = %q, %q: longer than %d", s, p, q, DefaultMetaphoneLen)
			}
			for i := 0; i < len(code); i++ {
				if !strings.ContainsRune("0AFHJKLMNPRSTX", rune(code[i])) {
					t.Fatalf("DoubleMetaphone(%q) = %q, %q: unexpected symbol %q", s, p, q, code[i])
				}
			}
		}
		// The default codes are prefixes of the untruncated ones.
		lp, lq := DoubleMetaphoneLen(s, 0)
		if !strings.HasPrefix(lp, p) || !strings.HasPrefix(lq, q) {
			t.Fatalf("DoubleMetaphone(%q) = %q, %q; not prefixes of the full codes %q, %q", s, p, q, lp, lq)
		}
	})
}
