package linkage

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/cluster"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/csvio"
)

const testdata = "../../testdata/linkage/"

// readCSV reads a CSV file with every column as text, so identifiers,
// postcodes and dates keep their exact spelling.
func readCSV(t testing.TB, path string, delim rune, trimAfterDelim bool) *table.Table {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return readCSVBytes(t, path, data, delim, trimAfterDelim)
}

func readCSVBytes(t testing.TB, name string, data []byte, delim rune, trimAfterDelim bool) *table.Table {
	t.Helper()
	if trimAfterDelim {
		// FEBRL separates fields with ", ": drop the space after each
		// delimiter (no FEBRL field contains the delimiter).
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

func loadSettings(t testing.TB, path string) settings.Settings {
	t.Helper()
	s, err := settings.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustLinker(t testing.TB, s settings.Settings, inputs ...records.Input) *Linker {
	t.Helper()
	l, err := New(s, inputs, Options{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func trainPredict(t testing.TB, l *Linker) (*TrainingResult, *Prediction) {
	t.Helper()
	ctx := context.Background()
	res, err := l.Train(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := l.Predict(ctx, PredictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res, pred
}

var clusterNone = cluster.Constraints{}
