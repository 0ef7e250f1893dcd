package strptime

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"testing"
)

// TestDuckDBGolden compares every row DuckDB 1.5.6's try_strptime gave
// (bench/duckdb/strptime_golden.mjs) with Parse.
func TestDuckDBGolden(t *testing.T) {
	t.Parallel()
	const path = "../../../testdata/linkage/strptime/try_strptime_golden.csv"
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	parsed := 0
	for n, r := range rows[1:] {
		layout, v, want := r[0], r[1], r[2]
		if err := Check(layout); err != nil {
			t.Fatalf("%s:%d: %v", path, n+2, err)
		}
		d, ok := Parse(layout, v)
		got := ""
		if ok {
			got = strconv.Itoa(int(d))
			parsed++
		}
		if got != want {
			t.Errorf("%s:%d: Parse(%q, %q) = %q, DuckDB %q", path, n+2, layout, v, got, want)
		}
	}
	if parsed < 200 {
		t.Errorf("only %d golden rows parse; the file should exercise dates, not only failures", parsed)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		layout string
		ok     bool
	}{
		{"%Y-%m-%d", true}, {"%d/%m/%Y", true}, {"%Y%m%d", true}, {"x%%%Y%m%d", true},
		{"%Y-%m-%d %H:%M:%S", false}, {"%Y-%m", false}, {"%Y-%m-%d%", false}, {"%Y-%m-%d-%d", false}, {"%y-%m-%d", false}, {"%Y %m %d", false},
	} {
		if err := Check(tc.layout); (err == nil) != tc.ok {
			t.Errorf("Check(%q) = %v, want ok %v", tc.layout, err, tc.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"1970-01-01", "1990-01-05", "0000-03-01", "9999-12-31", "1969-12-31"} {
		d, ok := Parse("%Y-%m-%d", s)
		if !ok || Format(d) != s {
			t.Errorf("%s: parsed %d %v, formatted %q", s, d, ok, Format(d))
		}
	}
}

func ExampleParse() {
	d, ok := Parse("%d/%m/%Y", " 5/1/1990 ")
	fmt.Println(Format(d), ok)
	_, ok = Parse("%Y-%m-%d", "1990-02-30")
	fmt.Println(ok)
	// Output:
	// 1990-01-05 true
	// false
}

// FuzzParse checks that Parse never panics and that a date it reads
// formats and reads back to the same day.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1990-01-05", " 1990-1-5\t", "0000-02-29", "19900105", "5/1/1990", "9999-12-31", "1990-02-30"} {
		f.Add("%Y-%m-%d", s)
		f.Add("%d/%m/%Y", s)
	}
	f.Fuzz(func(t *testing.T, layout, v string) {
		if Check(layout) != nil {
			return
		}
		d, ok := Parse(layout, v)
		if !ok {
			return
		}
		if back, ok := Parse("%Y-%m-%d", Format(d)); !ok || back != d {
			t.Fatalf("Parse(%q, %q) = %d, formatted %q, read back %d %v", layout, v, d, Format(d), back, ok)
		}
	})
}
