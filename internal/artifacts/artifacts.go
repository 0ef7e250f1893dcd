// Package artifacts is the store that task outputs and task logs go
// through when a run's tasks execute on different machines: a directory on
// a shared mount (file://) or an S3-compatible bucket (s3://), opened from
// the --artifacts URL or HOTPASS_ARTIFACTS.
//
// Tables are kept as Parquet, written with the project's Parquet writer,
// and handed between machines as a small Ref (URI, row count, schema hash)
// rather than as the rows themselves, so that workflow payloads stay far
// below Temporal's payload limit. Every write is atomic: a blob writer
// commits on Close and is aborted by cancelling its context, so a reader
// never sees half an object.
package artifacts

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"gocloud.dev/blob"
	// The two drivers the store supports; importing them registers their
	// schemes with blob's URL opener.
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/hotpass/hotpass/internal/redact"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
)

// EnvURL names the variable that holds the store URL when --artifacts is
// not given.
const EnvURL = "HOTPASS_ARTIFACTS"

// Ref points at a table in the store. It is what activities return instead
// of the table: small enough for any workflow payload, and enough to check
// that what is read back is what was written.
type Ref struct {
	// URI is the object's location: the store URL without its query,
	// followed by the object key.
	URI string `json:"uri"`
	// Rows is the number of rows written.
	Rows int `json:"rows"`
	// SchemaHash is SchemaHash of the table's schema.
	SchemaHash string `json:"schema_hash"`
}

// Store reads and writes run artifacts in one bucket. It is safe for
// concurrent use.
type Store struct {
	bucket *blob.Bucket
	// base prefixes every Ref.URI; shown is the URL as messages print it.
	base  string
	shown string
}

// Open opens the store at rawURL and checks that it is writable by writing
// and deleting a probe object, so that a wrong URL or missing permission
// fails before any task runs rather than after the first one finishes.
//
// file:///path uses a directory (which must exist) on a disk every worker
// mounts at the same path; temporary files are made beside the final ones,
// so that the rename that commits them never crosses file systems.
// s3://bucket?region=R[&endpoint=URL&use_path_style=true] uses an S3 or
// S3-compatible bucket, with credentials from the usual AWS environment
// variables or files; the URL never carries them.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	shown := redact.Credentials(rawURL)
	if strings.TrimSpace(rawURL) == "" {
		return nil, fmt.Errorf("artifacts: no store URL: pass --artifacts file:///shared/dir or s3://bucket?region=R, or set %s", EnvURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("artifacts: store URL %s: %w: write it as file:///shared/dir or s3://bucket?region=R", shown, err)
	}
	if u.User != nil {
		return nil, fmt.Errorf("artifacts: store URL %s carries credentials: remove them and use the AWS environment variables or credential files instead", shown)
	}
	switch u.Scheme {
	case "file":
		q := u.Query()
		if !q.Has("no_tmp_dir") {
			q.Set("no_tmp_dir", "true")
		}
		// Sidecar attribute files would double the objects on the shared
		// disk and are not needed: a Ref carries what is checked on read.
		if !q.Has("metadata") {
			q.Set("metadata", "skip")
		}
		u.RawQuery = q.Encode()
	case "s3":
	case "":
		return nil, fmt.Errorf("artifacts: store URL %s has no scheme: write file:///shared/dir for a shared directory or s3://bucket?region=... for a bucket", shown)
	default:
		return nil, fmt.Errorf("artifacts: store URL %s: unknown scheme %q: use file:// (a shared directory) or s3:// (an S3-compatible bucket)", shown, u.Scheme)
	}
	b, err := blob.OpenBucket(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("artifacts: open %s: %w: check that the directory or bucket exists", shown, err)
	}
	base := *u
	base.RawQuery, base.Fragment = "", ""
	s := &Store{bucket: b, base: strings.TrimSuffix(base.String(), "/"), shown: shown}
	if err := s.probe(ctx); err != nil {
		_ = b.Close()
		return nil, err
	}
	return s, nil
}

// probe writes and deletes a uniquely named object.
func (s *Store) probe(ctx context.Context) error {
	key := ".hotpass-probe-" + rand.Text()
	if err := s.bucket.WriteAll(ctx, key, []byte("probe\n"), nil); err != nil {
		return fmt.Errorf("artifacts: cannot write to %s: %w: check that the directory exists and this user may create files in it, or that the bucket's credentials allow PutObject", s.shown, err)
	}
	if err := s.bucket.Delete(ctx, key); err != nil {
		return fmt.Errorf("artifacts: cannot delete from %s (left %s behind): %w: the store must allow deleting, grant DeleteObject or write access", s.shown, key, err)
	}
	return nil
}

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// String returns the store URL as messages print it.
func (s *Store) String() string { return s.shown }

// SchemaHash returns a hex digest of the schema's column names and types in
// order; two tables have the same hash exactly when they have equal
// schemas.
func SchemaHash(schema table.Schema) string {
	h := sha256.New()
	for _, f := range schema.Fields() {
		// Lengths keep "ab"+"c" apart from "a"+"bc".
		fmt.Fprintf(h, "%d:%s:%s\n", len(f.Name), f.Name, f.Type)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkID rejects IDs that would escape their place in the key space or
// name a different object.
func checkID(what, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("artifacts: empty %s: pass the %s the artifact belongs to", what, what)
	case id == "." || id == "..", strings.ContainsAny(id, "/\\"), strings.ContainsFunc(id, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return fmt.Errorf("artifacts: %s %q cannot name an artifact: it must not be . or .. nor contain slashes or control characters", what, id)
	}
	return nil
}

func keys(runID, taskID string) error {
	if err := checkID("run ID", runID); err != nil {
		return err
	}
	return checkID("task ID", taskID)
}

func tableKey(runID, taskID string) string { return "runs/" + runID + "/tables/" + taskID + ".parquet" }
func logKey(runID, taskID string) string   { return "runs/" + runID + "/logs/" + taskID + ".log" }

// create opens a blob writer whose object appears only if commit is called
// and succeeds; abort discards it.
func (s *Store) create(ctx context.Context, key, contentType string) (w *blob.Writer, commit func() error, abort func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	w, err = s.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	commit = func() error {
		defer cancel()
		return w.Close()
	}
	// A writer closed after its context is cancelled discards the object
	// instead of committing it.
	abort = func() {
		cancel()
		_ = w.Close()
	}
	return w, commit, abort, nil
}

// PutTable writes t as the output of taskID in run runID, replacing any
// earlier one, and returns its Ref.
func (s *Store) PutTable(ctx context.Context, runID, taskID string, t *table.Table) (Ref, error) {
	if err := keys(runID, taskID); err != nil {
		return Ref{}, err
	}
	key := tableKey(runID, taskID)
	ref := Ref{URI: s.base + "/" + key, Rows: t.NumRows(), SchemaHash: SchemaHash(t.Schema())}
	fail := func(err error) (Ref, error) {
		return Ref{}, fmt.Errorf("artifacts: write table of task %q to %s: %w", taskID, ref.URI, err)
	}
	bw, commit, abort, err := s.create(ctx, key, "application/vnd.apache.parquet")
	if err != nil {
		return fail(err)
	}
	// Parquet writes page by page; batching them saves a system call (or
	// an upload part's bookkeeping) per page.
	buf := bufio.NewWriterSize(bw, 1<<20)
	pw, err := parquetio.NewWriter(buf, t.Schema(), parquetio.WriteOptions{})
	if err != nil {
		abort()
		return fail(err)
	}
	if err := pw.Write(t); err != nil {
		_ = pw.Abort()
		abort()
		return fail(err)
	}
	if err := pw.Close(); err != nil {
		abort()
		return fail(err)
	}
	if err := buf.Flush(); err != nil {
		abort()
		return fail(err)
	}
	if err := commit(); err != nil {
		return fail(err)
	}
	return ref, nil
}

// GetTable reads the table ref points at and checks it against ref: a table
// whose row count or schema differ (overwritten by another run, or a ref
// from a different store) is an error, never silently used.
func (s *Store) GetTable(ctx context.Context, ref Ref) (*table.Table, error) {
	key, ok := strings.CutPrefix(ref.URI, s.base+"/")
	if !ok || key == "" {
		return nil, fmt.Errorf("artifacts: table %s is not in store %s: open the store the run wrote its artifacts to (--artifacts or %s)", ref.URI, s.shown, EnvURL)
	}
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("artifacts: table %s does not exist: it was deleted, or written to another store; re-run the task that produced it: %w", ref.URI, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("artifacts: read table %s: %w", ref.URI, err)
	}
	defer func() { _ = r.Close() }()
	in, size, cleanup, err := readerAt(r)
	if err != nil {
		return nil, fmt.Errorf("artifacts: read table %s: %w", ref.URI, err)
	}
	defer cleanup()
	pr, err := parquetio.NewReader(in, size, ref.URI)
	if err != nil {
		return nil, fmt.Errorf("artifacts: %w", err)
	}
	if got := SchemaHash(pr.Schema()); got != ref.SchemaHash {
		_ = pr.Close()
		return nil, fmt.Errorf("artifacts: table %s has schema %s (hash %.12s), not the one its reference records (hash %.12s): it was overwritten since; re-run the task that produced it", ref.URI, pr.Schema(), got, ref.SchemaHash)
	}
	t, err := table.ReadAll(pr)
	if cerr := pr.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("artifacts: read table %s: %w", ref.URI, err)
	}
	if t.NumRows() != ref.Rows {
		return nil, fmt.Errorf("artifacts: table %s has %d rows, not the %d its reference records: it was overwritten since; re-run the task that produced it", ref.URI, t.NumRows(), ref.Rows)
	}
	return t, nil
}

// readerAt gives random access to r, which Parquet needs for its footer:
// directly when the driver reads a local file, and otherwise through a
// temporary file, which keeps a large table's bytes out of memory.
func readerAt(r *blob.Reader) (io.ReaderAt, int64, func(), error) {
	var under io.Reader
	if r.As(&under) {
		if ra, ok := under.(io.ReaderAt); ok {
			return ra, r.Size(), func() {}, nil
		}
	}
	f, err := os.CreateTemp("", "hotpass-artifact-*.parquet")
	if err != nil {
		return nil, 0, nil, err
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	n, err := io.Copy(f, r)
	if err != nil {
		cleanup()
		return nil, 0, nil, err
	}
	return f, n, cleanup, nil
}

// DeleteTable removes the output of taskID in run runID, for outputs that
// must not outlive their use (raw personal data upstream of a compliance
// task). A table that is not there is no error: another worker may have
// removed it first.
func (s *Store) DeleteTable(ctx context.Context, runID, taskID string) error {
	if err := keys(runID, taskID); err != nil {
		return err
	}
	key := tableKey(runID, taskID)
	if err := s.bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("artifacts: delete table of task %q of run %s from %s/%s: %w", taskID, runID, s.base, key, err)
	}
	return nil
}

// PutLog stores the log of taskID in run runID, replacing any earlier one.
// Nothing is stored if reading r fails.
func (s *Store) PutLog(ctx context.Context, runID, taskID string, r io.Reader) error {
	if err := keys(runID, taskID); err != nil {
		return err
	}
	key := logKey(runID, taskID)
	w, commit, abort, err := s.create(ctx, key, "text/plain; charset=utf-8")
	if err == nil {
		if _, err = io.Copy(w, r); err != nil {
			abort()
		} else {
			err = commit()
		}
	}
	if err != nil {
		return fmt.Errorf("artifacts: write log of task %q of run %s to %s/%s: %w", taskID, runID, s.base, key, err)
	}
	return nil
}

// OpenLog opens the log of taskID in run runID. When there is none, the
// error wraps fs.ErrNotExist.
func (s *Store) OpenLog(ctx context.Context, runID, taskID string) (io.ReadCloser, error) {
	if err := keys(runID, taskID); err != nil {
		return nil, err
	}
	key := logKey(runID, taskID)
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("artifacts: no log of task %q of run %s in %s: the task has not finished, or wrote its log elsewhere: %w", taskID, runID, s.shown, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("artifacts: open log of task %q of run %s in %s: %w", taskID, runID, s.shown, err)
	}
	return r, nil
}
