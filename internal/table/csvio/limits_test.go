package csvio

import (
	"errors"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

// TestReadLimits reads records past the column, value and record limits,
// in the fast path, with quotes, across lines and past the read buffer:
// each is an error naming the line, the column where one is at fault and
// the option, whatever the bad-row policy.
func TestReadLimits(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("v", 2<<20) // past the 1 MiB read buffer
	tests := []struct {
		name, in string
		opts     ReadOptions
		line     int
		column   string
		option   string
	}{
		{"header columns", "a,b,c\n1,2,3\n", ReadOptions{MaxColumns: 2}, 1, "", "max_columns"},
		{"columns without a header", "1,2,3\n", ReadOptions{NoHeader: true, MaxColumns: 2}, 1, "", "max_columns"},
		{"value", "a,b\n1,xxxxxxxxxxx\n", ReadOptions{MaxFieldBytes: 10}, 2, "b", "max_field_bytes"},
		{"quoted value with delimiters", "a,b\n1,\"x,x,x,x,x,x\"\n", ReadOptions{MaxFieldBytes: 10}, 2, "b", "max_field_bytes"},
		{"value past the read buffer", "a,b\n1,2\n3," + long + "\n", ReadOptions{MaxFieldBytes: 1 << 20, OnBadRow: BadRowSkip}, 3, "b", "max_field_bytes"},
		{"record", "a,b\n1,2\nxxxxxx,yyyyyy\n", ReadOptions{MaxRowBytes: 12}, 3, "", "max_row_bytes"},
		{"quoted record across lines", "a,b\n1,\"x\nx\nx\nx\nx\"\n", ReadOptions{MaxRowBytes: 8}, 2, "", "max_row_bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewReader(strings.NewReader(tt.in), tt.opts)
			if err == nil {
				_, err = table.ReadAll(r)
				_ = r.Close()
			}
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a RowError", err)
			}
			if re.Line != tt.line || re.Column != tt.column || !strings.Contains(err.Error(), "limits."+tt.option) {
				t.Errorf("error %q: line %d, column %q; want line %d, column %q and limits.%s", err, re.Line, re.Column, tt.line, tt.column, tt.option)
			}
		})
	}
}
