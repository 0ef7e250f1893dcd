package locale

import (
	"strings"
	"testing"
)

func ptr(b bool) *bool { return &b }

func TestRewrite(t *testing.T) {
	t.Parallel()
	za, err := Options{}.WithLocale("en-ZA")
	if err != nil {
		t.Fatal(err)
	}
	us, _ := Options{}.WithLocale("en_us")
	de, _ := Options{}.WithLocale("de-DE")
	tests := []struct {
		name string
		opts Options
		in   string
		want string // "" means left as it is
	}{
		{"decimal comma", za, "1,5", "1.5"},
		{"grouped with space", za, "1 234 567,89", "1234567.89"},
		{"no-break space group", za, "12\u00a0345", "12345"},
		{"narrow no-break space group", za, "-12\u202f345,5", "-12345.5"},
		{"leading decimal", za, ",5", "0.5"},
		{"plain integer", za, "42", "42"},
		{"phone number is not a number", za, "082 555 1234", ""},
		{"grouped phone with leading zero", za, "082 555 123", ""},
		{"bad group", za, "12 34", ""},
		{"dangling decimal", za, "1,", ""},
		{"text", za, "Café, Inc.", ""},
		{"day first", za, "03/04/2024", "2024-04-03"},
		{"day first with time", za, "3/4/2024 14:30", "2024-04-03T14:30:00Z"},
		{"day first impossible", za, "13/13/2024", ""},
		{"month first", us, "03/04/2024", "2024-03-04"},
		{"month first 31st", us, "12/31/2023", "2023-12-31"},
		{"us thousands", us, "1,234.5", "1234.5"},
		{"de thousands", de, "1.234,5", "1234.5"},
		{"de dotted date", de, "03.04.2024", "2024-04-03"},
		{"no order declared", Options{Decimal: ","}, "03/04/2024", ""},
		{"strftime layout", Options{DateFormat: "%d %b %Y"}, "03 Apr 2024", "2024-04-03"},
		{"go layout with clock", Options{DateFormat: "02.01.2006 15:04"}, "03.04.2024 08:15", "2024-04-03T08:15:00Z"},
		{"layout mismatch", Options{DateFormat: "%d/%m/%Y"}, "2024-04-03", ""},
		{"column layout wins", Options{DateFormat: "%d/%m/%Y", DateFormats: map[string]string{"c": "%m/%d/%Y"}}, "03/04/2024", "2024-03-04"},
		{"zero options", Options{}, "1,5", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.opts.Check(); err != nil {
				t.Fatal(err)
			}
			got, ok := tt.opts.Column("c").Rewrite(tt.in)
			if tt.want == "" {
				if ok || got != tt.in {
					t.Errorf("Rewrite(%q) = %q, %v; want it left alone", tt.in, got, ok)
				}
				return
			}
			if !ok || got != tt.want {
				t.Errorf("Rewrite(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestCheckAndLocale(t *testing.T) {
	t.Parallel()
	bad := []struct {
		opts Options
		want string
	}{
		{Options{Decimal: ";"}, "decimal separator"},
		{Options{Thousands: "_"}, "thousands separator"},
		{Options{Decimal: ",", Thousands: ","}, "both"},
		{Options{DateFormat: "%Q"}, "%Q is not supported"},
		{Options{DateFormat: "15:04"}, "no date element"},
		{Options{DateFormats: map[string]string{"x": "hello"}}, `column "x"`},
	}
	for _, b := range bad {
		if err := b.opts.Check(); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Check(%+v) = %v, want %q", b.opts, err, b.want)
		}
	}
	if _, err := (Options{}).WithLocale("xx-YY"); err == nil || !strings.Contains(err.Error(), "en-ZA") {
		t.Errorf("unknown locale error %v", err)
	}
	o, _ := Options{Decimal: ".", DayFirst: ptr(false)}.WithLocale("en-ZA")
	if o.Decimal != "." || o.Thousands != " " || *o.DayFirst {
		t.Errorf("explicit options lost under a locale: %+v", o)
	}
	if (Options{}).Column("x") != nil || (Options{Decimal: "."}).Column("x") != nil {
		t.Error("options that change nothing gave a rewriting")
	}
}

func TestAmbiguousDate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"03/04/2024": true, "3-4-2024": true, "04/04/2024": false, "13/04/2024": false, "2024-04-03": false, "x": false} {
		if got := AmbiguousDate(in); got != want {
			t.Errorf("AmbiguousDate(%q) = %v", in, got)
		}
	}
}

func FuzzRewrite(f *testing.F) {
	for _, s := range []string{"1 234,5", "03/04/2024 10:00", ",5", "-1.234,56", "082 555 1234"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, dayFirst bool) {
		for _, o := range []Options{{Decimal: ",", Thousands: " ", DayFirst: &dayFirst}, {Thousands: ",", DayFirst: &dayFirst}} {
			got, ok := o.Column("c").Rewrite(s)
			if !ok && got != s {
				t.Fatalf("Rewrite(%q) changed the value without ok: %q", s, got)
			}
			if ok && strings.ContainsAny(got, " ,\u00a0") {
				t.Fatalf("Rewrite(%q) = %q still holds a separator", s, got)
			}
		}
	})
}
