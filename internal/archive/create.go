package archive

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// Created describes an archive written by Create.
type Created struct {
	// Path is the archive file.
	Path string
	// Files counts the input files archived (SHA256SUMS not included);
	// Bytes is their total size.
	Files int
	Bytes int64
	// SHA256 is the hex digest of the archive file itself.
	SHA256 string
}

// ErrExists is wrapped when Create would replace an existing archive:
// archives are the record of what a date's inputs were, so one is never
// silently overwritten.
var ErrExists = errors.New("archive already exists")

// Create zips every regular file under inputDir into a new archive at dest,
// with a SHA256SUMS member listing each file's digest. The archive is
// written to a temporary file next to dest and renamed into place, so dest
// either does not exist or is complete. Symlinks and special files under
// inputDir are an error (an archive must not depend on what they point at),
// as is an input file called SHA256SUMS at the top, which would clash with
// the listing.
func Create(inputDir, dest string) (Created, error) {
	info, err := os.Stat(inputDir)
	if err != nil {
		return Created{}, fmt.Errorf("archive %s: %w", inputDir, err)
	}
	if !info.IsDir() {
		return Created{}, fmt.Errorf("archive %s: not a directory; pass the directory that holds the input files", inputDir)
	}
	if _, err := os.Lstat(dest); err == nil {
		return Created{}, fmt.Errorf("%w: %s; archives are kept as they were made, remove it first to make a new one", ErrExists, dest)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return Created{}, fmt.Errorf("create archive %s: %w", dest, err)
	}
	// NoReplace: an archive made at the same path meanwhile is kept, and
	// this one refused, whichever finishes first.
	tmp, err := atomicfile.Create(dest, atomicfile.NoReplace())
	if err != nil {
		return Created{}, fmt.Errorf("create archive %s: %w", dest, err)
	}
	fail := func(err error) (Created, error) {
		_ = tmp.Abort()
		return Created{}, err
	}
	whole := sha256.New()
	zw := zip.NewWriter(io.MultiWriter(tmp, whole))
	out := Created{Path: dest}
	sums := map[string]string{}
	walkErr := filepath.WalkDir(inputDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(inputDir, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		name := filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file (%s); archives hold regular files only", p, d.Type())
		case name == ChecksumsName:
			return fmt.Errorf("%s: an input file may not be called %s, the archive's own checksum listing", p, ChecksumsName)
		}
		if err := CheckName(name); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		n, sum, err := addFile(zw, p, name)
		if err != nil {
			return err
		}
		sums[name] = sum
		out.Files++
		out.Bytes += n
		return nil
	})
	if walkErr != nil {
		return fail(fmt.Errorf("create archive %s: %w", dest, walkErr))
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: ChecksumsName, Method: zip.Deflate, Modified: info.ModTime()})
	if err == nil {
		_, err = w.Write(FormatChecksums(sums))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return fail(fmt.Errorf("create archive %s: %w", dest, err))
	}
	if err := tmp.Commit(); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return Created{}, fmt.Errorf("%w: %s; archives are kept as they were made, remove it first to make a new one", ErrExists, dest)
		}
		return Created{}, fmt.Errorf("create archive %s: %w", dest, err)
	}
	out.SHA256 = hex.EncodeToString(whole.Sum(nil))
	return out, nil
}

// addFile writes the file at p as member name and returns its size and
// hex SHA-256.
func addFile(zw *zip.Writer, p, name string) (int64, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, "", err
	}
	hdr, err := zip.FileInfoHeader(st)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", p, err)
	}
	hdr.Name, hdr.Method = name, zip.Deflate
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", p, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), f)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", p, err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// CheckName rejects member names that could write outside the directory an
// archive is extracted into, or that mean different files on different
// systems: empty, absolute, with a drive letter, a backslash, a NUL, a ".."
// element, or not in canonical form ("./a", "a//b").
func CheckName(name string) error {
	trimmed := strings.TrimSuffix(name, "/")
	switch {
	case trimmed == "":
		return fmt.Errorf("%w: member with an empty name", ErrUnsafe)
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("%w: member name %q contains a NUL byte", ErrUnsafe, name)
	case strings.Contains(name, `\`):
		return fmt.Errorf("%w: member name %q contains a backslash; names use '/' between directories", ErrUnsafe, name)
	case strings.HasPrefix(name, "/") || (len(name) >= 2 && name[1] == ':'):
		return fmt.Errorf("%w: member name %q is an absolute path", ErrUnsafe, name)
	case !filepath.IsLocal(trimmed):
		return fmt.Errorf("%w: member name %q escapes the extraction directory", ErrUnsafe, name)
	case filepath.ToSlash(filepath.Clean(trimmed)) != trimmed:
		return fmt.Errorf("%w: member name %q is not in canonical form (no \"./\", \"//\" or trailing \"/.\")", ErrUnsafe, name)
	}
	return nil
}
