package archive

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// Errors wrapped by Extract, so callers can tell a hostile archive from a
// damaged one and from one whose contents changed.
var (
	// ErrUnsafe: the archive tries to write outside its directory, holds a
	// symlink, special file or duplicate name, or goes over a size limit.
	ErrUnsafe = errors.New("unsafe archive")
	// ErrCorrupt: the file is not a readable zip (truncated, damaged, or
	// a member fails its CRC).
	ErrCorrupt = errors.New("corrupt archive")
	// ErrChecksum: a member does not match its SHA256SUMS entry, or an
	// entry names a member that is not there.
	ErrChecksum = errors.New("checksum mismatch")
)

// Limits bound what one extraction may write. Zero fields take the defaults.
type Limits struct {
	// MaxUncompressedBytes caps the total bytes written, counted as they
	// are decompressed.
	MaxUncompressedBytes int64
	// MaxFiles caps the number of members (directories included).
	MaxFiles int
	// MaxRatio caps how many times larger than its compressed size a
	// member may grow. It applies once a member passes ratioFloor bytes, so
	// small, very compressible files (a header-only CSV) are not refused.
	MaxRatio float64
}

// Default limits: generous for spreadsheets and CSV exports (xlsx files are
// themselves compressed, CSVs rarely compress past 20:1), far below what a
// zip bomb produces.
const (
	DefaultMaxUncompressedBytes int64   = 4 << 30
	DefaultMaxFiles             int     = 10_000
	DefaultMaxRatio             float64 = 200
	ratioFloor                  int64   = 1 << 20
)

// WithDefaults fills zero fields with the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxUncompressedBytes <= 0 {
		l.MaxUncompressedBytes = DefaultMaxUncompressedBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = DefaultMaxFiles
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	return l
}

// Extracted describes a finished extraction.
type Extracted struct {
	// Files counts the regular files written; Bytes is their total size.
	Files int
	Bytes int64
	// Verified counts the files checked against SHA256SUMS; HasChecksums
	// says whether the archive had that member at all.
	Verified     int
	HasChecksums bool
}

// Extract unpacks the zip archive at src into destDir. Nothing is written
// to destDir until the whole archive has been checked and unpacked into a
// temporary sibling directory, which is then renamed into place; an
// existing destDir is replaced. On error the temporary directory is removed
// and destDir is left as it was. The SHA256SUMS member is checked, not
// extracted.
func Extract(ctx context.Context, src, destDir string, lim Limits) (Extracted, error) {
	f, err := os.Open(src)
	if err != nil {
		return Extracted{}, fmt.Errorf("open archive: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Extracted{}, fmt.Errorf("open archive %s: %w", src, err)
	}
	return extract(ctx, src, f, st, destDir, lim)
}

// Archive is an archive file opened once. Its digest and its extraction
// read the same open file, so a file put in its place at the path after
// Open changes neither: what is recorded as extracted is what was hashed.
type Archive struct {
	path string
	f    *os.File
	st   os.FileInfo
	sum  string
}

// Open opens the archive at path and computes its SHA-256. Only a regular
// file is opened.
func Open(path string) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("open archive %s: %w", path, err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, st.Size())); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return &Archive{path: path, f: f, st: st, sum: hex.EncodeToString(h.Sum(nil))}, nil
}

// SHA256 returns the hex SHA-256 of the archive as it was when opened.
func (a *Archive) SHA256() string { return a.sum }

// Path returns the path the archive was opened at.
func (a *Archive) Path() string { return a.path }

// Extract unpacks the archive as the package-level Extract does, from the
// file that was hashed. A file rewritten in place while it was open (not
// replaced) is noticed by its size and modification time and refused.
func (a *Archive) Extract(ctx context.Context, destDir string, lim Limits) (Extracted, error) {
	return extract(ctx, a.path, a.f, a.st, destDir, lim)
}

// Close closes the archive file.
func (a *Archive) Close() error { return a.f.Close() }

func extract(ctx context.Context, src string, f *os.File, st os.FileInfo, destDir string, lim Limits) (Extracted, error) {
	lim = lim.WithDefaults()
	zr, err := zip.NewReader(f, st.Size())
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return Extracted{}, fmt.Errorf("%w: %s: %v (the file is truncated or not a zip archive; recreate it with `hotpass archive`)", ErrCorrupt, src, err)
	}
	members, sumsFile, err := checkMembers(zr, lim)
	if err != nil {
		return Extracted{}, fmt.Errorf("%s: %w", src, err)
	}
	x := &extractor{ctx: ctx, lim: lim, archiveSize: st.Size()}
	if sumsFile != nil {
		if x.sums, err = readChecksums(sumsFile, members); err != nil {
			return Extracted{}, fmt.Errorf("%s: %w", src, err)
		}
		x.out.HasChecksums = true
	}
	parent := filepath.Dir(destDir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return Extracted{}, fmt.Errorf("extract %s: %w", src, err)
	}
	tmp, err := atomicfile.TempDir(destDir)
	if err != nil {
		return Extracted{}, fmt.Errorf("extract %s: %w", src, err)
	}
	if err := x.unpack(tmp, members); err != nil {
		_ = os.RemoveAll(tmp)
		return Extracted{}, fmt.Errorf("%s: %w", src, err)
	}
	if now, err := f.Stat(); err != nil || now.Size() != st.Size() || !now.ModTime().Equal(st.ModTime()) {
		_ = os.RemoveAll(tmp)
		return Extracted{}, fmt.Errorf("%w: %s was written to while it was being extracted; extract it again once nothing writes it", ErrCorrupt, src)
	}
	if err := atomicfile.ReplaceDir(tmp, destDir); err != nil {
		_ = os.RemoveAll(tmp)
		return Extracted{}, fmt.Errorf("extract %s: %w", src, err)
	}
	return x.out, nil
}

// checkMembers validates every member's name and type and the header
// claims against the limits before anything is written. It returns the
// members to extract and the SHA256SUMS member, if any.
func checkMembers(zr *zip.Reader, lim Limits) ([]*zip.File, *zip.File, error) {
	if len(zr.File) > lim.MaxFiles {
		return nil, nil, fmt.Errorf("%w: %d members, more than the limit of %d (raise max_files if the archive is genuine)", ErrUnsafe, len(zr.File), lim.MaxFiles)
	}
	seen := make(map[string]string, len(zr.File))
	var claimed uint64
	var members []*zip.File
	var sums *zip.File
	for _, zf := range zr.File {
		if err := CheckName(zf.Name); err != nil {
			return nil, nil, err
		}
		mode := zf.Mode()
		switch {
		case mode&os.ModeSymlink != 0:
			return nil, nil, fmt.Errorf("%w: member %q is a symlink; archives may hold regular files and directories only", ErrUnsafe, zf.Name)
		case !mode.IsRegular() && !mode.IsDir():
			return nil, nil, fmt.Errorf("%w: member %q is a special file (%s)", ErrUnsafe, zf.Name, mode.Type())
		}
		clean := strings.TrimSuffix(zf.Name, "/")
		// Case-folded, so that two members cannot land on one file on a
		// case-insensitive filesystem.
		key := strings.ToLower(clean)
		if prev, dup := seen[key]; dup {
			return nil, nil, fmt.Errorf("%w: member %q appears twice (also as %q); refusing to guess which one is meant", ErrUnsafe, zf.Name, prev)
		}
		seen[key] = zf.Name
		claimed += zf.UncompressedSize64
		if claimed > uint64(lim.MaxUncompressedBytes) {
			return nil, nil, fmt.Errorf("%w: members claim more than the limit of %d uncompressed bytes (raise max_uncompressed_bytes if the archive is genuine)", ErrUnsafe, lim.MaxUncompressedBytes)
		}
		if clean == ChecksumsName && !mode.IsDir() {
			sums = zf
			continue
		}
		members = append(members, zf)
	}
	// A file "a" and a member "a/b" cannot both exist; say so instead of
	// failing halfway with a filesystem error.
	for _, zf := range members {
		for dir := path.Dir(strings.TrimSuffix(zf.Name, "/")); dir != "."; dir = path.Dir(dir) {
			if prev, ok := seen[strings.ToLower(dir)]; ok && !strings.HasSuffix(prev, "/") {
				return nil, nil, fmt.Errorf("%w: member %q needs %q to be a directory, but it is a file", ErrUnsafe, zf.Name, prev)
			}
		}
	}
	return members, sums, nil
}

// readChecksums parses the SHA256SUMS member and checks that every name it
// lists is a member.
func readChecksums(zf *zip.File, members []*zip.File) (map[string]string, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, ChecksumsName, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxChecksumsBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, ChecksumsName, err)
	}
	if len(data) > maxChecksumsBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrUnsafe, ChecksumsName, maxChecksumsBytes)
	}
	sums, err := ParseChecksums(strings.NewReader(string(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	files := make(map[string]bool, len(members))
	for _, m := range members {
		files[m.Name] = true
	}
	for name := range sums {
		if !files[name] {
			return nil, fmt.Errorf("%w: %s lists %s, which is not in the archive", ErrChecksum, ChecksumsName, name)
		}
	}
	return sums, nil
}

// extractor holds the state of one extraction.
type extractor struct {
	ctx         context.Context
	lim         Limits
	archiveSize int64
	sums        map[string]string
	written     int64
	out         Extracted
	buf         []byte
}

// unpack writes members under dir through an os.Root, which refuses any
// path that would leave dir even if the checks above missed one.
func (x *extractor) unpack(dir string, members []*zip.File) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	x.buf = make([]byte, 64<<10)
	for _, zf := range members {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		name := strings.TrimSuffix(zf.Name, "/")
		if zf.Mode().IsDir() {
			if err := root.MkdirAll(name, 0o755); err != nil {
				return fmt.Errorf("member %q: %w", zf.Name, err)
			}
			continue
		}
		if d := path.Dir(name); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("member %q: %w", zf.Name, err)
			}
		}
		if err := x.file(root, zf, name); err != nil {
			return err
		}
	}
	return nil
}

// file decompresses one member, counting the bytes as they come out.
func (x *extractor) file(root *os.Root, zf *zip.File, name string) error {
	rc, err := zf.Open()
	if err != nil {
		return fmt.Errorf("%w: member %q: %v", ErrCorrupt, zf.Name, err)
	}
	defer rc.Close()
	w, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("member %q: %w", zf.Name, err)
	}
	var h hash.Hash
	want, listed := x.sums[zf.Name]
	if listed {
		h = sha256.New()
	}
	// The compressed bytes a member can consume are bounded by the file,
	// whatever its header says.
	compressed := min(int64(min(zf.CompressedSize64, uint64(1<<62))), x.archiveSize)
	var n int64
	for {
		if err := x.ctx.Err(); err != nil {
			_ = w.Close()
			return err
		}
		k, rerr := rc.Read(x.buf)
		if k > 0 {
			n += int64(k)
			x.written += int64(k)
			if x.written > x.lim.MaxUncompressedBytes {
				_ = w.Close()
				return fmt.Errorf("%w: member %q: more than the limit of %d uncompressed bytes in total (raise max_uncompressed_bytes if the archive is genuine)",
					ErrUnsafe, zf.Name, x.lim.MaxUncompressedBytes)
			}
			if n > ratioFloor && float64(n) > x.lim.MaxRatio*float64(max(compressed, 1)) {
				_ = w.Close()
				return fmt.Errorf("%w: member %q: expands more than %.0f times its compressed size of %d bytes (a zip bomb?)",
					ErrUnsafe, zf.Name, x.lim.MaxRatio, compressed)
			}
			if h != nil {
				h.Write(x.buf[:k])
			}
			if _, err := w.Write(x.buf[:k]); err != nil {
				_ = w.Close()
				return fmt.Errorf("member %q: %w", zf.Name, err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			_ = w.Close()
			return fmt.Errorf("%w: member %q: %v", ErrCorrupt, zf.Name, rerr)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("member %q: %w", zf.Name, err)
	}
	if listed {
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return fmt.Errorf("%w: member %q has SHA-256 %s, %s says %s; the archive changed after it was made",
				ErrChecksum, zf.Name, got, ChecksumsName, want)
		}
		x.out.Verified++
	}
	x.out.Files++
	x.out.Bytes += n
	return nil
}

// FileSHA256 returns the hex SHA-256 of the file at p.
func FileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
