package artifacts_test

import (
	"context"
	"fmt"
	"net/url"
	"os"

	"github.com/hotpass/hotpass/internal/artifacts"
	"github.com/hotpass/hotpass/internal/table"
)

func Example() {
	dir, _ := os.MkdirTemp("", "artifacts")
	defer func() { _ = os.RemoveAll(dir) }()
	ctx := context.Background()

	// Every worker opens the same shared directory (or s3:// bucket).
	store, err := artifacts.Open(ctx, (&url.URL{Scheme: "file", Path: dir}).String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = store.Close() }()

	b := table.NewBuilder(table.MustSchema(table.Field{Name: "name", Type: table.String}), 2)
	_ = b.AppendRow("Karoo Aviation")
	_ = b.AppendRow("Cape Air Charter")
	t, _ := b.Build()

	// The worker that ran task "clean" stores its output and passes on the
	// small reference ...
	ref, err := store.PutTable(ctx, "run-42", "clean", t)
	if err != nil {
		fmt.Println(err)
		return
	}
	// ... and the worker running the next task reads it back.
	got, err := store.GetTable(ctx, ref)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ref.Rows, got.Row(1)[0])
	// Output: 2 Cape Air Charter
}
