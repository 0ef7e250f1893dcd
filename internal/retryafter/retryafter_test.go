package retryafter

import (
	"net/http"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"": 0, "0": 0, "3": 3 * time.Second, " 7 ": 7 * time.Second, "-1": 0, "soon": 0, "1.5": 0,
		"99999999999": Max, "9223372036854775807": Max,
		time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat):   0,
		time.Now().Add(48 * time.Hour).UTC().Format(http.TimeFormat): Max,
	} {
		if got := Parse(in); got != want {
			t.Errorf("Parse(%q) = %v, want %v", in, got, want)
		}
	}
	future := Parse(time.Now().Add(time.Minute).UTC().Format(http.TimeFormat))
	if future < 58*time.Second || future > time.Minute {
		t.Errorf("an HTTP date a minute ahead gave %v", future)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "3", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d := Parse(v); d < 0 || d > Max {
			t.Errorf("Parse(%q) = %v, outside [0, %v]", v, d, Max)
		}
	})
}
