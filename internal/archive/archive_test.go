package archive

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/synth"
)

// member describes one entry of a test archive.
type member struct {
	name string
	body []byte
	mode os.FileMode // 0: regular file 0644
}

// writeZip builds an archive from members with archive/zip, which (unlike
// Create) writes whatever names and modes it is given.
func writeZip(t testing.TB, path string, members []member) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		if m.mode != 0 {
			h.SetMode(m.mode)
		} else {
			h.SetMode(0o644)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeLyingZip writes one deflated member whose headers claim claimed
// uncompressed bytes while the data inflates to body.
func writeLyingZip(t testing.TB, path, name string, body []byte, claimed uint64) {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	_, _ = fw.Write(body)
	_ = fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(body),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: claimed}
	h.SetMode(0o644)
	w, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(comp.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sumsOf(files map[string][]byte) []byte {
	m := map[string]string{}
	for n, b := range files {
		s := sha256.Sum256(b)
		m[n] = hex.EncodeToString(s[:])
	}
	return FormatChecksums(m)
}

// tree lists every path under dir with its size, to compare a sandbox
// before and after an extraction.
func tree(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		size := int64(0)
		if info.Mode().IsRegular() {
			size = info.Size()
		}
		out = append(out, fmt.Sprintf("%s %s %d", rel, info.Mode().Type(), size))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestCreateExtractRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	files := map[string]string{"a.csv": "id,name\n1,x\n", "sub/b.txt": "hello", "sub/deeper/c.bin": "\x00\x01\x02"}
	for n, body := range files {
		p := filepath.Join(in, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dest := filepath.Join(dir, "arch", "x.zip")
	c, err := Create(in, dest)
	if err != nil {
		t.Fatal(err)
	}
	if c.Files != 3 || c.Bytes != int64(len("id,name\n1,x\n")+5+3) {
		t.Errorf("Create = %+v, want 3 files", c)
	}
	if sum, _ := FileSHA256(dest); sum != c.SHA256 {
		t.Errorf("Created.SHA256 = %s, file hashes to %s", c.SHA256, sum)
	}
	if _, err := Create(in, dest); !errors.Is(err, ErrExists) {
		t.Errorf("second Create: err = %v, want ErrExists", err)
	}
	out := filepath.Join(dir, "out", "2024-01-01--v1")
	x, err := Extract(context.Background(), dest, out, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if x.Files != 3 || x.Verified != 3 || !x.HasChecksums {
		t.Errorf("Extract = %+v, want 3 files, 3 verified", x)
	}
	for n, body := range files {
		got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(n)))
		if err != nil || string(got) != body {
			t.Errorf("%s = %q, %v; want %q", n, got, err, body)
		}
	}
	if _, err := os.Stat(filepath.Join(out, ChecksumsName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s was extracted; it should only be checked", ChecksumsName)
	}
	// Extracting again replaces the tree, dropping stale files.
	if err := os.WriteFile(filepath.Join(out, "stale"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Extract(context.Background(), dest, out, Limits{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "stale")); !errors.Is(err, os.ErrNotExist) {
		t.Error("re-extraction kept a stale file")
	}
	if got := tree(t, filepath.Dir(out)); len(got) != 1+len(tree(t, out)) {
		t.Errorf("temporary directories left next to the destination: %v", got)
	}
}

func TestCreateRefusesBadInputs(t *testing.T) {
	t.Parallel()
	cases := map[string]func(dir string) error{
		"symlink": func(dir string) error { return os.Symlink("/etc/passwd", filepath.Join(dir, "link")) },
		"sums":    func(dir string) error { return os.WriteFile(filepath.Join(dir, ChecksumsName), nil, 0o644) },
		"backslash": func(dir string) error {
			return os.WriteFile(filepath.Join(dir, `a\b`), nil, 0o644)
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := filepath.Join(dir, "in")
			if err := os.Mkdir(in, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := setup(in); err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(dir, "x.zip")
			if _, err := Create(in, dest); err == nil {
				t.Fatal("Create succeeded")
			}
			if got := tree(t, dir); len(got) != len(tree(t, in))+1 {
				t.Errorf("Create left files behind: %v", got)
			}
		})
	}
}

func TestExtractRejectsHostileArchives(t *testing.T) {
	t.Parallel()
	good := map[string][]byte{"a.csv": []byte("id\n1\n")}
	zeros := make([]byte, 8<<20)
	cases := []struct {
		name  string
		build func(t *testing.T, path string)
		lim   Limits
		want  error
	}{
		{"zip slip", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "a.csv", body: good["a.csv"]}, {name: "../evil.txt", body: []byte("x")}})
		}, Limits{}, ErrUnsafe},
		{"zip slip through a directory", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "sub/../../evil.txt", body: []byte("x")}})
		}, Limits{}, ErrUnsafe},
		{"absolute path", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "/tmp/evil.txt", body: []byte("x")}})
		}, Limits{}, ErrUnsafe},
		{"drive letter", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "C:/evil.txt", body: []byte("x")}})
		}, Limits{}, ErrUnsafe},
		{"backslash traversal", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: `..\evil.txt`, body: []byte("x")}})
		}, Limits{}, ErrUnsafe},
		{"symlink member", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "link", body: []byte("../../outside"), mode: os.ModeSymlink | 0o777},
				{name: "link/evil.txt", body: []byte("x")}})
		}, Limits{}, ErrUnsafe},
		{"named pipe member", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "fifo", mode: os.ModeNamedPipe | 0o644}})
		}, Limits{}, ErrUnsafe},
		{"duplicate names", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "a.csv", body: []byte("one")}, {name: "a.csv", body: []byte("two")}})
		}, Limits{}, ErrUnsafe},
		{"names equal but for case", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "A.csv", body: []byte("one")}, {name: "a.csv", body: []byte("two")}})
		}, Limits{}, ErrUnsafe},
		{"file where a directory is needed", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "a", body: []byte("one")}, {name: "a/b", body: []byte("two")}})
		}, Limits{}, ErrUnsafe},
		{"checksum mismatch", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "a.csv", body: []byte("tampered\n")}, {name: ChecksumsName, body: sumsOf(good)}})
		}, Limits{}, ErrChecksum},
		{"checksum lists a missing member", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: ChecksumsName, body: sumsOf(good)}})
		}, Limits{}, ErrChecksum},
		{"malformed checksums", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "a.csv", body: good["a.csv"]}, {name: ChecksumsName, body: []byte("nothex  a.csv\n")}})
		}, Limits{}, ErrCorrupt},
		{"too many files", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "a", body: nil}, {name: "b", body: nil}, {name: "c", body: nil}})
		}, Limits{MaxFiles: 2}, ErrUnsafe},
		{"bomb over the size limit", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "zeros.bin", body: zeros}})
		}, Limits{MaxUncompressedBytes: 1 << 20, MaxRatio: 1e9}, ErrUnsafe},
		{"bomb over the ratio limit", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "zeros.bin", body: zeros}})
		}, Limits{}, ErrUnsafe},
		{"bomb whose header lies about its size", func(t *testing.T, p string) {
			writeLyingZip(t, p, "zeros.bin", zeros, 100)
		}, Limits{MaxRatio: 1e9}, ErrCorrupt},
		{"truncated", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "a.csv", body: bytes.Repeat([]byte("abc,def\n"), 1000)}})
			data, _ := os.ReadFile(p)
			_ = os.WriteFile(p, data[:len(data)/2], 0o644)
		}, Limits{}, ErrCorrupt},
		{"corrupt data", func(t *testing.T, p string) {
			writeZip(t, p, []member{{name: "a.csv", body: bytes.Repeat([]byte("abc,def\n"), 1000)}})
			data, _ := os.ReadFile(p)
			for i := 40; i < 60; i++ { // inside the first member's compressed data
				data[i] ^= 0xff
			}
			_ = os.WriteFile(p, data, 0o644)
		}, Limits{}, ErrCorrupt},
		{"not a zip", func(t *testing.T, p string) {
			_ = os.WriteFile(p, []byte("id,name\n1,x\n"), 0o644)
		}, Limits{}, ErrCorrupt},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sandbox := t.TempDir()
			src := filepath.Join(t.TempDir(), "in.zip")
			tc.build(t, src)
			restore := filepath.Join(sandbox, "restore")
			if err := os.Mkdir(restore, 0o755); err != nil {
				t.Fatal(err)
			}
			before := tree(t, sandbox)
			dest := filepath.Join(restore, "2024-01-01--v1")
			_, err := Extract(context.Background(), src, dest, tc.lim)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Extract: err = %v, want %v", err, tc.want)
			}
			if after := tree(t, sandbox); strings.Join(after, "\n") != strings.Join(before, "\n") {
				t.Errorf("filesystem changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

// An extraction that fails after it has written part of the archive leaves
// no partial file: the destination is still absent, or still the complete
// tree of the extraction before, and nothing temporary is left next to it.
func TestFailedExtractionLeavesNoPartialFile(t *testing.T) {
	t.Parallel()
	good := map[string][]byte{"a.csv": []byte("id\n1\n"), "b.csv": []byte("id\n2\n")}
	cases := []struct {
		name    string
		members []member
		lim     Limits
		want    error
	}{
		// a.csv is written in full before b.csv fails its checksum.
		{"second member fails its checksum", []member{
			{name: "a.csv", body: good["a.csv"]}, {name: "b.csv", body: []byte("tampered\n")}, {name: ChecksumsName, body: sumsOf(good)},
		}, Limits{}, ErrChecksum},
		// zeros.bin is cut off part way, over the size limit.
		{"member cut off by the size limit", []member{
			{name: "a.csv", body: good["a.csv"]}, {name: "zeros.bin", body: make([]byte, 4<<20)},
		}, Limits{MaxUncompressedBytes: 1 << 20, MaxRatio: 1e9}, ErrUnsafe},
	}
	for _, tc := range cases {
		for _, existing := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/existing=%v", tc.name, existing), func(t *testing.T) {
				t.Parallel()
				sandbox := t.TempDir()
				dest := filepath.Join(sandbox, "restore", "2024-01-01--v1")
				if existing {
					src := filepath.Join(t.TempDir(), "good.zip")
					writeZip(t, src, []member{{name: "a.csv", body: []byte("previous\n")}})
					if _, err := Extract(context.Background(), src, dest, Limits{}); err != nil {
						t.Fatal(err)
					}
				} else if err := os.Mkdir(filepath.Dir(dest), 0o755); err != nil {
					t.Fatal(err)
				}
				before := tree(t, sandbox)
				src := filepath.Join(t.TempDir(), "in.zip")
				writeZip(t, src, tc.members)
				if _, err := Extract(context.Background(), src, dest, tc.lim); !errors.Is(err, tc.want) {
					t.Fatalf("Extract: err = %v, want %v", err, tc.want)
				}
				if after := tree(t, sandbox); strings.Join(after, "\n") != strings.Join(before, "\n") {
					t.Errorf("filesystem changed:\nbefore %v\nafter  %v", before, after)
				}
				if existing {
					if b, err := os.ReadFile(filepath.Join(dest, "a.csv")); err != nil || string(b) != "previous\n" {
						t.Errorf("previous extraction: %q, %v", b, err)
					}
				}
			})
		}
	}
}

func TestExtractHonoursCancellation(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "in.zip")
	writeZip(t, src, []member{{name: "a.csv", body: []byte("x")}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dest := filepath.Join(t.TempDir(), "out")
	if _, err := Extract(ctx, src, dest, Limits{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) {
		t.Error("destination written by a cancelled extraction")
	}
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	ok := []string{"a", "a.csv", "dir/", "dir/a.csv", "a..b", "..a", "ünïcode.txt"}
	bad := []string{"", "/", "/a", "../a", "a/../../b", "a/../b", "./a", "a//b", `a\b`, "C:a", "a\x00b", "..", "a/.."}
	for _, n := range ok {
		if err := CheckName(n); err != nil {
			t.Errorf("CheckName(%q) = %v, want nil", n, err)
		}
	}
	for _, n := range bad {
		if err := CheckName(n); !errors.Is(err, ErrUnsafe) {
			t.Errorf("CheckName(%q) = %v, want ErrUnsafe", n, err)
		}
	}
}

func TestParseChecksums(t *testing.T) {
	t.Parallel()
	h := strings.Repeat("ab", 32)
	got, err := ParseChecksums(strings.NewReader("# comment\n" + h + "  a.csv\r\n\n" + strings.ToUpper(h) + " *sub/b.bin\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["a.csv"] != h || got["sub/b.bin"] != h {
		t.Errorf("ParseChecksums = %v", got)
	}
	for _, in := range []string{h + "  a\n" + h + "  a\n", "abc  a\n", h + "\n", h + "  ../a\n"} {
		if _, err := ParseChecksums(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), "line") {
			t.Errorf("ParseChecksums(%q) = %v, want an error naming the line", in, err)
		}
	}
}

func FuzzParseChecksums(f *testing.F) {
	f.Add(strings.Repeat("0", 64) + "  a.csv\n")
	f.Add("# x\n\n" + strings.Repeat("f", 64) + " *b\n")
	f.Fuzz(func(t *testing.T, s string) {
		sums, err := ParseChecksums(strings.NewReader(s))
		if err != nil {
			return
		}
		for name, sum := range sums {
			if CheckName(name) != nil || len(sum) != 64 {
				t.Fatalf("accepted %q -> %q", name, sum)
			}
		}
		again, err := ParseChecksums(bytes.NewReader(FormatChecksums(sums)))
		if err != nil || len(again) != len(sums) {
			t.Fatalf("round trip: %v, %d != %d", err, len(again), len(sums))
		}
	})
}

// FuzzExtract feeds arbitrary bytes as an archive: whatever happens,
// nothing may appear outside the destination.
func FuzzExtract(f *testing.F) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("a/b.csv")
	_, _ = w.Write([]byte("id\n1\n"))
	_ = zw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		src := filepath.Join(dir, "in.zip")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sandbox := filepath.Join(dir, "sandbox")
		if err := os.Mkdir(sandbox, 0o755); err != nil {
			t.Fatal(err)
		}
		dest := filepath.Join(sandbox, "out")
		_, err := Extract(context.Background(), src, dest, Limits{MaxUncompressedBytes: 1 << 20, MaxFiles: 100})
		entries, _ := os.ReadDir(sandbox)
		switch {
		case err != nil && len(entries) != 0:
			t.Fatalf("failed extraction left %v", entries)
		case err == nil && (len(entries) != 1 || entries[0].Name() != "out"):
			t.Fatalf("extraction wrote %v", entries)
		}
	})
}

// BenchmarkExtract measures extraction throughput (uncompressed MB/s) on a
// synthetic aviation input archive: three workbooks, ~2,000 rows.
func BenchmarkExtract(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in")
	if _, err := synth.WriteAviationWorkbooks(in, 1, 700); err != nil {
		b.Fatal(err)
	}
	src := filepath.Join(dir, "in.zip")
	c, err := Create(in, src)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(c.Bytes)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := Extract(context.Background(), src, filepath.Join(dir, "out"), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExtractText measures throughput on compressible text (CSV),
// where decompression rather than copying dominates.
func BenchmarkExtractText(b *testing.B) {
	dir := b.TempDir()
	var body bytes.Buffer
	for i := 0; body.Len() < 32<<20; i++ {
		// Varied rows, so that the data compresses like a real export (~5:1).
		x := uint32(i)*2654435761 + 12345
		fmt.Fprintf(&body, "ORG-%07d,Flight School %x,info%d@school%x.example,+27 %02d %03d %04d,%s\n",
			i, x, x%997, x>>8, x%90, x%1000, x%10000, []string{"Western Cape", "Gauteng", "KwaZulu-Natal"}[x%3])
	}
	src := filepath.Join(dir, "in.zip")
	writeZip(b, src, []member{{name: "orgs.csv", body: body.Bytes()}, {name: ChecksumsName, body: sumsOf(map[string][]byte{"orgs.csv": body.Bytes()})}})
	b.SetBytes(int64(body.Len()))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Extract(context.Background(), src, filepath.Join(dir, "out"), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOpenHashesWhatItExtracts opens an archive, puts another file at its
// path, and extracts: the data and the digest are both the first file's.
// A file rewritten in place while open is refused instead.
func TestOpenHashesWhatItExtracts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path, other := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	writeZip(t, path, []member{{name: "data.csv", body: []byte("a\n")}})
	writeZip(t, other, []member{{name: "data.csv", body: []byte("b\n")}})
	wantSum, err := FileSHA256(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "out")
	if _, err := a.Extract(context.Background(), dest, Limits{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dest, "data.csv"))
	if err != nil || string(got) != "a\n" || a.SHA256() != wantSum {
		t.Errorf("extracted %q (%v) with digest %s; want %q with digest %s", got, err, a.SHA256(), "a\n", wantSum)
	}

	// In place: same inode, new contents and a later modification time.
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte("trailing"))
	_ = f.Close()
	later := time.Now().Add(time.Hour)
	_ = os.Chtimes(path, later, later)
	if _, err := b.Extract(context.Background(), filepath.Join(dir, "out2"), Limits{}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "written to while it was being extracted") {
		t.Errorf("extract of an archive rewritten in place: %v, want ErrCorrupt", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out2")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("refused extraction left %s: %v", filepath.Join(dir, "out2"), err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Open(directory) = %v, want a refusal", err)
	}
}
