package artifacts

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

// dirURL returns the file:// URL of dir.
func dirURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
}

func openDir(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(context.Background(), dirURL(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, dir
}

// sample builds a table of every column type, with nulls.
func sample(t testing.TB, rows int) *table.Table {
	t.Helper()
	s := table.MustSchema(
		table.Field{Name: "name", Type: table.String},
		table.Field{Name: "n", Type: table.Int64},
		table.Field{Name: "x", Type: table.Float64},
		table.Field{Name: "ok", Type: table.Bool},
		table.Field{Name: "day", Type: table.Date},
		table.Field{Name: "at", Type: table.Timestamp},
	)
	b := table.NewBuilder(s, rows)
	for i := range rows {
		if i%5 == 2 {
			for j := range s.Len() {
				b.Column(j).AppendNull()
			}
			continue
		}
		b.Column(0).AppendString(strings.Repeat("ñ", i%3) + "Karoo Aviation")
		b.Column(1).AppendInt64(int64(i) * -7_919)
		b.Column(2).AppendFloat64(float64(i) / 7)
		b.Column(3).AppendBool(i%2 == 0)
		b.Column(4).AppendDate(int32(18_000 + i))
		b.Column(5).AppendTimestamp(int64(i)*1_000_003 - 5)
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestTableRoundTrip(t *testing.T) {
	t.Parallel()
	s, dir := openDir(t)
	ctx := context.Background()
	for _, rows := range []int{0, 1, 1000} {
		want := sample(t, rows)
		ref, err := s.PutTable(ctx, "run-1", "clean", want)
		if err != nil {
			t.Fatal(err)
		}
		if ref.Rows != rows || ref.SchemaHash != SchemaHash(want.Schema()) {
			t.Fatalf("ref = %+v, want %d rows and the table's schema hash", ref, rows)
		}
		if wantURI := dirURL(dir) + "/runs/run-1/tables/clean.parquet"; ref.URI != wantURI {
			t.Fatalf("URI = %q, want %q", ref.URI, wantURI)
		}
		got, err := s.GetTable(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Fatalf("%d rows: read back a different table:\n%s", rows, got.Diff(want))
		}
	}
	// A second store over the same directory (another worker) reads what
	// the first wrote.
	other, err := Open(ctx, dirURL(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Close() }()
	ref, err := s.PutTable(ctx, "run-1", "dedupe", sample(t, 10))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := other.GetTable(ctx, ref); err != nil || got.NumRows() != 10 {
		t.Fatalf("other store: %v rows, err %v", got, err)
	}
}

func TestLogRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := openDir(t)
	ctx := context.Background()
	if _, err := s.OpenLog(ctx, "run-1", "load"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing log: err = %v, want fs.ErrNotExist", err)
	}
	want := strings.Repeat("time=... level=INFO msg=\"read 12 rows\"\n", 500)
	if err := s.PutLog(ctx, "run-1", "load", strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
	r, err := s.OpenLog(ctx, "run-1", "load")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil || string(got) != want {
		t.Fatalf("log read back %d bytes (err %v), want %d", len(got), err, len(want))
	}
}

// failingReader returns some bytes, then an error.
type failingReader struct{ sent bool }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.sent {
		return 0, errors.New("disk gone")
	}
	f.sent = true
	return copy(p, bytes.Repeat([]byte("partial log line\n"), 100)), nil
}

// TestFailedWritesLeaveNothing checks atomicity: a write that fails midway
// or whose context is cancelled leaves neither the object nor a temporary
// file behind, and an earlier object under the same name is kept.
func TestFailedWritesLeaveNothing(t *testing.T) {
	t.Parallel()
	s, dir := openDir(t)
	ctx := context.Background()
	if err := s.PutLog(ctx, "run-1", "load", strings.NewReader("first\n")); err != nil {
		t.Fatal(err)
	}
	err := s.PutLog(ctx, "run-1", "load", &failingReader{})
	if err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Fatalf("err = %v, want the reader's error", err)
	}
	r, err := s.OpenLog(ctx, "run-1", "load")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	_ = r.Close()
	if string(got) != "first\n" {
		t.Fatalf("after a failed write the log is %q, want the first one kept", got)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.PutTable(cancelled, "run-1", "clean", sample(t, 100)); err == nil {
		t.Fatal("PutTable with a cancelled context succeeded")
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, strings.TrimPrefix(p, dir))
		}
		return nil
	})
	if len(files) != 1 || files[0] != "/runs/run-1/logs/load.log" {
		t.Fatalf("files left in the store: %q, want only the first log", files)
	}
}

func TestRefMismatch(t *testing.T) {
	t.Parallel()
	s, _ := openDir(t)
	ctx := context.Background()
	ref, err := s.PutTable(ctx, "run-1", "clean", sample(t, 20))
	if err != nil {
		t.Fatal(err)
	}
	otherStore, _ := openDir(t)
	otherRef, err := otherStore.PutTable(ctx, "run-1", "clean", sample(t, 20))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		ref  Ref
		want string
	}{
		{"schema hash differs", Ref{URI: ref.URI, Rows: 20, SchemaHash: SchemaHash(table.MustSchema(table.Field{Name: "name", Type: table.String}))}, "not the one its reference records"},
		{"row count differs", Ref{URI: ref.URI, Rows: 21, SchemaHash: ref.SchemaHash}, "has 20 rows, not the 21"},
		{"another store", otherRef, "is not in store"},
		{"missing object", Ref{URI: strings.Replace(ref.URI, "clean", "gone", 1), Rows: 20, SchemaHash: ref.SchemaHash}, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := s.GetTable(ctx, tt.ref)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestOverwrittenTableDetected(t *testing.T) {
	t.Parallel()
	s, _ := openDir(t)
	ctx := context.Background()
	first, err := s.PutTable(ctx, "run-1", "clean", sample(t, 20))
	if err != nil {
		t.Fatal(err)
	}
	projected, err := sample(t, 20).Project("name", "n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutTable(ctx, "run-1", "clean", projected); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTable(ctx, first); err == nil || !strings.Contains(err.Error(), "overwritten") {
		t.Fatalf("reading a ref to an overwritten table: err = %v, want it reported as overwritten", err)
	}
}

func TestSchemaHash(t *testing.T) {
	t.Parallel()
	f := func(fields ...table.Field) string { return SchemaHash(table.MustSchema(fields...)) }
	a := table.Field{Name: "a", Type: table.String}
	b := table.Field{Name: "b", Type: table.Int64}
	distinct := map[string]string{
		"a,b":       f(a, b),
		"b,a":       f(b, a),
		"a":         f(a),
		"a:int64":   f(table.Field{Name: "a", Type: table.Int64}),
		"ab":        f(table.Field{Name: "ab", Type: table.String}),
		"none":      f(),
		"a split b": f(table.Field{Name: "a:string\n1:b", Type: table.Int64}),
	}
	seen := map[string]string{}
	for name, h := range distinct {
		if prev, dup := seen[h]; dup {
			t.Errorf("schemas %s and %s share hash %s", prev, name, h)
		}
		seen[h] = name
	}
	if again := SchemaHash(table.MustSchema(a, b)); again != distinct["a,b"] {
		t.Errorf("hash is not deterministic: %s then %s", distinct["a,b"], again)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, url string
		want      []string
		notWant   string
	}{
		{"empty", "", []string{"no store URL", EnvURL}, ""},
		{"unknown scheme", "gs://bucket/prefix", []string{`unknown scheme "gs"`, "gs://bucket/prefix", "file://", "s3://"}, ""},
		{"http", "https://example.com/store", []string{`unknown scheme "https"`}, ""},
		{"no scheme", "/shared/artifacts", []string{"has no scheme", "file:///shared/dir"}, ""},
		{"missing directory", dirURL(filepath.Join(t.TempDir(), "absent")), []string{"absent", "exists"}, ""},
		{"not a directory", dirURL(file), []string{"plain-file"}, ""},
		{"credentials in URL", "s3://AKIAEXAMPLE:s3cr3t@bucket?region=af-south-1", []string{"carries credentials", "***"}, "s3cr3t"},
	}
	// /proc is a directory even root cannot create files in.
	if runtime.GOOS == "linux" {
		tests = append(tests, struct {
			name, url string
			want      []string
			notWant   string
		}{"not writable", "file:///proc", []string{"cannot write to file:///proc", "may create files"}, ""})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Open(context.Background(), tt.url)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%q) succeeded", tt.url)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v\nwant it to contain %q", err, w)
				}
			}
			if tt.notWant != "" && strings.Contains(err.Error(), tt.notWant) {
				t.Errorf("err = %v\nleaks %q", err, tt.notWant)
			}
		})
	}
}

func TestBadIDs(t *testing.T) {
	t.Parallel()
	s, dir := openDir(t)
	ctx := context.Background()
	tb := sample(t, 3)
	for _, ids := range [][2]string{
		{"", "clean"}, {"run-1", ""}, {"..", "clean"}, {"run-1", "../../escape"},
		{"run/1", "clean"}, {"run-1", `a\b`}, {"run-1", "tab\there"}, {".", "clean"},
	} {
		if _, err := s.PutTable(ctx, ids[0], ids[1], tb); err == nil {
			t.Errorf("PutTable(%q, %q) succeeded", ids[0], ids[1])
		}
		if err := s.PutLog(ctx, ids[0], ids[1], strings.NewReader("x")); err == nil {
			t.Errorf("PutLog(%q, %q) succeeded", ids[0], ids[1])
		}
		if _, err := s.OpenLog(ctx, ids[0], ids[1]); err == nil || errors.Is(err, fs.ErrNotExist) {
			t.Errorf("OpenLog(%q, %q): err = %v, want a rejected ID", ids[0], ids[1], err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Fatalf("store holds %v after rejected writes (err %v)", entries, err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.parquet")); err == nil {
		t.Fatal("a task ID escaped the store")
	}
}

// FuzzKeys checks that IDs the store accepts always name an object inside
// their run's folder: no traversal, no extra path segments.
func FuzzKeys(f *testing.F) {
	for _, s := range []string{"run-1", "clean", "..", ".", "a/b", `a\b`, "ñame", "tab\t", " ", "...", "a..b"} {
		f.Add(s, "clean")
		f.Add("run-1", s)
	}
	f.Fuzz(func(t *testing.T, runID, taskID string) {
		if keys(runID, taskID) != nil {
			return
		}
		for _, key := range []string{tableKey(runID, taskID), logKey(runID, taskID)} {
			if path.Clean(key) != key {
				t.Fatalf("key %q is not clean", key)
			}
			parts := strings.Split(key, "/")
			if len(parts) != 4 || parts[0] != "runs" || parts[1] != runID {
				t.Fatalf("key %q for run %q task %q leaves the run's folder", key, runID, taskID)
			}
		}
	})
}

// A deleted table is gone for every reader; deleting it again, or a table
// never written, is no error; bad ids are refused.
func TestDeleteTable(t *testing.T) {
	t.Parallel()
	s, _ := openDir(t)
	ctx := context.Background()
	ref, err := s.PutTable(ctx, "run-1", "refine", sample(t, 3))
	if err != nil {
		t.Fatal(err)
	}
	keep, err := s.PutTable(ctx, "run-1", "enrich", sample(t, 2))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.DeleteTable(ctx, "run-1", "refine"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.GetTable(ctx, ref); err == nil {
		t.Error("the deleted table is still readable")
	}
	if got, err := s.GetTable(ctx, keep); err != nil || got.NumRows() != 2 {
		t.Errorf("another task's table after the delete: %v", err)
	}
	if err := s.DeleteTable(ctx, "run-2", "never"); err != nil {
		t.Errorf("deleting a table never written: %v", err)
	}
	if err := s.DeleteTable(ctx, "run-1", "../x"); err == nil {
		t.Error("a task id with a path was accepted")
	}
}
