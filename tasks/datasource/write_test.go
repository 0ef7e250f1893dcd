package datasource_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/tasks/datasource"
)

func testTable(t *testing.T, rows int) *table.Table {
	t.Helper()
	schema, err := table.NewSchema(table.Field{Name: "id", Type: table.Int64}, table.Field{Name: "name", Type: table.String})
	if err != nil {
		t.Fatal(err)
	}
	b := table.NewBuilder(schema, rows)
	for i := 0; i < rows; i++ {
		if err := b.AppendRow(int64(i), fmt.Sprintf("organisation %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// TestWriteOverwriteFalseRace starts writers of the same path at once with
// overwrite: false: exactly one may create the file, and every other one
// must be told that it exists, whatever the format.
func TestWriteOverwriteFalseRace(t *testing.T) {
	t.Parallel()
	const writers = 8
	tb := testTable(t, 20_000)
	for _, format := range []string{"csv", "jsonl", "parquet", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "out."+format)
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, writers)
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = datasource.Write(context.Background(), datasource.Config{Format: format, Path: path}, dir, tb, datasource.WriteOptions{})
				}()
			}
			close(start)
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case !strings.Contains(err.Error(), path+" already exists and overwrite is false"):
					t.Errorf("writer error %q does not say that %s exists and overwrite is false", err, path)
				}
			}
			if ok != 1 {
				t.Errorf("%d of %d writers succeeded, want exactly 1", ok, writers)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("directory holds %q, want only the output", names)
			}
		})
	}
}
