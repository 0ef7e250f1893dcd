package linkage

import (
	"context"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/cluster"
	"github.com/hotpass/hotpass/internal/linkage/linktest"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
)

const testdata = "../../testdata/linkage/"

// readCSV reads a CSV file with every column as text.
func readCSV(t testing.TB, path string, delim rune, trimAfterDelim bool) *table.Table {
	t.Helper()
	return linktest.ReadCSV(t, path, delim, trimAfterDelim)
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
