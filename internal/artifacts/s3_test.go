package artifacts

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeS3 answers the part of the S3 API the blob driver uses for small
// objects (PutObject, GetObject, HeadObject, DeleteObject) with path-style
// addressing, keeping objects in memory. denyWrites makes every PUT fail
// as a bucket policy would.
type fakeS3 struct {
	bucket     string
	denyWrites bool

	mu      sync.Mutex
	objects map[string][]byte
	puts    int
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.URL.Path, "/"+f.bucket+"/")
	if !ok {
		s3Error(w, http.StatusNotFound, "NoSuchBucket")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.Method {
	case http.MethodPut:
		if f.denyWrites {
			s3Error(w, http.StatusForbidden, "AccessDenied")
			return
		}
		body, err := readBody(r)
		if err != nil {
			s3Error(w, http.StatusBadRequest, "IncompleteBody")
			return
		}
		f.objects[key] = body
		f.puts++
		w.Header().Set("ETag", `"`+strconv.Itoa(len(body))+`"`)
	case http.MethodGet, http.MethodHead:
		body, ok := f.objects[key]
		if !ok {
			s3Error(w, http.StatusNotFound, "NoSuchKey")
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("Last-Modified", "Mon, 07 Dec 2026 10:00:00 GMT")
		w.Header().Set("ETag", `"`+strconv.Itoa(len(body))+`"`)
		// The SDK checks a GetObject body against this, as S3 sends it.
		w.Header().Set("x-amz-checksum-crc32", base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(body))))
		if r.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	case http.MethodDelete:
		delete(f.objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		s3Error(w, http.StatusNotImplemented, "NotImplemented")
	}
}

// readBody undoes the aws-chunked framing the SDK uses to send a checksum
// after a streamed body.
func readBody(r *http.Request) ([]byte, error) {
	if !strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") {
		return io.ReadAll(r.Body)
	}
	var out bytes.Buffer
	br := bufio.NewReader(r.Body)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(line, ";", 2)[0]), 16, 64)
		if err != nil {
			return nil, err
		}
		if size == 0 {
			return out.Bytes(), nil
		}
		if _, err := io.CopyN(&out, br, size); err != nil {
			return nil, err
		}
		if _, err := br.Discard(2); err != nil {
			return nil, err
		}
	}
}

func s3Error(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message></Error>", code, code)
}

// s3Store opens a store on an in-test S3 endpoint.
func s3Store(t *testing.T, f *fakeS3) (*Store, error) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAHOTPASSTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	return Open(context.Background(), "s3://"+f.bucket+"?region=af-south-1&use_path_style=true&endpoint="+srv.URL)
}

func TestS3RoundTrip(t *testing.T) {
	f := &fakeS3{bucket: "hotpass-artifacts", objects: map[string][]byte{}}
	s, err := s3Store(t, f)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	ctx := context.Background()
	want := sample(t, 2000)
	ref, err := s.PutTable(ctx, "run-7", "clean", want)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ref.URI, "s3://hotpass-artifacts/runs/run-7/tables/clean.parquet") {
		t.Fatalf("URI = %q", ref.URI)
	}
	got, err := s.GetTable(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) {
		t.Fatalf("read back a different table:\n%s", got.Diff(want))
	}
	if err := s.PutLog(ctx, "run-7", "clean", strings.NewReader("wrote 2000 rows\n")); err != nil {
		t.Fatal(err)
	}
	r, err := s.OpenLog(ctx, "run-7", "clean")
	if err != nil {
		t.Fatal(err)
	}
	log, _ := io.ReadAll(r)
	_ = r.Close()
	if string(log) != "wrote 2000 rows\n" {
		t.Fatalf("log = %q", log)
	}
	if _, err := s.OpenLog(ctx, "run-7", "dedupe"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing log: err = %v, want fs.ErrNotExist", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var keys []string
	for k := range f.objects {
		keys = append(keys, k)
	}
	// The probe was deleted; only the table and the log are left.
	if len(keys) != 2 || f.puts != 3 {
		t.Fatalf("bucket holds %q after %d puts, want the table and the log after 3 (probe, table, log)", keys, f.puts)
	}
}

func TestS3DeniedWrites(t *testing.T) {
	f := &fakeS3{bucket: "read-only", objects: map[string][]byte{}, denyWrites: true}
	_, err := s3Store(t, f)
	if err == nil {
		t.Fatal("Open succeeded on a bucket that denies writes")
	}
	for _, want := range []string{"cannot write to s3://read-only", "PutObject", "AccessDenied"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v\nwant it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "test-secret") {
		t.Errorf("err leaks the secret key: %v", err)
	}
}
