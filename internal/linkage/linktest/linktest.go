// Package linktest loads the linkage benchmark data sets for tests and
// benchmarks of the linkage packages: CSV files read with every column as
// text, and their ground truth.
package linktest

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/csvio"
)

// ReadCSV reads a CSV file with every column as text, so identifiers,
// postcodes and dates keep their exact spelling. trimAfterDelim drops one
// space after each delimiter, as FEBRL writes ", ".
func ReadCSV(t testing.TB, path string, delim rune, trimAfterDelim bool) *table.Table {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return ReadCSVBytes(t, path, data, delim, trimAfterDelim)
}

// ReadCSVBytes is ReadCSV over data already read; name labels errors.
func ReadCSVBytes(t testing.TB, name string, data []byte, delim rune, trimAfterDelim bool) *table.Table {
	t.Helper()
	if trimAfterDelim {
		// No FEBRL field contains the delimiter, so every ", " is one.
		data = bytes.ReplaceAll(data, []byte(string(delim)+" "), []byte(string(delim)))
	}
	header, _, _ := bytes.Cut(data, []byte("\n"))
	types := map[string]table.Type{}
	for _, h := range strings.Split(strings.TrimSpace(string(header)), string(delim)) {
		types[strings.TrimPrefix(h, "\ufeff")] = table.String
	}
	r, err := csvio.NewReader(bytes.NewReader(data), csvio.ReadOptions{Delimiter: delim, Types: types, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tb, err := table.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// Column returns every value of column name as text.
func Column(t testing.TB, tb *table.Table, name string) []string {
	t.Helper()
	c := tb.ColumnByName(name)
	if c == nil {
		t.Fatalf("no column %q", name)
	}
	out := make([]string, tb.NumRows())
	for i := range out {
		out[i] = c.Format(i)
	}
	return out
}

// FebrlEntity reads the entity from a FEBRL rec_id: rec-<entity>-org or
// rec-<entity>-dup-<k>.
func FebrlEntity(id string) string {
	parts := strings.SplitN(id, "-", 3)
	return parts[0] + "-" + parts[1]
}
