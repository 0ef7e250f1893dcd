package suggest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/linkage/suggest"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/csvio"
)

// Rules for Splink's fake_1000 people, chosen from the comparisons of
// examples/linkage/fake_1000.yaml alone.
func ExampleSuggest() {
	s, err := settings.Load("../../../examples/linkage/fake_1000.yaml")
	if err != nil {
		panic(err)
	}
	s.BlockingRules = settings.RuleList{settings.AutoBlocking}
	f, err := os.Open("../../../testdata/linkage/fake_1000/fake_1000.csv")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	text := map[string]table.Type{"unique_id": table.String, "first_name": table.String, "surname": table.String,
		"dob": table.String, "city": table.String, "email": table.String, "cluster": table.String}
	r, err := csvio.NewReader(f, csvio.ReadOptions{Types: text})
	if err != nil {
		panic(err)
	}
	tb, err := table.ReadAll(r)
	if err != nil {
		panic(err)
	}
	l, err := linkage.New(s, []records.Input{{Name: "people", Table: tb}}, linkage.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	res, err := suggest.Suggest(context.Background(), l, suggest.Options{TargetRecall: 0.6})
	if err != nil {
		panic(err)
	}
	for _, c := range res.Rules {
		fmt.Printf("%s: %d comparisons, estimated recall %.2f\n", c.Rule, c.Comparisons, c.Recall)
	}
	// Output:
	// email: 682 comparisons, estimated recall 0.36
	// dob: 873 comparisons, estimated recall 0.66
}
