package datasource

import (
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestLimitsDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		yaml string
		want Limits
		err  string // in the error; "" means none
	}{
		{"{max_field_bytes: 1024}", Limits{MaxFieldBytes: 1024}, ""},
		{"{max_field_bytes: 64MiB}", Limits{MaxFieldBytes: 64 << 20}, ""},
		{"{max_row_bytes: 2 KiB}", Limits{MaxRowBytes: 2048}, ""},
		// Sizes read as every other size of a spec: decimal units,
		// fractions, any case.
		{"{max_part_bytes: 2GB}", Limits{MaxPartBytes: 2e9}, ""},
		{"{max_cell_bytes: 1.5kib}", Limits{MaxCellBytes: 1536}, ""},
		{"{max_shared_string_bytes: 1_000B}", Limits{MaxSharedStringBytes: 1000}, ""},
		{"{max_columns: 20_000}", Limits{MaxColumns: 20000}, ""},
		{"{max_cells: 5}", Limits{MaxCells: 5}, ""},
		{"{max_ratio: 2.5}", Limits{MaxRatio: 2.5}, ""},
		{"{max_field_bytes: lots}", Limits{}, `limits.max_field_bytes: "lots" is not a positive size: write a size like`},
		{"{max_field_bytes: 0}", Limits{}, `"0" is not a positive size`},
		{"{max_field_bytes: -1KiB}", Limits{}, `"-1KiB" is not a positive size`},
		{"{max_part_bytes: 65TiB}", Limits{}, `"65TiB" is not a positive size`},
		// Counts are not sizes: a unit there is a mistake.
		{"{max_columns: 1KiB}", Limits{}, `limits.max_columns: "1KiB" is not a positive integer`},
		{"{max_cells: 1.5}", Limits{}, `"1.5" is not a positive integer`},
		{"{max_columns: 70000}", Limits{}, "the Parquet limit"},
		{"{max_colums: 3}", Limits{}, `did you mean "max_columns"`},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			t.Parallel()
			var got Limits
			err := yaml.Unmarshal([]byte(tt.yaml), &got)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// The schema's pattern for sizes accepts what parseCount accepts.
func TestLimitsSchemaSizePattern(t *testing.T) {
	t.Parallel()
	prop := limitsSchema("csv")["properties"].(map[string]any)["max_field_bytes"].(map[string]any)
	pattern := prop["oneOf"].([]any)[1].(map[string]any)["pattern"].(string)
	re := regexp.MustCompile(pattern)
	for _, s := range []string{"64MiB", "64 mib", "2GB", "1.5KiB", "1_000B", "1024", "1TiB", "lots", "4K", "4 GiBs", "GiB", ""} {
		_, err := parseCount(s, true)
		if re.MatchString(s) != (err == nil) {
			t.Errorf("%q: pattern matches %v, parseCount error %v", s, re.MatchString(s), err)
		}
	}
}
