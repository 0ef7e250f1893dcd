package webui_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

func TestOutputPreview(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	dir := runner.RunDir(f.state, f.failedID)
	must(t, os.MkdirAll(filepath.Join(dir, "outputs"), 0o755))
	schema, err := table.NewSchema(table.Field{Name: "id", Type: table.Int64}, table.Field{Name: "name", Type: table.String})
	must(t, err)
	b := table.NewBuilder(schema, 250)
	for i := range 250 {
		name := fmt.Sprintf("customer %d", i)
		if i == 1 {
			name = hostile
		}
		must(t, b.AppendRow(int64(i), name))
	}
	tb, err := b.Build()
	must(t, err)
	must(t, linkjob.WriteParquet(filepath.Join(dir, "outputs", "clean.parquet"), tb))
	must(t, os.WriteFile(filepath.Join(dir, "outputs", "enrich.csv"), []byte("a,b\n1,2\n"), 0o644))
	for task, out := range map[string]string{"clean": "outputs/clean.parquet", "enrich": "outputs/enrich.csv", "extract": "../../escape.parquet"} {
		must(t, f.st.RecordTask(ctx, store.TaskRun{RunID: f.failedID, TaskID: task, Type: "noop", Status: "succeeded", Attempts: 1, Output: out}))
	}
	c := f.client(t)
	base := "/runs/" + f.failedID + "/tasks/"

	r := f.get(t, c, "/runs/"+f.failedID)
	contains(t, "run page", r.body, `href="`+base+`clean/output">table</a>`)
	r = f.get(t, c, base+"clean/output")
	if r.code != http.StatusOK {
		t.Fatalf("preview: %d %s", r.code, r.body)
	}
	contains(t, "preview", r.body, `id<div class="type">int64</div>`, `name<div class="type">string</div>`, "250 rows", "The first 100 rows",
		"<td>99</td>", "&lt;script&gt;")
	if strings.Contains(r.body, "<td>100</td>") || strings.Contains(r.body, hostile) {
		t.Error("the preview shows more than 100 rows or an unescaped value")
	}
	if n := strings.Count(r.body, "<tr><td>"); n != 100 {
		t.Errorf("%d rows previewed, want 100", n)
	}
	dl := f.get(t, c, base+"clean/output/download")
	want, _ := os.ReadFile(filepath.Join(dir, "outputs", "clean.parquet"))
	if dl.code != http.StatusOK || dl.body != string(want) {
		t.Errorf("download: %d, %d bytes of %d", dl.code, len(dl.body), len(want))
	}
	contains(t, "csv output", f.get(t, c, base+"enrich/output").body, "Only Parquet outputs are previewed")
	for _, path := range []string{base + "extract/output", base + "extract/output/download", base + "publish/output", base + "nope/output"} {
		if r := f.get(t, c, path); r.code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.code)
		}
	}
}
