// Package audit keeps the compliance audit trail: an append-only JSONL
// file of every run that touched personal data and every erasure, each
// entry carrying the SHA-256 of the one before it, so that editing or
// removing an entry breaks the chain. A head file beside the trail holds
// the last entry's number and hash, which catches entries cut from the
// end. Appends take an exclusive file lock, so concurrent runs append in
// turn.
package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// Kinds of entry.
const (
	KindRun     = "run"
	KindErasure = "erasure"
)

// File is an input or output with its checksum.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
}

// Entry is one line of the trail. It holds no raw personal data: erased
// people appear as hashed identifiers only.
type Entry struct {
	Seq           int            `json:"seq"`
	Time          string         `json:"time"`
	Kind          string         `json:"kind"`
	RunID         string         `json:"run_id,omitempty"`
	SpecHash      string         `json:"spec_hash,omitempty"`
	PolicyVersion string         `json:"policy_version,omitempty"`
	Inputs        []File         `json:"inputs,omitempty"`
	Outputs       []File         `json:"outputs,omitempty"`
	Counts        map[string]int `json:"counts,omitempty"`
	Identifiers   []string       `json:"identifiers,omitempty"`
	// Prev is the previous entry's Hash ("" for the first).
	Prev string `json:"prev"`
	// Hash is the SHA-256 of this entry's JSON with Hash empty.
	Hash string `json:"hash"`
}

// head is the content of the head file.
type head struct {
	Seq  int    `json:"seq"`
	Hash string `json:"hash"`
}

// HeadPath is the head file of the trail at path.
func HeadPath(path string) string { return path + ".head" }

func (e *Entry) digest() (string, error) {
	c := *e
	c.Hash = ""
	b, err := json.Marshal(&c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Append adds e to the trail at path (creating it), setting its Seq, Prev
// and Hash, and returns the entry as written.
func Append(path string, e Entry) (Entry, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return e, fmt.Errorf("audit trail: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return e, fmt.Errorf("audit trail: %w", err)
	}
	defer f.Close()
	if err := lock(f); err != nil {
		return e, fmt.Errorf("audit trail %s: lock: %w", path, err)
	}
	defer unlock(f)
	last, err := lastEntry(f)
	if err != nil {
		return e, fmt.Errorf("audit trail %s: %w", path, err)
	}
	e.Seq, e.Prev = 1, ""
	if last != nil {
		e.Seq, e.Prev = last.Seq+1, last.Hash
	}
	if e.Hash, err = e.digest(); err != nil {
		return e, fmt.Errorf("audit trail: %w", err)
	}
	line, err := json.Marshal(&e)
	if err != nil {
		return e, fmt.Errorf("audit trail: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return e, fmt.Errorf("audit trail %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return e, fmt.Errorf("audit trail %s: %w", path, err)
	}
	hb, _ := json.Marshal(head{Seq: e.Seq, Hash: e.Hash})
	if err := atomicfile.WriteFile(HeadPath(path), append(hb, '\n')); err != nil {
		return e, fmt.Errorf("audit trail head: %w", err)
	}
	return e, nil
}

// lastEntry reads the last line of f, refusing a trail whose last line is
// cut short: appending after it would hide the damage.
func lastEntry(f *os.File) (*Entry, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if size == 0 {
		return nil, nil
	}
	// Read backwards in growing blocks until the last line is whole.
	for block := int64(4096); ; block *= 4 {
		off := max(size-block, 0)
		buf := make([]byte, size-off)
		if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if buf[len(buf)-1] != '\n' {
			return nil, errors.New("the last line is cut short (truncated mid-line); run `hotpass privacy verify-audit` and restore the trail from a backup")
		}
		body := buf[:len(buf)-1]
		i := bytes.LastIndexByte(body, '\n')
		if i < 0 && off > 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(body[i+1:], &e); err != nil {
			return nil, fmt.Errorf("the last entry is not valid JSON (%v); run `hotpass privacy verify-audit`", err)
		}
		return &e, nil
	}
}

// Problem is where verification failed: the 1-based line and what is
// wrong there.
type Problem struct {
	Path    string
	Line    int
	Message string
}

func (p *Problem) Error() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.Path, p.Message)
	}
	return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Message)
}

// Verify checks the whole trail at path: every line a complete entry,
// numbered in order, each hash right and each chained to the one before,
// and the last one the head file names. It returns the number of entries,
// and a *Problem for the first thing wrong.
func Verify(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("audit trail: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	n, prev := 0, ""
	bad := func(line int, format string, args ...any) (int, error) {
		return n, &Problem{Path: path, Line: line, Message: fmt.Sprintf(format, args...)}
	}
	for line := 1; ; line++ {
		text, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) {
			if text != "" {
				return bad(line, "the line is cut short (truncated mid-line): %d bytes without an end", len(text))
			}
			break
		}
		if err != nil {
			return n, fmt.Errorf("audit trail %s: %w", path, err)
		}
		var e Entry
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return bad(line, "not a valid entry: %v", err)
		}
		if e.Seq != n+1 {
			return bad(line, "entry number %d follows %d: entries were removed or reordered", e.Seq, n)
		}
		if e.Prev != prev {
			return bad(line, "entry %d does not chain to the entry before it: that entry was edited or removed", e.Seq)
		}
		sum, err := e.digest()
		if err != nil {
			return n, err
		}
		if sum != e.Hash {
			return bad(line, "entry %d was edited: its content does not match its hash", e.Seq)
		}
		n, prev = e.Seq, e.Hash
	}
	hb, err := os.ReadFile(HeadPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		if n > 0 {
			return bad(0, "the head file %s is missing, so entries cut from the end cannot be ruled out", HeadPath(path))
		}
		return n, nil
	}
	if err != nil {
		return n, fmt.Errorf("audit trail head: %w", err)
	}
	var h head
	if err := json.Unmarshal(hb, &h); err != nil {
		return bad(0, "the head file %s is not valid: %v", HeadPath(path), err)
	}
	if h.Seq != n || h.Hash != prev {
		return bad(0, "the trail ends at entry %d but its head file names entry %d: entries were removed from the end", n, h.Seq)
	}
	return n, nil
}

// FileSHA256 returns the hex SHA-256 of a file's content.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
