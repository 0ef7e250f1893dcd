package textnorm_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/textnorm"
)

func TestCleanAndFold(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, clean, fold string }{
		{"Eagle Air", "Eagle Air", "eagle air"},
		{"  Eagle \t Air\n", "Eagle Air", "eagle air"},
		{"Eagle\u00a0Air", "Eagle Air", "eagle air"},
		{"ＥＡＧＬＥ　ＡＩＲ", "EAGLE AIR", "eagle air"},
		{"ﬂight", "flight", "flight"},
		{"Zürich", "Zürich", "zürich"},
		{"", "", ""},
		{" \t ", "", ""},
	} {
		if got := textnorm.Clean(tc.in); got != tc.clean {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.clean)
		}
		if got := textnorm.Fold(tc.in); got != tc.fold {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.fold)
		}
	}
}

func TestWebsiteHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://www.eagle.co.za/about", "eagle.co.za"},
		{"http://eagle.co.za/", "eagle.co.za"},
		{"eagle.co.za", "eagle.co.za"},
		{"www.eagle.co.za:8080/x?y=1", "eagle.co.za"},
		{"https://eagle.co.za#top", "eagle.co.za"},
		{"www.www.eagle.co.za", "eagle.co.za"},
		{"https://shop.eagle.co.za", "shop.eagle.co.za"},
	} {
		if got := textnorm.WebsiteHost(tc.in); got != tc.want {
			t.Errorf("WebsiteHost(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Clean's output is clean: cleaning again changes nothing, and it has no
// white space at the ends or twice in a row.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"Eagle  Air", " \u00a0x\u3000y ", "ﬂ", "\xff a", "a\tb\nc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := textnorm.Clean(s)
		if again := textnorm.Clean(c); again != c {
			t.Fatalf("Clean(%q) = %q, but Clean of that is %q", s, c, again)
		}
		if c != strings.TrimSpace(c) || strings.Contains(c, "  ") {
			t.Fatalf("Clean(%q) = %q keeps white space it should collapse", s, c)
		}
		if utf8.ValidString(s) && !utf8.ValidString(c) {
			t.Fatalf("Clean(%q) = %q is not valid UTF-8", s, c)
		}
	})
}

func ExampleFold() {
	fmt.Println(textnorm.Fold("  EAGLE\u00a0Flight   School "))
	fmt.Println(textnorm.WebsiteHost(textnorm.Fold("HTTPS://WWW.Eagle.co.za/About/")))
	// Output:
	// eagle flight school
	// eagle.co.za
}
