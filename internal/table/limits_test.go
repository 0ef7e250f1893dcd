package table

import (
	"errors"
	"strconv"
	"testing"
)

// TestSchemaColumnLimit checks that a schema holds MaxColumns fields and
// not one more, so that no table reaches the Parquet writer too wide.
func TestSchemaColumnLimit(t *testing.T) {
	t.Parallel()
	fields := make([]Field, MaxColumns+1)
	for i := range fields {
		fields[i] = Field{Name: "c" + strconv.Itoa(i), Type: String}
	}
	if _, err := NewSchema(fields[:MaxColumns]...); err != nil {
		t.Fatalf("%d columns: %v", MaxColumns, err)
	}
	_, err := NewSchema(fields...)
	var ce *ColumnLimitError
	if !errors.As(err, &ce) || ce.Columns != MaxColumns+1 {
		t.Fatalf("%d columns: err = %v, want a ColumnLimitError", MaxColumns+1, err)
	}
}
